"""Every YAML case beside every shipped ruleset runs as a pytest test too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigclient.workflow.casebook import CaseResult, run_folder, version_matches
from tests.conftest import RULESETS

FOLDERS = sorted(p for p in RULESETS.iterdir() if (p / "cases").is_dir())
RESULTS: list[CaseResult] = [r for folder in FOLDERS for r in run_folder(folder)]


def test_every_shipped_ruleset_has_cases() -> None:
    assert {p.name for p in FOLDERS} >= {"shantou-postal", "yueyang-postal"}
    assert len(RESULTS) >= 80


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: f"{Path(r.file).name}:{r.line}")
def test_case(result: CaseResult) -> None:
    assert result.passed, result.report()


def test_every_shantou_rule_has_a_case() -> None:
    """D-1 … D-8 are each cited by at least one Shantou case."""
    import yaml

    cited = set()
    for path in (RULESETS / "shantou-postal" / "cases").glob("*.yaml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            rules = str(case.get("rule", "")).split(",")
            cited.update(part.strip().split("(")[0] for part in rules)
    assert {f"D-{n}" for n in range(1, 9)} <= cited


def test_a_wrong_expectation_fails_with_explanation(tmp_path: Path) -> None:
    folder = tmp_path / "shantou-postal"
    (folder / "cases").mkdir(parents=True)
    (folder / "1.0.0.yaml").write_text(
        (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    (folder / "cases" / "bad.yaml").write_text(
        "ruleset: shantou-postal\ncontext: {bureau_revenue: 1亿}\ncases:\n"
        "  - name: wrong tier\n    input: {region: '440507', agreement_signed: true}\n"
        "    expect: {tier: gold, score: 0}\n", encoding="utf-8")
    (result,) = run_folder(folder)
    assert not result.passed
    assert result.mismatches == [("tier", "gold", "general")]
    assert "final tier: general" in result.report()
    assert result.line == 4


@pytest.mark.parametrize(
    ("spec", "version", "ok"),
    [(None, "1.0.0", True), (">=1.1.0", "1.0.0", False), (">=1.0.0 <1.1.0", "1.0.5", True),
     (">=1.0.0, <1.1.0", "1.1.0", False), ("1.0.0", "1.0.0", True), ("==1.2.0", "1.10.0", False)],
)
def test_version_ranges(spec: str | None, version: str, ok: bool) -> None:
    assert version_matches(spec, version) is ok
