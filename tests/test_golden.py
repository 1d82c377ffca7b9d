"""The house reshape (issue 8) changed no output: validate, test, diff and explain on the
shipped rulesets print byte for byte what they printed before (``tests/golden/``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.capture import COMMANDS, HERE, ROOT, run


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_unchanged(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, text = run(COMMANDS[name], tmp_path)
    assert f"exit {code}\n{text}" == (HERE / name).read_text(encoding="utf-8")
