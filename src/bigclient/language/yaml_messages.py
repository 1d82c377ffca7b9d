"""Plain-words explanations of what PyYAML refuses, located at the line the editor must fix.

PyYAML reports where its scanner gave up, which is often the line *after* the mistake, in
parser words ("expected <block end>"). Policy staff need the culprit line and the cause:
a full-width colon typed by a Chinese input method, a line indented one space off, a
control character pasted from a web page.
"""

from __future__ import annotations

import re
import unicodedata

import yaml

from bigclient.i18n import _

# What the YAML 1.1 reader refuses (PyYAML's Reader.NON_PRINTABLE), found before PyYAML does
# so that the message can say which character and where.
NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A key typed with a full-width colon: no ASCII ':' or quote or comment before the '：'.
_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[^\s#'\":：][^#'\":：]*：")


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index in ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def describe_character(ch: str) -> str:
    """'a NUL byte (U+0000)', 'the control character BEL (U+0007)' and so on."""
    code = f"U+{ord(ch):04X}"
    if ch == "\x00":
        return _("a NUL byte ({code})").format(code=code)
    name = unicodedata.name(ch, "")
    if not name and unicodedata.category(ch) == "Cc":
        return _("a control character ({code})").format(code=code)
    return _("the invisible character {name} ({code})").format(name=name or "?", code=code)


def bad_character(text: str) -> tuple[int, int, str] | None:
    """The first character YAML refuses: (line, column, description), or None."""
    m = NON_PRINTABLE.search(text)
    if m is None:
        return None
    line, col = line_col(text, m.start())
    return line, col, describe_character(m.group())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_lines(lines: list[str], upto: int) -> list[int]:
    """0-based numbers of the non-blank, non-comment lines before ``upto`` (0-based)."""
    return [i for i in range(min(upto, len(lines))) if lines[i].strip()
            and not lines[i].lstrip().startswith("#")]


def full_width_colon(lines: list[str], near: list[int]) -> int | None:
    """The 1-based line, among ``near`` (1-based, nearest first), whose key ends with '：'."""
    for n in near:
        if 1 <= n <= len(lines) and _FULL_WIDTH_KEY.match(lines[n - 1]):
            return n
    return None


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str, str]:
    """(line, column, message, hint) in plain words for a YAML syntax error."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(exc.problem or "")
    lines = text.splitlines()
    near = [line, line - 1, line - 2]
    if exc.context_mark is not None:
        near.insert(1, exc.context_mark.line + 1)
    fw = full_width_colon(lines, near)
    if fw is not None:
        return (fw, lines[fw - 1].index("：") + 1,
                _("line {line} uses a full-width colon '：' after the key; YAML only "
                  "understands the ASCII colon ':' followed by a space").format(line=fw),
                _("replace '：' with ':' and a space (switch the input method to English "
                  "punctuation)"))
    if "\t" in problem or "'\\t'" in problem or "tab" in problem.lower():
        return (line, col,
                _("a tab character is used for indentation; YAML only allows spaces"),
                _("replace the tab at this position with spaces (two per level)"))
    if ("mapping values are not allowed" in problem or "expected <block end>" in problem) \
            and 1 <= line <= len(lines):
        found = _indentation(lines, line)
        if found is not None:
            return found
    if "mapping values are not allowed" in problem:
        return (line, col, _("a ':' appears where YAML did not expect a new key"),
                _("check the indentation of this line, or put the value in quotes if it "
                  "contains ': '"))
    if "could not find expected ':'" in problem:
        return (line, col, _("a key is missing its ':'"),
                _("write 'key: value' on this line, or check the indentation of the line "
                  "above"))
    context = str(exc.context or "")
    msg = problem + (f" ({context})" if context else "")
    return (line, col, _("the file is not valid YAML: {detail}").format(detail=msg),
            _("check indentation and quoting near this line"))


def _indentation(lines: list[str], line: int) -> tuple[int, int, str, str] | None:
    """A line whose indentation matches no block above it, in plain words."""
    here = _indent(lines[line - 1])
    before = _content_lines(lines, line - 1)
    if not before:
        return None
    above = _indent(lines[before[-1]])
    if here > above and lines[before[-1]].rstrip().endswith(":"):
        return None  # the first entry of a new block: its indentation is not the problem
    levels = sorted({_indent(lines[i]) for i in before if _indent(lines[i]) <= above})
    if here in levels and here <= above:
        return None
    return (line, here + 1,
            _("line {line} is indented by {here} spaces, but no block above it starts at "
              "that column (the line above is indented by {above}); YAML cannot tell which "
              "block this entry belongs to").format(line=line, here=here, above=above),
            _("indent it like the other entries of its block: {levels} spaces").format(
                levels=_(" or ").join(str(n) for n in levels)))
