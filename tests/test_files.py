"""Saving and loading files: autograd_core.helpers.files, as used by Module.save/load, viz.render and the CLI.

Each test here failed before its fix: symlinks replaced, device nodes replaced as root,
0600 files, anonymous leftovers after a SIGKILL, errors naming the temporary file,
loads that hung on a FIFO or died of RecursionError.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograd_core.helpers import files
from autograd_core_cli.main import main
from nn import MLP

ROOT = Path(__file__).resolve().parent.parent


def saved_model(tmp_path: Path) -> tuple[MLP, Path, dict]:
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    return model, path, json.loads(path.read_text())


def write(tmp_path: Path, text: str, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- saving ----------------------------------------------------------------------------------

def test_a_symlink_at_the_target_is_written_through_and_kept(tmp_path):
    real = tmp_path / "models" / "v3.json"
    real.parent.mkdir()
    link = tmp_path / "current.json"
    link.symlink_to(Path("models") / "v3.json")  # relative, as people make them
    model = MLP(2, [1], seed=1)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("models", "v3.json")
    assert json.loads(real.read_text())["parameters"] == model.state_dict()
    assert sorted(p.name for p in real.parent.iterdir()) == ["v3.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.json", "models"]


def test_a_fifo_or_a_directory_at_the_target_is_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"cannot write .*pipe\.json: it is a FIFO \(named pipe\), not a regular"):
        MLP(2, [1]).save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="folder: it is a directory"):
        files.write_atomically(folder, "x")
    assert folder.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["folder", "pipe.json"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_not_replaced_even_as_root(tmp_path):
    device = tmp_path / "full"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a second /dev/full
    with pytest.raises(OSError, match="it is a character device"):
        MLP(2, [1]).save(device)
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_an_existing_file_keeps_its_mode(tmp_path):
    _, path, _ = saved_model(tmp_path)
    for mode in (0o644, 0o640, 0o600):
        path.chmod(mode)
        MLP(2, [2, 1], seed=3).save(path)
        assert stat.S_IMODE(path.stat().st_mode) == mode


needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="giving files to other users needs root")


@needs_root
@pytest.mark.parametrize("owner", [(1234, 1234), (0, 1234), (1234, 0)])
def test_an_existing_file_keeps_its_owner_and_group(tmp_path, owner):
    _, path, _ = saved_model(tmp_path)
    os.chown(path, *owner)
    path.chmod(0o600)  # its owner's only: were it given to root, its owner could no longer read it
    model = MLP(2, [2, 1], seed=3)
    model.save(path)
    status = path.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (*owner, 0o600)
    assert json.loads(path.read_text())["parameters"] == model.state_dict()


@needs_root
def test_set_id_bits_survive_the_change_of_owner(tmp_path):
    path = tmp_path / "tool"
    files.write_atomically(path, b"old")
    os.chown(path, 1234, 1234)
    path.chmod(0o6750)  # fchown clears set-user-ID and set-group-ID: the mode is set after it
    files.write_atomically(path, b"new")
    status = path.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (1234, 1234, 0o6750)


def _as_user(uid, gid, action):
    """``action()`` run in a forked child as ``uid``:``gid`` (root drops its rights there): ``("ok",
    result)`` or ``("error", type name, errno, message)``."""
    import ast

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec (the interpreter may live where uid cannot read), only os calls
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            try:
                outcome = ("ok", action())
            except Exception as error:
                outcome = ("error", type(error).__name__, getattr(error, "errno", None), str(error))
            os.write(write, repr(outcome).encode())
        finally:
            os._exit(0)
    os.close(write)
    import select

    ready, _, _ = select.select([read], [], [], 30)
    if not ready:  # a fork of a process with threads can deadlock: never wait for ever
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read, "rb") as stream:
        text = stream.read().decode() if ready else ""
    os.waitpid(pid, 0)
    assert text, "the child running as another user did not answer within 30 s"
    return ast.literal_eval(text)


@needs_root
def test_a_user_who_may_not_give_the_file_to_its_owner_is_refused_and_the_file_kept():
    import shutil
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="autograd-owner-"))  # not under tmp_path: uid 1234 must reach it
    try:
        directory.chmod(0o777)  # a shared directory, without the sticky bit: anyone may rename in it
        theirs, wrong_group, mine = directory / "theirs.json", directory / "group.json", directory / "mine.json"
        for path, owner in ((theirs, (4321, 4321)), (wrong_group, (1234, 4321)), (mine, (1234, 1234))):
            path.write_text("old")
            os.chown(path, *owner)
            path.chmod(0o644)
        for path in (theirs, wrong_group):
            outcome = _as_user(1234, 1234, lambda path=path: str(files.write_atomically(path, "new")))
            assert outcome[:3] == ("error", "PermissionError", 1), outcome
            assert f"cannot save over {path}: it belongs to user" in outcome[3] and "delete it first" in outcome[3]
            assert path.read_text() == "old"
        assert (theirs.stat().st_uid, wrong_group.stat().st_gid) == (4321, 4321)
        assert _as_user(1234, 1234, lambda: str(files.write_atomically(mine, "new"))) == ("ok", str(mine))
        assert mine.read_text() == "new" and (mine.stat().st_uid, mine.stat().st_gid) == (1234, 1234)
        assert sorted(p.name for p in directory.iterdir()) == ["group.json", "mine.json", "theirs.json"]
    finally:
        shutil.rmtree(directory)


def test_the_directory_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        status = os.fstat(fd)
        events.append(("fsync", stat.S_ISDIR(status.st_mode), (status.st_dev, status.st_ino)))
        return real_fsync(fd)

    def replace(source, target):
        events.append(("replace", Path(target).name))
        return real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    MLP(2, [1]).save(tmp_path / "m.json")
    directory = tmp_path.stat()
    assert events[-2:] == [("replace", "m.json"), ("fsync", True, (directory.st_dev, directory.st_ino))]
    assert events[0][:2] == ("fsync", False)  # the file's bytes, before the rename


def test_a_new_file_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        MLP(2, [1]).save(tmp_path / "a.json")
        files.write_atomically(tmp_path / "b.svg", b"<svg/>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "b.svg").stat().st_mode) == 0o640


KILLED_MID_SAVE = """
import os, signal, sys
from nn import MLP
def die(src, dst):  # the moment between writing the temporary file and renaming it
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = die
MLP(2, [1]).save(sys.argv[1])
"""


def test_a_save_killed_midway_leaves_an_obviously_named_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "model.json"
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(target)], cwd=ROOT)
    assert killed.returncode == -signal.SIGKILL
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.json.saving-")
    assert leftovers[0].endswith(".tmp") and not target.exists()
    MLP(2, [1]).save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_a_live_process_s_temporary_file_is_left_alone(tmp_path):
    mine = tmp_path / f".model.json.saving-{os.getpid()}-0123abcd.tmp"  # as if another thread were saving
    mine.write_text("half")
    other = tmp_path / ".other.json.saving-1-0123abcd.tmp"  # another target's
    other.write_text("half")
    MLP(2, [1]).save(tmp_path / "model.json")
    assert mine.exists() and other.exists()


def test_errors_name_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / ("m" * 240 + ".json")  # fine as a name; the temporary name is too long
    with pytest.raises(OSError) as caught:
        MLP(2, [1]).save(target)
    assert caught.value.filename == str(target) and ".tmp" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# --- loading ---------------------------------------------------------------------------------

def load_in_a_thread(model: MLP, path: Path) -> BaseException | None:
    """The error ``model.load(path)`` raises, failing the test if it blocks for 10 s."""
    outcome: list = []

    def run() -> None:
        try:
            model.load(path)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 (the test looks at it)
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert outcome, f"loading {path} blocked"
    return outcome[0]


def test_a_fifo_or_a_device_is_refused_at_once_naming_it(tmp_path):
    fifo = tmp_path / "weights.json"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO (named pipe)"), (Path("/dev/zero"), "a character device")):
        error = load_in_a_thread(MLP(2, [1]), path)
        assert isinstance(error, OSError) and str(error) == f"cannot read {path}: it is {kind}, not a regular file"


def test_a_file_over_the_size_limit_is_refused_naming_it(tmp_path, monkeypatch):
    _, path, _ = saved_model(tmp_path)
    monkeypatch.setattr(files, "DEFAULT_MAX_BYTES", path.stat().st_size - 1)
    with pytest.raises(ValueError, match=f"{path} is larger than {path.stat().st_size - 1} bytes"):
        MLP(2, [2, 1]).load(path)


@pytest.mark.parametrize("case, message", [
    ("deep", "is nested too deeply to read"),
    ("digits", r": parameter 'layer0.neuron0.w0' is too large for a float"),
    ("version true", "has version true; this program reads version 1"),
    ("version 1.0", "has version 1.0; this program reads version 1"),
    ("no model", "has no model name"),
    ("model a number", "has no model name"),
    ("other model", "holds a Layer's parameters; this is a MLP"),
])
def test_a_hostile_state_file_is_one_value_error_naming_the_file(tmp_path, case, message):
    model, path, document = saved_model(tmp_path)
    text = json.dumps(document)
    if case == "deep":
        text = text.replace('"parameters": {', '"parameters": {"x": ' + "[" * 100_000 + "]" * 100_000 + ", ")
    elif case == "digits":
        text = text.replace(f'"layer0.neuron0.w0": {document["parameters"]["layer0.neuron0.w0"]}',
                            '"layer0.neuron0.w0": ' + "9" * 5000)
    elif case.startswith("version"):
        text = text.replace('"version": 1', '"version": ' + case.split()[1])
    elif case == "no model":
        text = text.replace('"model": "MLP", ', "")
    elif case == "model a number":
        text = text.replace('"model": "MLP"', '"model": 7')
    elif case == "other model":
        text = text.replace('"model": "MLP"', '"model": "Layer"')
    assert text != json.dumps(document)
    path.write_text(text)
    other = MLP(2, [2, 1], seed=9)
    before = other.state_dict()
    with pytest.raises(ValueError) as caught:
        other.load(path)
    assert str(caught.value).startswith(str(path)) and re.search(message, str(caught.value))
    assert other.state_dict() == before


def test_article_weights_problems_are_one_line(tmp_path, capsys):
    deep = write(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    digits = write(tmp_path, '{"w1": ' + "9" * 5000 + "}", "digits.json")
    for path, message in ((deep, "nested too deeply"), (digits, "'w1' is too large for a float"),
                          (Path("/dev/zero"), "character device")):
        assert main(["article", "--weights", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(path) in err and message in err, err


# --- loading is linear in the number of entries, and bounded in them --------------------------------

class CountingName(str):
    """A parameter name that counts how often it is hashed: quadratic work shows as n² hashes."""

    hashes = 0

    def __hash__(self):
        CountingName.hashes += 1
        return str.__hash__(self)


def test_checking_a_state_hashes_each_name_a_few_times_not_once_per_other_name():
    from nn.module import check_state

    n = 2000
    state = {CountingName(f"layer0.neuron{i}.w0"): 0.5 for i in range(n)}
    expected = [CountingName(f"layer0.neuron{i}.w0") for i in range(n)]
    CountingName.hashes = 0
    assert check_state(state, expected) == {name: 0.5 for name in expected}
    assert CountingName.hashes <= 10 * n  # building set(expected) once per name was n² = 4,000,000


def test_a_mismatched_state_of_many_names_lists_a_few_of_them():
    from nn.module import check_state

    state = {f"p{i}": 0.0 for i in range(60_000)}
    with pytest.raises(ValueError) as caught:
        check_state(state, ["w", "b"])
    message = str(caught.value)
    assert message == ("state dict does not match the model's 2 parameters: missing ['w', 'b']; unexpected "
                       "['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'] and 59990 more")


def test_a_file_of_more_entries_than_the_limit_is_refused_before_parsing_naming_the_limit(tmp_path, monkeypatch):
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    entries = files.count_entries(path.read_bytes())
    assert entries == len(model.parameters()) + 5  # the document, 4 fields, one number per parameter
    monkeypatch.setattr(files, "DEFAULT_MAX_ENTRIES", entries - 1)
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))} holds more than {entries - 1} entries"):
        MLP(2, [2, 1], seed=1).load(path)
    monkeypatch.undo()
    # Within the byte limit, 2,000,001 empty lists (6 MB) would make 2 million Python lists.
    bomb = write(tmp_path, "[" + "[]," * 2_000_000 + "[]]", "bomb.json")
    with pytest.raises(ValueError, match=f"holds more than {files.DEFAULT_MAX_ENTRIES} entries"):
        files.read_json(bomb)


def test_article_weights_with_sixty_thousand_names_is_one_line_naming_a_few(tmp_path, capsys):
    path = write(tmp_path, json.dumps({f"parameter_{i}": 0.1 for i in range(60_000)}), "names.json")
    assert main(["article", "--weights", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == ("autograd-core article: error: 'parameter_0', 'parameter_1', 'parameter_2' and 59997 more "
                   "are not parameters of the article's network, whose parameters are w1..w10 and b1..b5\n")


def test_a_large_model_round_trips_through_its_file(tmp_path):
    model, other = MLP(64, [128, 128, 1], seed=0), MLP(64, [128, 128, 1], seed=1)
    path = tmp_path / "large.json"
    model.save(path)
    other.load(path)
    assert len(other.parameters()) == 24_961 and other.state_dict() == model.state_dict()


# --- errors name the path -------------------------------------------------------------------------

def test_loading_a_directory_names_the_directory(tmp_path, capsys):
    folder = tmp_path / "weights"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as caught:  # was "[Errno 21] Is a directory: 3", a descriptor
        MLP(2, [1]).load(folder)
    assert str(caught.value) == f"cannot read {folder}: it is a directory, not a regular file"
    assert main(["article", "--weights", str(folder)]) == 1
    assert capsys.readouterr().err == (f"autograd-core article: error: cannot read {folder}: it is a directory, "
                                       "not a regular file\n")


def test_a_path_ending_in_a_slash_is_a_directory_not_a_file_to_write(tmp_path, capsys):
    for path in (tmp_path / "model.json", tmp_path / "page.html"):
        with pytest.raises(IsADirectoryError, match="a path ending in / names a directory"):
            files.write_atomically(f"{path}/", "x")  # realpath() drops the "/"; open() refuses it
    argv = [["graph", "x*y", "--at", "x=1", "y=2", "-o", f"{tmp_path}/g.svg/"],
            ["graph", "x*y", "--at", "x=1", "y=2", "--html", f"{tmp_path}/g.html/"]]
    for args in argv:
        assert main(args) == 1
        assert capsys.readouterr().err == (f"autograd-core graph: error: cannot write {args[-1]}: a path ending in / "
                                           "names a directory, not a file\n")
    assert list(tmp_path.iterdir()) == []


def test_a_picture_under_a_file_names_the_file_in_the_way(tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a directory")
    target = blocker / "deeper" / "graph.svg"
    assert main(["article", "--svg", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.endswith(f"autograd-core article: error: cannot write {target}: {blocker} is a file, not a directory\n")
