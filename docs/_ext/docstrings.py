"""Griffe extension: our docstrings, written for ``help()`` and doctest, read well as Markdown.

The API reference (mkdocstrings) renders docstrings as Markdown. Ours are plain text in the
reStructuredText habits of the standard library, so before rendering each one:

* a doctest (``>>>`` lines, their ``...`` continuations and the expected output, up to a blank
  line) becomes a fenced ``pycon`` block, as Python's own documentation shows them;
* a Sphinx role (``:func:`fit```, ``:class:`~nn.optim.SGD```) becomes a code span;
* a paragraph ending in ``::`` (reST's "a literal block follows") ends in ``:``;
* a ``<`` outside code is escaped, so ``<lambda>`` is shown rather than taken for HTML.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):`~?([^`]+)`")
CODE_SPAN = re.compile(r"(``.+?``|`[^`]+`)")


def _prose(line: str) -> str:
    """One line of prose: roles to code spans, ``<`` outside code escaped."""
    line = ROLE.sub(lambda m: f"``{m.group(1).split('.')[-1] if m.group(0).count('~') else m.group(1)}``", line)
    parts = CODE_SPAN.split(line)
    return "".join(part if index % 2 else part.replace("<", "&lt;") for index, part in enumerate(parts))


def to_markdown(text: str) -> str:
    r"""The docstring ``text`` as Markdown (see the module docstring).

    >>> to_markdown("As :func:`~math.pow` does::\n\n>>> f(3)\n9\n\nThen <lambda>.").splitlines()
    ['As ``pow`` does:', '', '```pycon', '>>> f(3)', '9', '```', '', 'Then &lt;lambda>.']
    """
    out: list[str] = []
    lines = text.splitlines()
    i, fenced, indented = 0, False, False
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
            out.append(line)
        elif fenced:
            out.append(line)
        elif stripped.startswith(">>>"):
            indent = line[:len(line) - len(stripped)]
            if out and out[-1].strip():
                out.append("")
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        else:
            if line.endswith("::") and not line.endswith(":::"):
                line = line[:-1]
            # An indented literal block (after "::") is code in Markdown too: leave it alone.
            indented = bool(line.startswith("    ")) and (indented or not out or not out[-1].strip())
            out.append(line if indented else _prose(line))
        i += 1
    return "\n".join(out)


class PlainDocstrings(griffe.Extension):
    """Rewrite every docstring of a loaded package with :func:`to_markdown`."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: object) -> None:
        self._rewrite(pkg, set())

    def _rewrite(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._rewrite(member, seen)
