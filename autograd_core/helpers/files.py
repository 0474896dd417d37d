"""Files: the one place that writes atomically and reads with bounds (used by ``nn`` and ``viz``).

Writing (:func:`write_atomically`) goes through a temporary file in the target's
directory and ``os.replace``, so a reader (or a crash) sees the old file or the new
one, never half of one. The rules, the same for ``Module.save``, ``viz.render`` and
the command line:

* A symlink at the target is written through: the file it points to is replaced and
  the link stays, as ``open(path, "w")`` would do (replacing the link by a regular
  file would silently cut it from what it pointed to).
* Only regular files are replaced: a directory, device (``/dev/full``), FIFO or
  socket at the target is refused, even when running as root.
* An existing file keeps its permission bits, its owner and its group; a new file gets the
  bits ``open()`` gives (0666 less the umask). Where this process may not give the new file the
  old one's owner or group (not root, and the file is another user's, or its group is one this
  user is not in), the save is refused with a ``PermissionError`` naming the file and leaves it
  as it was: saving would take the file from its owner (a 0600 file would become unreadable
  to them). Delete the file first, or save elsewhere, to replace it anyway.
* After the rename, the directory is fsynced (as SQLite does), so the new name survives a
  power loss too, not only the new bytes.
* The temporary file is named ``.NAME.saving-PID-XXXXXXXX.tmp`` next to the target.
  A process killed mid-save leaves it behind; the next save of the same target
  removes those whose process no longer runs.
* Errors name the target, never the temporary file.

Reading (:func:`read_json`) refuses anything but a regular file (a FIFO or
``/dev/zero`` would block or never end), refuses files over a size limit and with more
entries than a limit (so that what reads the document, in linear time, is bounded too), and
turns JSON's edge cases (NaN, duplicate keys, deep nesting, integers of thousands of digits)
into one ``ValueError`` naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_ENTRIES", "write_atomically", "read_json", "read_regular_file",
           "count_entries"]

#: Largest file :func:`read_json` reads unless told otherwise (a state dict of a million
#: parameters is about 40 MB; the models here have at most thousands).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

#: Most entries (JSON values: object members and array items) :func:`read_json` reads unless
#: told otherwise: a state dict of two million parameters. Within the byte limit, a file of
#: ``[[],[],...]`` would otherwise make 22 million lists (about 1.5 GB).
DEFAULT_MAX_ENTRIES = 2_000_000

# Any integer of more digits than this is already too large for a float (max ~1.8e308).
_FLOAT_DIGITS = 400


def _kind(mode: int) -> str:
    """'a directory', 'a character device'...: what a non-regular file is, for messages."""
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _refuse_non_regular(path: str, mode: int, doing: str) -> None:
    if stat.S_ISREG(mode):
        return
    message = f"cannot {doing} {path}: it is {_kind(mode)}, not a regular file"
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(message)
    raise OSError(message)


def _temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.saving-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files of earlier saves of ``target`` whose process was killed."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.saving-(\d+)-[0-9a-f]{{8}}\.tmp")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _process_exists(int(match.group(1))):
            try:
                os.unlink(target.parent / name)
            except OSError:
                pass  # another process cleaned it first, or we may not: the save goes on


def _resolve_target(path: str | os.PathLike[str]) -> tuple[Path, os.stat_result | None]:
    """The file to replace (through any symlink) and its status (None if new)."""
    shown = os.fspath(path)
    if not shown:
        raise ValueError("cannot write to an empty path")
    if shown.endswith((os.sep, os.altsep or os.sep)):  # realpath would drop the slash: open() refuses
        raise IsADirectoryError(f"cannot write {shown}: a path ending in {shown[-1]} names a directory, not a file")
    target = Path(os.path.realpath(shown))
    if not target.parent.is_dir():  # else the error would name the temporary file
        raise FileNotFoundError(f"cannot write {shown}: there is no directory {target.parent}")
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return target, None
    _refuse_non_regular(shown, status.st_mode, "write")
    return target, status


def _keep_owner(handle: int, old: os.stat_result, shown: str) -> None:
    """Give the new file (open as ``handle``) the old one's owner and group, or refuse the save."""
    new = os.fstat(handle)
    if (new.st_uid, new.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.fchown(handle, old.st_uid, old.st_gid)
    except PermissionError:
        raise PermissionError(
            errno.EPERM, f"cannot save over {shown}: it belongs to user {old.st_uid}, group {old.st_gid}, and this "
            "process may not give the new file that owner and group, so the save would take the file from its "
            "owner; delete it first or save elsewhere to replace it", shown) from None


def _sync_directory(directory: Path) -> None:
    """fsync ``directory``, so that a rename in it survives a power loss (where the system can)."""
    if os.name == "nt":  # Windows cannot open a directory as a file, and NTFS journals renames
        return
    try:
        handle = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a directory we may write but not read (mode 0333): as SQLite, save without
    try:
        os.fsync(handle)
    except OSError as error:
        # A file system that cannot sync a directory says so (EINVAL); any other error is real.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise OSError(error.errno, f"{error.strerror} (syncing the directory after the rename)",
                          os.fspath(directory)) from None
    finally:
        os.close(handle)


def _discard(temporary: Path) -> None:
    try:
        os.unlink(temporary)
    except OSError:
        pass  # never created (or its name was the problem): nothing to clean


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str is written as UTF-8) to ``path`` atomically; returns ``Path(path)``.

    See the module doc for symlinks, permissions, non-regular targets and leftovers.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> write_atomically(path, "hello\\n").read_text()
    'hello\\n'
    >>> sorted(os.listdir(os.path.dirname(path)))  # no temporary file left behind
    ['note.txt']
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target, old = _resolve_target(path)
    _remove_stale_temporaries(target)
    temporary = _temporary_name(target)
    try:
        # 0o666 through os.open lets the kernel apply the umask, as a plain open() does.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            if old is not None:
                _keep_owner(stream.fileno(), old, os.fspath(path))
                # After fchown, which clears the set-user-ID and set-group-ID bits.
                os.fchmod(stream.fileno(), stat.S_IMODE(old.st_mode))
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        _discard(temporary)
        if isinstance(error, OSError) and error.errno is not None:
            # e.g. "[Errno 28] No space left on device: 'model.json'" (the target, not the temporary file)
            raise OSError(error.errno, error.strerror, os.fspath(path)) from None
        raise
    _sync_directory(target.parent)
    return Path(path)


def read_regular_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes`` (default :data:`DEFAULT_MAX_BYTES`).

    A FIFO, device or directory is refused at once (``O_NONBLOCK`` so opening a FIFO
    does not wait for a writer); a larger file is a ValueError naming its size.

    >>> read_regular_file("/dev/zero")
    Traceback (most recent call last):
    ...
    OSError: cannot read /dev/zero: it is a character device, not a regular file
    """
    shown = os.fspath(path)
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    handle = os.open(shown, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        # Before fdopen, whose IsADirectoryError would name the descriptor ("Is a directory: 3").
        _refuse_non_regular(shown, os.fstat(handle).st_mode, "read")
    except BaseException:
        os.close(handle)
        raise
    with os.fdopen(handle, "rb") as stream:
        data = stream.read(max_bytes + 1)  # one more byte tells a file that grew past the limit
    if len(data) > max_bytes:
        raise ValueError(f"{shown} is larger than {max_bytes} bytes, the most this program reads; "
                         "is it the right file?")
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"it holds {name}, which is not JSON (numbers must be finite)")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python's parser keeps the last of two equal keys; a file naming a key twice is corrupt.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"it names {key!r} twice")
        document[key] = value
    return document


def _parse_int(text: str) -> int:
    # Python refuses to convert more than 4300 digits; cut the digits that make no difference to
    # "too large for a float", so the caller can say which entry is too large.
    return int(text[:_FLOAT_DIGITS])


def count_entries(data: bytes) -> int:
    """How many values a JSON text holds, at most: one, plus one per comma and per opening
    bracket (a non-empty array or object of n items has n - 1 commas). Exact for a text whose
    strings hold no commas or brackets, else larger; linear, and fast (``bytes.count``).

    >>> count_entries(b'{"w": [1, 2, 3], "b": 0.5}')  # the object, its 2 members, 3 numbers in the array
    6
    """
    return 1 + data.count(b",") + data.count(b"[") + data.count(b"{")


def read_json(path: str | os.PathLike[str], max_bytes: int | None = None, max_entries: int | None = None) -> Any:
    """The JSON document in ``path`` (strict: no NaN/Infinity, no key twice), as Python objects.

    At most ``max_bytes`` bytes (default :data:`DEFAULT_MAX_BYTES`) and ``max_entries`` values
    (default :data:`DEFAULT_MAX_ENTRIES`, counted by :func:`count_entries` before parsing).
    Every problem with the file is one ValueError (OSError for a missing or non-regular
    file) whose message names ``path``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "deep.json")
    >>> _ = write_atomically(path, "[" * 100_000 + "]" * 100_000)
    >>> read_json(path)
    Traceback (most recent call last):
    ...
    ValueError: .../deep.json is nested too deeply to read
    """
    shown = os.fspath(path)
    data = read_regular_file(path, max_bytes)
    max_entries = DEFAULT_MAX_ENTRIES if max_entries is None else max_entries
    if count_entries(data) > max_entries:
        raise ValueError(f"{shown} holds more than {max_entries} entries (JSON values), the most this "
                         "program reads; is it the right file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{shown} is not a UTF-8 text file (expected JSON)") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates,
                          parse_int=_parse_int)
    except RecursionError:
        raise ValueError(f"{shown} is nested too deeply to read") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{shown} is not valid JSON (truncated or corrupt?): {error}") from None
    except ValueError as error:
        raise ValueError(f"{shown} is not a valid file: {error}") from None
