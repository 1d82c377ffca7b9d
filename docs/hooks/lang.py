"""MkDocs hook: Chinese pages are served with ``<html lang="zh-CN">``.

mkdocs-material writes the site language (``theme.language: en``) on every page. A browser
then renders the Chinese text of ``docs/zh/`` with whatever CJK font it prefers for an
English page, often a Japanese one (different glyphs for 门, 户, 直 …). Pages under ``zh/``,
or any page with ``lang:`` in its front matter, get their own language instead.
Registered in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import re
from typing import Any

_HTML_LANG = re.compile(r'<html\b([^>]*?)\blang="[^"]*"')


def page_language(src_uri: str, meta: dict[str, Any]) -> str | None:
    """The language a page declares: its ``lang:`` meta, else zh-CN for ``zh/…``."""
    lang = meta.get("lang")
    if isinstance(lang, str) and lang.strip():
        return lang.strip()
    return "zh-CN" if src_uri.startswith("zh/") else None


def on_post_page(output: str, page: Any, config: Any) -> str:
    lang = page_language(page.file.src_uri, page.meta or {})
    if lang is None:
        return output
    return _HTML_LANG.sub(lambda m: f'<html{m.group(1)}lang="{lang}"', output, count=1)
