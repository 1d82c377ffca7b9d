"""Text ``pattern:``s that cannot hang a run, and their meaning in words.

Python's ``re`` backtracks: ``(a+)+$`` against 29 'a's and a '!' takes seconds, one more
character doubles it. A ruleset's patterns describe codes (six digits, '4306' and two
digits), so they are limited at load time to a subset that cannot backtrack
catastrophically — no repeated group (hence no nested repetition), no backreference or
look-around, at most MAX_OPEN_REPEATS open-ended repetitions — and the text checked
against one is at most MAX_TEXT characters.
"""

from __future__ import annotations

import re

from bigclient.i18n import _

MAX_TEXT = 200
MAX_OPEN_REPEATS = 3
_QUANT = re.compile(r"[*+?]|\{\d+(,\d*)?\}")
_RANGE = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")


def refusal(pattern: str) -> str | None:
    """Why ``pattern`` (already known to compile) is not allowed in a ruleset, or None."""
    i, open_repeats, n = 0, 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in "123456789":
                return _("a backreference (\\{digit}) is not allowed in a pattern").format(
                    digit=pattern[i + 1])
            i += 2
        elif ch == "[":
            i = _class_end(pattern, i)
        elif ch == "(":
            if re.match(r"\(\?(=|!|<=|<!|P=|\()", pattern[i:]):
                return _("look-ahead, look-behind and backreferences ((?=, (?!, (?<=, (?P=) "
                         "are not allowed in a pattern")
            i += 1
        elif ch == ")":
            if _QUANT.match(pattern, i + 1):
                return _("a repeated group such as (…)+ or (…)* is not allowed in a pattern: "
                         "it can make checking a value take hours; repeat single characters "
                         "or classes instead, e.g. [0-9A-Z]+")
            i += 1
        else:
            m = _QUANT.match(pattern, i)
            if m is not None:
                text = m.group()
                if text in ("*", "+") or (text.startswith("{") and text.endswith(",}")):
                    open_repeats += 1
                i = m.end()
                if i < n and pattern[i] == "?":
                    i += 1  # a lazy quantifier
            else:
                i += 1
    if open_repeats > MAX_OPEN_REPEATS:
        return _("a pattern may repeat without limit (*, + or {{n,}}) at most {n} times; "
                 "give the others a length such as {{1,20}}").format(n=MAX_OPEN_REPEATS)
    return None


def _class_end(pattern: str, start: int) -> int:
    """Index just after the character class that opens at ``start``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


_ATOMS = {"[0-9]": ("digit", "digits"), "\\d": ("digit", "digits"),
          "[A-Z]": ("capital letter", "capital letters"),
          "[a-z]": ("lower-case letter", "lower-case letters"),
          "[A-Za-z]": ("letter", "letters"), "[a-zA-Z]": ("letter", "letters"),
          "[0-9A-Z]": ("digit or capital letter", "digits or capital letters"),
          "[A-Z0-9]": ("digit or capital letter", "digits or capital letters"),
          ".": ("character", "characters")}
_ATOM = re.compile(r"\[0-9\]|\\d|\[A-Z\]|\[a-z\]|\[A-Za-z\]|\[a-zA-Z\]|\[0-9A-Z\]|\[A-Z0-9\]|\.")
_LITERAL = re.compile(r"[A-Za-z0-9\-_/ ]+")


def describe(pattern: str) -> str:
    """A pattern in words: '[0-9]{6}' -> '6 digits'; '4306[0-9]{2}' -> "'4306' followed by
    2 digits". Patterns outside this small language are quoted as they are."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        atom = _ATOM.match(pattern, i)
        if atom is None:
            lit = _LITERAL.match(pattern, i)
            if lit is None or _QUANT.match(pattern, lit.end()):
                return _("text matching the pattern {pattern}").format(pattern=pattern)
            parts.append(f"'{lit.group()}'")
            i = lit.end()
            continue
        one, many = (_(w) for w in _ATOMS[atom.group()])
        i = atom.end()
        q = _RANGE.match(pattern, i)
        if q is not None:
            lo, comma, hi = q.groups()
            if not comma:
                parts.append(f"{lo} {many if lo != '1' else one}")
            elif hi:
                parts.append(_("{lo} to {hi} {what}").format(lo=lo, hi=hi, what=many))
            else:
                parts.append(_("at least {lo} {what}").format(lo=lo, what=many))
            i = q.end()
        elif pattern[i:i + 1] in ("+", "*", "?"):
            parts.append({"+": _("one or more {what}").format(what=many),
                          "*": _("any number of {what}").format(what=many),
                          "?": _("an optional {what}").format(what=one)}[pattern[i]])
            i += 1
        else:
            parts.append(_("one {what}").format(what=one))
    return _(" followed by ").join(parts) if parts else _("empty text")
