"""Properties of claims (D-16), against every store: whatever the sequence of claims and
signatures, a (client, line) has at most one owner, and the owner is the first claim that
arrived while nobody held the pair (a holder's unsigned claim lapsing frees it)."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path

import pytest
from claims_stores import STORES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigclient.ledger.claims import ClaimRequest, NotOwner

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
PAIRS = [("C1", "savings"), ("C1", "billing"), ("C2", "savings")]

_examples = itertools.count()
claim_op = st.tuples(st.just("claim"), st.sampled_from(range(len(PAIRS))),
                     st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 400),
                     st.one_of(st.none(), st.integers(1, 120)), st.booleans())
sign_op = st.tuples(st.just("sign"), st.sampled_from(range(len(PAIRS))),
                    st.sampled_from(["u1", "u2", "u3"]), st.integers(0, 400))
ops = st.lists(st.one_of(claim_op, sign_op), max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize("store_name", sorted(STORES))
@given(ops=ops)
def test_one_owner_and_it_is_the_first_unlapsed_claim(
        ops: list[tuple[object, ...]], store_name: str, request: pytest.FixtureRequest) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = STORES[store_name](Path(tmp), request, f"e{next(_examples)}")
        # the model: per pair, the owning claim as (key, unit, lapses_at, signed)
        owner: dict[int, list[object]] = {}
        for i, op in enumerate(ops):
            pair = int(op[1])  # type: ignore[call-overload]
            client, line = PAIRS[pair]
            when = T0 + dt.timedelta(days=int(op[3]))  # type: ignore[call-overload]
            if op[0] == "sign":
                held = owner.get(pair)
                may = held is not None and held[1] == op[2] and (
                    held[3] or held[2] is None or held[2] > when)  # type: ignore[operator]
                try:
                    store.sign(client, line, str(op[2]), when)
                except NotOwner:
                    assert not may  # nobody, another unit, or lapsed unsigned by then
                else:
                    assert may and held is not None
                    held[3] = True
                continue
            _, _, unit, _, protect, signed = op
            lapses = None if protect is None or signed else when + dt.timedelta(
                days=int(protect))  # type: ignore[call-overload]
            out = store.put_claim(ClaimRequest(
                client_key=client, line=line, unit=str(unit), at=when, key=f"k{i}",
                by="prop", lapses_at=lapses, signed=bool(signed)))
            held = owner.get(pair)
            free = held is None or (not held[3] and held[2] is not None
                                    and held[2] <= when)  # type: ignore[operator]
            assert out.won == free
            if free:
                owner[pair] = [f"k{i}", unit, lapses, bool(signed)]
            assert out.owner.key == owner[pair][0]
        for pair, (client, line) in enumerate(PAIRS):
            owners = store.claims(client_key=client, line=line, status="owner")
            assert len(owners) <= 1
            expected = owner.get(pair)
            assert [c.key for c in owners] == ([] if expected is None else [expected[0]])
        lapsed = store.claims(status="lapsed")
        assert all(not c.signed and c.lapses_at is not None for c in lapsed)
        close = getattr(store, "close", None)
        if close is not None:
            close()
