"""The compile cache (bigclient.fused.cache, bigclient.loading): ``import bigclient`` is
light, and a ruleset loaded before is revived from its snapshot — deciding without pydantic
or YAML, exactly as the full compile decides — while anything else compiles it in full.
A snapshot that does not belong to the text, the file, or this bigclient is never used.
Issue 11 (import + load < 50 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import bigclient
from bigclient.fused import cache

ROOT = Path(__file__).resolve().parent.parent
SHANTOU = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
sys.path.insert(0, str(ROOT / "examples"))
from generate import clients  # noqa: E402

CTX = {"bureau_revenue": Decimal("200000000")}

PROBE = """
import json, sys, time
from decimal import Decimal
t = time.perf_counter()
import bigclient
light = not {"pydantic", "yaml"} & set(sys.modules)
rs = bigclient.load(sys.argv[1])
loaded = time.perf_counter()
d = rs.evaluate({"region": "440507", "revenue_prev_year": {"savings": Decimal("2000000")},
                 "revenue_month": {"savings": Decimal("3000")}},
                {"bureau_revenue": Decimal("2e8")})
print(json.dumps({"import_light": light, "revived": "_revived" in rs.__dict__,
                  "deciding_light": not {"pydantic", "yaml"} & set(sys.modules),
                  "tier": d.tier, "score": str(d.score), "ms": (loaded - t) * 1000}))
"""


def probe(cache_dir: Path, **env: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(SHANTOU)], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "BIGCLIENT_CACHE_DIR": str(cache_dir), **env})
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_second_load_is_revived_and_decides_without_pydantic(tmp_path: Path) -> None:
    first = probe(tmp_path)
    assert first["import_light"] and not first["revived"] and first["tier"] == "diamond"
    assert len(list(tmp_path.glob("*.fused"))) == 1
    second = probe(tmp_path)
    assert second["import_light"] and second["revived"] and second["deciding_light"]
    assert (second["tier"], second["score"]) == (first["tier"], first["score"])


def test_cache_off_writes_nothing(tmp_path: Path) -> None:
    probe(tmp_path, BIGCLIENT_CACHE="off")
    assert not list(tmp_path.iterdir())


@pytest.fixture()
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BIGCLIENT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_revived_decides_as_the_full_compile(own_cache: Path) -> None:
    full = bigclient.load(SHANTOU)
    revived = bigclient.load(SHANTOU)
    assert "_revived" in revived.__dict__ and "_revived" not in full.__dict__
    assert (revived.id, revived.version, revived.file) == (full.id, full.version, full.file)
    ctx = full.read_context(CTX)
    rows = list(clients(400, 21))
    for row in rows:
        a, b = revived.decide(row, ctx), full.decide(row, ctx)
        assert a.to_dict() == b.to_dict() and a.values == b.values
    assert "_revived" in revived.__dict__  # deciding good rows never compiled it
    d = revived.evaluate(rows[0], CTX)
    assert d.explain("zh") == full.evaluate(rows[0], CTX).explain("zh")  # compiles it
    assert "_revived" not in revived.__dict__ and revived.section("scoring") is not None


def test_a_bad_record_on_a_revived_ruleset_gets_the_located_error(own_cache: Path) -> None:
    full = bigclient.load(SHANTOU)
    revived = bigclient.load(SHANTOU)
    bad = {"region": "440507", "revenue_month": {"savngs": "1"}}
    with pytest.raises(bigclient.InputError) as a:
        revived.evaluate(bad, CTX)
    with pytest.raises(bigclient.InputError) as b:
        full.evaluate(bad, CTX)
    assert str(a.value) == str(b.value) and "savings" in str(a.value)


def test_a_snapshot_is_only_for_its_text_file_and_bigclient(own_cache: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    text = SHANTOU.read_text(encoding="utf-8")
    bigclient.load_text(text, "a.yaml")
    assert "_revived" in bigclient.load_text(text, "a.yaml").__dict__
    assert "_revived" not in bigclient.load_text(text, "b.yaml").__dict__  # another file
    edited = text.replace("min: 90", "min: 91", 1)
    changed = bigclient.load_text(edited, "a.yaml")  # another text: compiled, not revived
    assert "_revived" not in changed.__dict__
    assert changed.section("scoring").tiers[0][0] == 91
    monkeypatch.setattr(cache, "_fingerprint", "another bigclient")
    assert "_revived" not in bigclient.load_text(text, "a.yaml").__dict__


def test_a_broken_snapshot_is_ignored(own_cache: Path) -> None:
    text = SHANTOU.read_text(encoding="utf-8")
    bigclient.load_text(text, "a.yaml")
    for snapshot in own_cache.glob("*.fused"):
        snapshot.write_bytes(snapshot.read_bytes()[:100])
    rs = bigclient.load_text(text, "a.yaml")
    assert "_revived" not in rs.__dict__
    assert rs.evaluate(next(iter(clients(1, 2))), CTX).tier is not None


def test_a_misnamed_version_file_is_refused_even_from_the_cache(own_cache: Path,
                                                                tmp_path_factory:
                                                                pytest.TempPathFactory
                                                                ) -> None:
    folder = tmp_path_factory.mktemp("rs")
    wrong = folder / "2.0.0.yaml"
    wrong.write_bytes(SHANTOU.read_bytes())
    for _ in range(2):
        with pytest.raises(bigclient.RulesetError, match=r"2\.0\.0"):
            bigclient.load(wrong)


def test_the_loader_s_copies_of_the_full_path_s_limits_agree() -> None:
    """loading.py keeps its own copies (importing them would import pydantic and YAML)."""
    from bigclient import loading
    from bigclient.language.source import MAX_BYTES
    from bigclient.spec import SEMVER
    assert loading._SEMVER.pattern == SEMVER.pattern and loading._MAX_BYTES == MAX_BYTES


def test_the_cache_keeps_the_newest_snapshots(own_cache: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    text = SHANTOU.read_text(encoding="utf-8")
    for i in range(5):
        bigclient.load_text(text, f"v{i}.yaml")
    assert len(list(own_cache.glob("*.fused"))) == 3
    assert "_revived" in bigclient.load_text(text, "v4.yaml").__dict__  # the newest stays
    assert "_revived" not in bigclient.load_text(text, "v0.yaml").__dict__  # the oldest went
