"""Rulesets and decisions through pickle: process pools, task queues, copy.deepcopy."""

from __future__ import annotations

import copy
import multiprocessing as mp
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigclient
from bigclient import pickling
from examples.generate import clients as generated
from tests import _pool_workers as workers
from tests.test_engine import clients

CTX = {"bureau_revenue": "2亿"}
OVERRIDE = {"tier": "diamond", "approved_by": "province_center", "reason": "重点项目",
            "date": "2024-03-01"}


def same(a: Any, b: Any) -> None:
    """Two decisions (or bad rows) say and explain the same thing, in both languages."""
    assert type(a) is type(b)
    if isinstance(a, bigclient.BadRow):
        assert (a.row, str(a.error), a.record) == (b.row, str(b.error), b.record)
        return
    assert a.to_dict() == b.to_dict()
    assert a.explain() == b.explain()
    assert a.explain("zh") == b.explain("zh")
    assert (a.identity, a.values, a.notes) == (b.identity, b.values, b.notes)


def test_a_ruleset_pickles_as_its_text_and_is_compiled_again(
        shantou: bigclient.Ruleset) -> None:
    data = pickle.dumps(shantou)
    assert shantou.source.text.encode("utf-8") in data  # the text, not compiled internals
    again = pickle.loads(data)
    assert again is not shantou
    assert (again.id, again.version, again.file) == (shantou.id, shantou.version, shantou.file)
    assert again.source.text == shantou.source.text
    assert again.section("scoring") is not shantou.section("scoring")
    client = {"region": "440507", "revenue_prev_year": {"savings": "150万"}}
    same(again.evaluate(client, CTX), shantou.evaluate(client, CTX))


def test_deepcopy_of_a_ruleset_is_an_independent_ruleset(shantou: bigclient.Ruleset) -> None:
    twin = copy.deepcopy(shantou)
    assert twin is not shantou and twin.section("scoring") is not shantou.section("scoring")
    client = {"region": "440511", "agreement_signed": True}
    same(twin.evaluate(client, CTX), shantou.evaluate(client, CTX))
    assert copy.copy(shantou).version == shantou.version


def test_a_ruleset_without_source_text_refuses_plainly(shantou: bigclient.Ruleset) -> None:
    from bigclient.ruleset import from_located

    bare = from_located(copy.copy(shantou.source).__class__(
        data=shantou.source.data, file="<data>", positions=shantou.source.positions))
    with pytest.raises(pickle.PicklingError, match="no source text"):
        pickle.dumps(bare)


def test_decisions_of_one_ruleset_compile_it_once_per_process(
        shantou: bigclient.Ruleset) -> None:
    ctx = shantou.read_context(CTX)
    decisions = [shantou.decide(row, ctx) for row in generated(300, 11)]
    one_by_one = [pickle.dumps(d) for d in decisions]
    together = pickle.dumps(decisions)
    assert together.count(b"shantou-postal") < 10  # the text is written once, not 300 times
    pickling._cache.clear()
    back = [pickle.loads(b) for b in one_by_one]
    assert len({id(d._ruleset) for d in back}) == 1  # one compile for 300 unpickled decisions
    for a, b in zip(decisions, back, strict=True):
        same(a, b)
    for a, b in zip(decisions, pickle.loads(together), strict=True):
        same(a, b)


def test_decisions_sent_back_find_the_senders_ruleset(shantou: bigclient.Ruleset) -> None:
    d = shantou.evaluate({"region": "440507"}, CTX)
    assert pickle.loads(pickle.dumps(d))._ruleset is shantou
    assert copy.deepcopy(d) == d and copy.deepcopy(d)._ruleset is shantou


def test_a_changed_text_is_a_different_cache_entry(shantou: bigclient.Ruleset) -> None:
    text = shantou.source.text.replace("min: 90", "min: 91", 1)
    assert text != shantou.source.text
    edited = bigclient.load_text(text, shantou.file)
    client = {"region": "440507", "agreement_signed": True,
              "revenue_prev_year": {"savings": "150万"}}
    a, b = shantou.evaluate(client, CTX), edited.evaluate(client, CTX)
    back_a, back_b = pickle.loads(pickle.dumps(a)), pickle.loads(pickle.dumps(b))
    assert back_a._ruleset is not back_b._ruleset
    assert back_b._ruleset.source.text == text


def test_bad_rows_and_ruleset_errors_pickle(shantou: bigclient.Ruleset) -> None:
    bad = list(shantou.evaluate_many([{"region": "44"}, {"regoin": "440507"}], CTX,
                                     errors="collect", start=2))
    for b in bad:
        same(pickle.loads(pickle.dumps(b)), b)
    with pytest.raises(bigclient.RulesetError) as info:
        bigclient.load_text("ruleset: x\nversion: 1\n", "bad.yaml")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.problems == info.value.problems


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(client=clients, override=st.booleans())
def test_a_pickle_round_trip_keeps_every_word(shantou: bigclient.Ruleset,
                                              client: dict[str, Any], override: bool) -> None:
    d = shantou.evaluate(client, CTX, OVERRIDE if override else None)
    same(pickle.loads(pickle.dumps(d)), d)
    pickling._cache.clear()  # and through a fresh compile, as in a new process
    same(pickle.loads(pickle.dumps(d)), d)


def _single(rs: bigclient.Ruleset, rows: list[dict[str, Any]]) -> list[Any]:
    return list(rs.evaluate_many(rows, CTX, errors="collect", start=2))


def test_a_spawned_pool_decides_a_file_as_one_process_does(
        shantou: bigclient.Ruleset) -> None:
    rows: list[dict[str, Any]] = list(generated(1200, 2008))
    rows[7] = {**rows[7], "region": "9999"}  # bad rows keep their numbers across the pool
    rows[700] = {**rows[700], "revenue_month.savings": "12%"}
    expected = _single(shantou, rows)
    size = 250
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn"),
                             initializer=workers.install, initargs=(shantou,)) as pool:
        futures = [pool.submit(workers.decide_chunk, 2 + i, rows[i:i + size], CTX)
                   for i in range(0, len(rows), size)]
        got = [d for f in futures for d in f.result()]
    assert len(got) == len(expected)
    assert [b.row for b in got if isinstance(b, bigclient.BadRow)] == [9, 702]
    for a, b in zip(expected, got, strict=True):
        same(a, b)
    assert len({id(d._ruleset) for d in got if isinstance(d, bigclient.Decision)}) == 1


def test_a_ruleset_sent_with_each_task_is_compiled_in_the_worker(
        shantou: bigclient.Ruleset) -> None:
    client = {"region": "440507", "revenue_prev_year": {"savings": "150万"}}
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        facts = pool.apply(workers.ruleset_facts, (shantou,))
        d = pool.apply(workers.decide_with, (shantou, client, CTX))
    assert facts[:3] == (shantou.id, shantou.version, shantou.file)
    same(d, shantou.evaluate(client, CTX))
