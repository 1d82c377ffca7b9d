"""The README's promises stay true: its Python example prints what it says."""

from __future__ import annotations

import contextlib
import io
import os
import re

from tests.conftest import ROOT


def test_readme_python_example_prints_what_it_claims() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block is not None
    code = block.group(1)
    claimed = re.search(r"^# (True .*)$", code, re.M)
    assert claimed is not None
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().splitlines()[0] == claimed.group(1)


def test_readme_commands_match_ci() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in text and "python -m pytest" in ci
    assert 'pip install -e ".[dev]"' in text and 'pip install --quiet -e ".[dev]"' in ci
