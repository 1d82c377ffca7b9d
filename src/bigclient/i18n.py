"""Messages in the reader's language: one gettext catalogue, chosen per call or per process.

Messages are written in English with ``_("... {name} ...")`` and translated where they are
made, in the language in force (``--lang``, ``use_language`` or the locale). The catalogue
lives in ``locale/zh_CN/LC_MESSAGES/bigclient.po`` (policy staff can read and correct it);
the compiled ``.mo`` beside it is what runs (a test keeps the two in step).
"""

from __future__ import annotations

import gettext
import locale
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "zh")
_LOCALE_DIR = Path(__file__).parent / "locale"


def default_language() -> str:
    """``zh`` when the user's locale is Chinese (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else en."""
    for var in ("BIGCLIENT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale(locale.LC_MESSAGES)[0] or ""
    except (AttributeError, ValueError):  # pragma: no cover - platforms without LC_MESSAGES
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


_current: ContextVar[str | None] = ContextVar("bigclient_language", default=None)


def language() -> str:
    """The language messages are made in now."""
    return _current.get() or default_language()


def set_language(lang: str) -> None:
    """Choose the language for this thread/context (the CLI does this for ``--lang``)."""
    _current.set(_check(lang))


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _current.set(_check(lang))
    try:
        yield
    finally:
        _current.reset(token)


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, found {lang!r}")
    return lang


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("bigclient", localedir=_LOCALE_DIR, languages=["zh_CN"],
                               fallback=True)


def _(message: str) -> str:
    """Translate ``message`` into the language in force (English text is the key)."""
    return _catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where shown)."""
    return message


def plural_noop(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural pair for the catalogue (``ngettext`` translates it later)."""
    return singular, plural
