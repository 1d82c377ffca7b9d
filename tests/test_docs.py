"""The documentation site builds strictly, and its generated reference is complete.

The reference pages are generated at build time by docs/hooks/reference.py; these tests
build the site into a temporary folder (skipped when mkdocs is not installed) and check
that every finding code and every top-level ruleset key made it into the pages.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs")
pytest.importorskip("material")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which(
        "mkdocs")
    cmd = [mkdocs] if mkdocs else [sys.executable, "-m", "mkdocs"]
    result = subprocess.run([*cmd, "build", "--strict", "--quiet", "--site-dir", str(out)],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_every_finding_code_is_documented(site: Path) -> None:
    page = site / "reference" / "codes" / "index.html"
    text = _text(page)
    raw = page.read_text(encoding="utf-8")
    try:
        from bigclient.codes import CODES
        codes = set(CODES)
    except ImportError:  # before codes.py existed: the literals in the source
        codes = {m for p in (ROOT / "src" / "bigclient").rglob("*.py")
                 for m in re.findall(r"code=\"(BC\d{3})\"", p.read_text(encoding="utf-8"))}
    assert codes
    missing = sorted(c for c in codes if c not in text or f'id="{c.lower()}"' not in raw)
    assert not missing, f"codes missing from the built reference: {missing}"


def test_every_ruleset_key_is_documented(site: Path) -> None:
    from bigclient.spec import RulesetSpec

    text = _text(site / "reference" / "ruleset" / "index.html")
    keys = [f.alias or name for name, f in RulesetSpec.model_fields.items()]
    assert "inputs" in keys and "scoring" in keys
    missing = [k for k in keys if not re.search(rf"(?<![\w$]){re.escape(k)}(?![\w])", text)]
    assert not missing, f"top-level keys missing from the field reference: {missing}"


def test_nested_models_are_documented(site: Path) -> None:
    """Every model reachable from RulesetSpec has its own section (walked, not copied)."""
    raw = (site / "reference" / "ruleset" / "index.html").read_text(encoding="utf-8")
    for name in ("Band", "Tier", "Indicator", "Criterion", "PerLine", "FieldSpec", "Label"):
        assert f'id="model-{name.lower()}"' in raw, name


def test_cli_and_api_reference(site: Path) -> None:
    from bigclient import __all__ as names
    from bigclient.cli import build_parser

    cli = _text(site / "reference" / "cli" / "index.html")
    for action in build_parser()._subparsers._group_actions:  # type: ignore[union-attr]
        for command in action.choices:  # type: ignore[union-attr]
            assert f"bigclient {command}" in cli, command
    api = _text(site / "reference" / "api" / "index.html")
    missing = [n for n in names if n not in api]
    assert not missing, missing


def test_both_tutorials_are_built(site: Path) -> None:
    en = _text(site / "tutorial" / "index.html")
    zh = _text(site / "zh" / "tutorial" / "index.html")
    for text in (en, zh):
        assert "bigclient validate" in text and "bigclient test" in text
        assert "bigclient diff" in text
    assert "教程" in zh


def test_chinese_pages_are_served_as_chinese(site: Path) -> None:
    """Marked en (the theme's language), CJK text is drawn with Japanese glyphs."""
    for page in ("zh/index.html", "zh/tutorial/index.html"):
        head = (site / page).read_text(encoding="utf-8")[:300]
        assert '<html lang="zh-CN"' in head, page
    assert '<html lang="en"' in (site / "tutorial" / "index.html").read_text(encoding="utf-8")


def test_install_instructions_can_work() -> None:
    """bigclient is not on PyPI: no page may tell anyone to `pip install bigclient`."""
    for path in [*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install bigclient(?!\S)", text), path
