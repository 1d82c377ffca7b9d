"""The claim store contract (D-16, D-17, D-19), run against every store in
``claims_stores.STORES`` through the ``store`` fixture: first registration wins, lapse,
signing, idempotency keys, escalations, applications, all-or-nothing reassignment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from claims_stores import STORES

from bigclient.errors import BigClientError
from bigclient.ledger import KeyConflict
from bigclient.ledger.claims import ClaimRequest, ClaimStore, NotOwner

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)


def at(days: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClaimStore]:
    s = STORES[request.param](tmp_path, request, "")
    yield s
    close = getattr(s, "close", None)
    if close is not None:
        close()


def req(key: str, unit: str, *, client: str = "C1", line: str = "savings", when: float = 0,
        **kw: object) -> ClaimRequest:
    return ClaimRequest(client_key=client, line=line, unit=unit, at=at(when), key=key,
                        by="tester", **kw)  # type: ignore[arg-type]


def test_store_follows_the_protocol(store: ClaimStore) -> None:
    assert isinstance(store, ClaimStore)


def test_an_empty_store_reads_as_empty(store: ClaimStore) -> None:
    """A ledger made before claims existed answers reads without creating anything."""
    assert store.claims() == [] and store.escalations() == [] and store.applications() == []
    assert store.owner("C1", "savings") is None and store.reassignments() == []


def test_first_registration_owns_and_the_loser_is_told_who(store: ClaimStore) -> None:
    """D-16 签到制: 谁先报备，该客户即为谁所有."""
    first = store.put_claim(req("a", "county_center", manager="li"))
    second = store.put_claim(req("b", "specialty_bureau", when=1))
    assert first.won and first.new and first.owner == first.claim
    assert first.claim.status == "owner" and first.claim.manager == "li"
    assert not second.won and second.claim.status == "lost"
    assert second.owner.claim_id == first.claim.claim_id
    assert second.owner.unit == "county_center" and second.escalation is None
    assert store.owner("C1", "savings") == first.claim
    assert [c.key for c in store.claims()] == ["a", "b"]
    assert [c.key for c in store.claims(status="lost")] == ["b"]
    assert [c.key for c in store.claims(unit="county_center", client_key="C1")] == ["a"]


def test_claims_are_per_line(store: ClaimStore) -> None:
    """Seed 002: 今后在该专业形成的所有收入 — each line is owned on its own."""
    assert store.put_claim(req("a", "u1", line="savings")).won
    assert store.put_claim(req("b", "u2", line="billing")).won
    assert store.put_claim(req("c", "u2", line="*")).won  # a whole-client claim is its own pair
    assert store.owner("C1", "billing").unit == "u2"  # type: ignore[union-attr]


def test_times_come_back_aware_and_equal(store: ClaimStore) -> None:
    out = store.put_claim(req("a", "u", lapses_at=at(90)))
    assert out.claim.at == T0 and out.claim.at.utcoffset() is not None
    assert out.claim.lapses_at == at(90)
    with pytest.raises(BigClientError, match=r"time ?zone"):
        store.put_claim(ClaimRequest(client_key="C", line="l", unit="u", key="n", by="t",
                                     at=dt.datetime(2026, 3, 1)))


def test_same_key_returns_the_first_outcome(store: ClaimStore) -> None:
    """A retry after a timeout must not file a second claim (nor win a second time)."""
    store.put_claim(req("a", "u1"))
    lost = store.put_claim(req("b", "u2", escalate_to="city_center"))
    again = store.put_claim(req("b", "u2", escalate_to="city_center"))
    assert again.new is False and not again.won
    assert (again.claim, again.owner, again.escalation) == (lost.claim, lost.owner,
                                                           lost.escalation)
    won_again = store.put_claim(req("a", "u1", when=5))  # a retry with another time
    assert won_again.won and not won_again.new and won_again.claim.at == T0
    assert len(store.claims()) == 2 and len(store.escalations()) == 1


def test_same_key_for_another_request_is_a_conflict(store: ClaimStore) -> None:
    store.put_claim(req("a", "u1"))
    for other in (req("a", "u2"), req("a", "u1", client="C2"), req("a", "u1", line="billing")):
        with pytest.raises(KeyConflict, match="'a' was already used by tester"):
            store.put_claim(other)
    with pytest.raises(KeyConflict):
        store.put_application("C1", "savings", "u2", at(), key="a", by="t")
    store.put_application("C1", "savings", "u2", at(), key="app", by="t")
    with pytest.raises(KeyConflict):
        store.put_claim(req("app", "u2"))
    assert len(store.claims()) == 1


def test_a_lapsed_claim_gives_way_to_the_next(store: ClaimStore) -> None:
    """An unsigned claim past lapses_at loses the client to the next claim (status lapsed);
    before that moment, and once signed, it holds."""
    first = store.put_claim(req("a", "u1", lapses_at=at(90)))
    assert not store.put_claim(req("b", "u2", when=89)).won
    assert store.owner("C1", "savings", at(89.9)) == first.claim
    assert store.owner("C1", "savings", at(90)) is None  # lapsed by then, still recorded
    took = store.put_claim(req("c", "u3", when=90))
    assert took.won and took.claim.status == "owner"
    statuses = {c.key: c.status for c in store.claims()}
    assert statuses == {"a": "lapsed", "b": "lost", "c": "owner"}


def test_signing_stops_the_lapse(store: ClaimStore) -> None:
    store.put_claim(req("a", "u1", lapses_at=at(90)))
    signed = store.sign("C1", "savings", "u1", at(30))
    assert signed.signed and signed.status == "owner"
    assert store.sign("C1", "savings", "u1", at(31)) == signed  # signing twice is harmless
    assert not store.put_claim(req("b", "u2", when=400)).won
    assert store.owner("C1", "savings", at(400)) == signed


def test_a_lapsed_claim_cannot_be_signed_late(store: ClaimStore) -> None:
    """D-16 (lapse declared): once protection ends unsigned the claim no longer owns, even
    before anyone else claims — the same moment ``owner(at)`` stops naming it."""
    store.put_claim(req("a", "u1", lapses_at=at(90)))
    assert store.owner("C1", "savings", at(91)) is None
    with pytest.raises(NotOwner, match="lapsed"):
        store.sign("C1", "savings", "u1", at(91))
    assert store.sign("C1", "savings", "u1", at(89)).signed


def test_only_the_owner_signs(store: ClaimStore) -> None:
    with pytest.raises(NotOwner, match=r"nobody has (registered|claimed) client C1"):
        store.sign("C1", "savings", "u1", at())
    store.put_claim(req("a", "u1"))
    with pytest.raises(NotOwner,
                       match=r"(belongs to unit u1.*not to u2|u2 does not own.*u1 does)"):
        store.sign("C1", "savings", "u2", at())
    assert not store.claims()[0].signed


def test_a_losing_claim_with_a_centre_is_escalated(store: ClaimStore) -> None:
    """D-17 上报上一级大客户中心裁决: recorded with the claimant, the owner and the centre."""
    store.put_claim(req("a", "county_center", escalate_to="city_center"))  # wins: no dispute
    lost = store.put_claim(req("b", "specialty_bureau", when=1, escalate_to="city_center",
                               territory="440507", business_place="440511"))
    esc = lost.escalation
    assert esc is not None
    assert (esc.client_key, esc.line, esc.claim_id, esc.claimant, esc.owner, esc.to, esc.at) == (
        "C1", "savings", lost.claim.claim_id, "specialty_bureau", "county_center",
        "city_center", at(1))
    assert lost.claim.territory == "440507" and lost.claim.business_place == "440511"
    assert store.escalations() == [esc] and store.escalations(to="city_center") == [esc]
    assert store.escalations(to="province_center") == []


def test_applications_record_the_owner_of_the_moment(store: ClaimStore) -> None:
    """营销申报: a unit that does not own the client files an application."""
    before = store.put_application("C1", "savings", "u2", at(), key="p1", by="wang",
                                   note="EMS offer")
    store.put_claim(req("a", "u1", lapses_at=at(90)))
    during = store.put_application("C1", "savings", "u2", at(10), key="p2", by="wang")
    after = store.put_application("C1", "savings", "u3", at(95), key="p3", by="zhao")
    assert (before.owner, during.owner, after.owner) == (None, "u1", None)
    assert before.note == "EMS offer" and during.note == "" and during.at == at(10)
    assert store.put_application("C1", "savings", "u2", at(10), key="p2", by="x") == during
    assert [a.key for a in store.applications(unit="u2")] == ["p1", "p2"]
    assert [a.key for a in store.applications(client_key="C1")] == ["p1", "p2", "p3"]


def test_reassignment_moves_every_owned_client_at_once(store: ClaimStore) -> None:
    """D-19 转接责任: all the owning claims of a manager move together; lost ones stay."""
    for i in range(5):
        store.put_claim(req(f"k{i}", "u1", client=f"C{i}", manager="li"))
    store.put_claim(req("lost", "u2", client="C0", manager="li"))
    store.put_claim(req("other", "u1", client="C9", manager="zhou"))
    moved = store.move_manager("li", "chen", by="boss", level="sub_bureau", at=at(3))
    assert (moved.from_manager, moved.to_manager, moved.by, moved.level, moved.claims,
            moved.at) == ("li", "chen", "boss", "sub_bureau", 5, at(3))
    assert len(store.claims(manager="chen")) == 5
    assert [c.key for c in store.claims(manager="li")] == ["lost"]
    assert store.reassignments() == [moved]
    assert store.move_manager("nobody", "chen", by="boss", level="x", at=at(4)).claims == 0
