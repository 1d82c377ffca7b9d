"""The claim store's contract on PostgreSQL (D-16 签到制, D-17 escalation, D-19 转接责任):
first claim wins, losers are told the owner, lapse, sign, applications, reassignment
all-or-nothing, and the same key always gives the same outcome."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import psycopg
import pytest

from bigclient.errors import InputError, StoreError
from bigclient.ledger import KeyConflict, PostgresLedger
from bigclient.ledger.claims import ClaimRequest, ClaimStore
from bigclient.sections.ids.scheme import DEFAULT_SCHEME

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def req(unit: str, key: str, *, client: str = "44050700001000", line: str = "parcel",
        when: float = 0, **kw: Any) -> ClaimRequest:
    return ClaimRequest(client_key=client, line=line, unit=unit, at=at(when), key=key,
                        by=f"{unit}-clerk", **kw)


@pytest.fixture
def store(pg_dsn: str) -> PostgresLedger:
    return PostgresLedger.create(pg_dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME)


def test_first_claim_wins_loser_gets_the_owner(store: PostgresLedger) -> None:
    """D-16: 谁先报备，该客户即为谁所有 — the first claim owns; a later one is told who."""
    assert isinstance(store, ClaimStore)
    first = store.put_claim(req("longhu", "c1", manager="li"))
    assert first.won and first.new and first.owner == first.claim
    assert first.claim.status == "owner" and first.claim.at == T0 and first.escalation is None
    second = store.put_claim(req("jinping", "c2", when=1))
    assert not second.won and second.claim.status == "lost"
    assert second.owner.claim_id == first.claim.claim_id and second.owner.unit == "longhu"
    assert second.escalation is None  # no escalate_to: nothing sent up
    assert store.owner("44050700001000", "parcel") == first.claim
    other_line = store.put_claim(req("jinping", "c3", line="savings"))
    assert other_line.won  # ownership is per (client, line)
    assert [c.unit for c in store.claims(client_key="44050700001000")] == [
        "longhu", "jinping", "jinping"]
    assert [c.key for c in store.claims(status="lost")] == ["c2"]
    assert [c.key for c in store.claims(manager="li", unit="longhu")] == ["c1"]


def test_escalation_only_for_losing_claims_with_a_centre(store: PostgresLedger) -> None:
    """D-17: a losing claim that names a centre is sent up with the owner recorded; a
    winning claim that names one sends nothing up."""
    won = store.put_claim(req("longhu", "c1", escalate_to="city-centre", territory="440507"))
    assert won.won and won.escalation is None
    lost = store.put_claim(req("chaoyang", "c2", when=2, escalate_to="city-centre",
                               business_place="440513"))
    esc = lost.escalation
    assert esc is not None and (esc.claim_id, esc.claimant, esc.owner, esc.to) == (
        lost.claim.claim_id, "chaoyang", "longhu", "city-centre")
    assert esc.at == at(2) and lost.claim.business_place == "440513"
    store.put_claim(req("jinping", "c3", when=3))  # no centre named: no escalation
    assert store.escalations() == [esc]
    assert store.escalations(to="city-centre") == [esc] and store.escalations(to="x") == []


def test_lapse_and_sign(store: PostgresLedger) -> None:
    """D-16 营销权限期保护: an unsigned claim lapses when its protection ends; a later claim
    takes over in the same transaction; a signed claim never lapses."""
    first = store.put_claim(req("longhu", "c1", lapses_at=at(30)))
    early = store.put_claim(req("jinping", "c2", when=29))
    assert not early.won and early.owner.unit == "longhu"
    assert store.owner("44050700001000", "parcel", at(29)) is not None
    assert store.owner("44050700001000", "parcel", at(30)) is None  # lapsed by then
    late = store.put_claim(req("chaoyang", "c3", when=30, lapses_at=at(60)))
    assert late.won and late.owner == late.claim
    statuses = {c.key: c.status for c in store.claims()}
    assert statuses == {"c1": "lapsed", "c2": "lost", "c3": "owner"}
    with pytest.raises(StoreError, match=r"longhu does not own .* chaoyang does"):
        store.sign("44050700001000", "parcel", "longhu", at(31))
    signed = store.sign("44050700001000", "parcel", "chaoyang", at(31))
    assert signed.signed and signed.claim_id == late.claim.claim_id
    assert store.sign("44050700001000", "parcel", "chaoyang", at(32)) == signed  # again: same
    after = store.put_claim(req("haojiang", "c4", when=400))
    assert not after.won and after.owner.unit == "chaoyang"  # signed: protection holds
    assert first.claim.claim_id not in {c.claim_id for c in store.claims(status="owner")}
    with pytest.raises(StoreError, match="nobody has claimed"):
        store.sign("44050700009000", "parcel", "longhu", at(1))
    assert store.check_integrity() == []


def test_signing_after_the_protection_ended_is_refused(store: PostgresLedger) -> None:
    store.put_claim(req("longhu", "c1", lapses_at=at(30)))
    with pytest.raises(StoreError, match="lapsed unsigned"):
        store.sign("44050700001000", "parcel", "longhu", at(30))
    assert store.sign("44050700001000", "parcel", "longhu", at(29)).signed


def test_same_key_same_outcome(store: PostgresLedger) -> None:
    """A retried claim (same key) gets the outcome it got first, with new=False, even after
    ownership changed; the same key for another request is a KeyConflict."""
    won = store.put_claim(req("longhu", "c1", lapses_at=at(10)))
    lost = store.put_claim(req("jinping", "c2", when=1, escalate_to="city-centre"))
    again = store.put_claim(req("jinping", "c2", when=1, escalate_to="city-centre"))
    assert not again.new and not again.won and again.claim == lost.claim
    assert again.owner == lost.owner and again.escalation == lost.escalation
    store.put_claim(req("chaoyang", "c3", when=11))  # takes over: c1 lapsed
    replay = store.put_claim(req("longhu", "c1", lapses_at=at(10)))
    assert replay.won and not replay.new and replay.claim.status == "lapsed"
    assert replay.claim.claim_id == won.claim.claim_id == replay.owner.claim_id
    assert len(store.claims()) == 3 and len(store.escalations()) == 1
    with pytest.raises(KeyConflict, match="key 'c1' was already used"):
        store.put_claim(req("longhu", "c1", client="44050700002000"))
    with pytest.raises(KeyConflict):
        store.put_claim(req("haojiang", "c2"))
    assert isinstance(KeyConflict("x"), StoreError)


def test_applications(store: PostgresLedger) -> None:
    """D-16 营销申报: a non-owner's application records who owned the client then."""
    none_yet = store.put_application("44050700001000", "parcel", "jinping", at(0), key="a1",
                                     by="jp", note="trade fair lead")
    assert none_yet.owner is None and none_yet.note == "trade fair lead"
    store.put_claim(req("longhu", "c1", lapses_at=at(30)))
    app = store.put_application("44050700001000", "parcel", "jinping", at(1), key="a2", by="jp")
    assert app.owner == "longhu" and app.at == at(1)
    lapsed = store.put_application("44050700001000", "parcel", "chaoyang", at(31), key="a3",
                                   by="cy")
    assert lapsed.owner is None  # its protection had ended by then
    assert store.put_application("44050700001000", "parcel", "jinping", at(1), key="a2",
                                 by="retry") == app
    with pytest.raises(KeyConflict):
        store.put_application("44050700001000", "parcel", "chaoyang", at(1), key="a2", by="x")
    assert [a.key for a in store.applications(unit="jinping")] == ["a1", "a2"]
    assert len(store.applications(client_key="44050700001000")) == 3


def test_reassignment_moves_every_owning_claim(store: PostgresLedger) -> None:
    """D-19 转接责任: a leaving manager's owning claims all move, with the approver kept;
    lost and lapsed claims keep their history."""
    for i in range(5):
        store.put_claim(req("longhu", f"c{i}", client=f"4405070000{i}000", manager="li"))
    store.put_claim(req("jinping", "lost", client="44050700000000", manager="li"))
    store.put_claim(req("jinping", "other", client="44050700009000", manager="wang"))
    done = store.move_manager("li", "zhao", by="chen", level="sub-bureau", at=at(5))
    assert (done.from_manager, done.to_manager, done.by, done.level, done.claims) == (
        "li", "zhao", "chen", "sub-bureau", 5)
    assert {c.key for c in store.claims(manager="zhao")} == {f"c{i}" for i in range(5)}
    assert [c.key for c in store.claims(manager="li")] == ["lost"]
    assert store.reassignments() == [done]
    with pytest.raises(InputError):
        store.move_manager("zhao", "zhao", by="chen", level="office", at=at(6))
    with pytest.raises(InputError):
        store.move_manager("zhao", "", by="chen", level="office", at=at(6))


def test_reassignment_is_all_or_nothing(pg_dsn: str) -> None:
    """D-19: if the hand-over cannot finish (here one client's claim row is held by another
    session until the wait runs out), no claim moves and no reassignment is recorded."""
    store = PostgresLedger.create(pg_dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME,
                                  timeout=0.5)
    for i in range(4):
        store.put_claim(req("longhu", f"c{i}", client=f"4405070000{i}000", manager="li"))
    with psycopg.connect(pg_dsn) as other:
        other.execute("SELECT 1 FROM bigclient_shantou_postal.claim WHERE key = 'c3' "
                      "FOR UPDATE")
        with pytest.raises(StoreError, match="stayed busy") as info:
            store.move_manager("li", "zhao", by="chen", level="office", at=at(1))
        assert not isinstance(info.value, psycopg.Error)
    assert store.reassignments() == []
    assert len(store.claims(manager="li")) == 4 and store.claims(manager="zhao") == []
    assert store.move_manager("li", "zhao", by="chen", level="office", at=at(2)).claims == 4


def test_racing_threads_one_owner(store: PostgresLedger, pg_dsn: str) -> None:
    """Twelve units, each with its own connection, claim one client at once: one owner, and
    every loser was told that owner."""
    barrier = threading.Barrier(12)
    out: list[Any] = []

    def claim(i: int) -> None:
        mine = PostgresLedger(pg_dsn)
        barrier.wait(timeout=30)
        out.append(mine.put_claim(req(f"unit{i}", f"k{i}")))
        mine.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in out if o.won]
    assert len(out) == 12 and len(winners) == 1
    assert {o.owner.claim_id for o in out} == {winners[0].claim.claim_id}


def test_requests_are_checked(store: PostgresLedger) -> None:
    naive = dt.datetime(2026, 3, 1, 9, 0)
    with pytest.raises(InputError, match="with a time zone"):
        store.put_claim(ClaimRequest(client_key="c", line="l", unit="u", at=naive, key="k",
                                     by="b"))
    with pytest.raises(InputError):
        store.put_claim(req("", "k"))
    with pytest.raises(InputError):
        store.put_application("c", "l", "u", at(0), key=" ", by="b")
    assert store.claims() == [] and store.applications() == []
