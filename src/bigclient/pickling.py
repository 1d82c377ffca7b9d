"""Pickling rulesets and decisions by their source text, for process pools and task queues.

A compiled ruleset holds generated functions that pickle cannot carry, and a worker should
not depend on the driver's Python objects anyway. So a :class:`~bigclient.Ruleset` pickles
as its YAML text and file name and is compiled afresh on ``loads`` (``copy.deepcopy`` too).

A :class:`~bigclient.Decision` pickles as its raw results plus a reference to its ruleset
carrying the same text; on ``loads`` the ruleset is looked up in a per-process cache keyed by
(id, version, sha256 of the text, file), so unpickling 10,000 decisions of one ruleset
compiles it once. Within one pickle (a list of decisions) the text is written once.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bigclient.i18n import _

__all__ = ["CACHE_SIZE", "reduce_decision", "source_of"]

CACHE_SIZE = 64
"""Rulesets a process keeps for unpickled decisions (least recently used dropped first)."""

Key = tuple[str, str, str, str]
Loader = Callable[[str, str], Any]

# Rulesets are typed Any here: this module is imported by ruleset.py and decision.py, so it
# imports neither; a ruleset says how to rebuild itself (its __reduce__: load_text, text).
_cache: OrderedDict[Key, Any] = OrderedDict()
_refs: weakref.WeakKeyDictionary[Any, _Shared] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def source_of(rs: Any) -> tuple[str, str]:
    """(YAML text, file name) a ruleset is pickled as; refused when there is no text."""
    src = rs.source
    if not src.text:
        raise pickle.PicklingError(_(
            "{ruleset} has no source text (it was built from data, not read from YAML), so "
            "it cannot be pickled; load it with bigclient.load or load_text").format(
                ruleset=repr(rs)))
    return src.text, src.file


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _remember(key: Key, rs: Any, *, mine: bool = False) -> Any:
    """Keep ``rs`` for decisions of the same text: a ruleset this process pickles (``mine``)
    replaces a copy compiled here from a pickle; otherwise the first one kept stays."""
    with _lock:
        if mine:
            _cache[key] = rs
        kept = _cache.setdefault(key, rs)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return kept


class _Shared:
    """One per ruleset object, so a pickle of many decisions writes the text once."""

    __slots__ = ("__weakref__", "key", "load", "text")

    def __init__(self, load: Loader, key: Key, text: str) -> None:
        self.load, self.key, self.text = load, key, text

    def __reduce__(self) -> tuple[Any, ...]:
        return shared_ruleset, (self.load, *self.key, self.text)


def _shared(rs: Any) -> _Shared:
    with _lock:
        ref = _refs.get(rs)
    if ref is None:
        load, (text, file) = rs.__reduce__()
        ref = _Shared(load, (rs.id, rs.version, _digest(text), file), text)
        with _lock:
            ref = _refs.setdefault(rs, ref)
    _remember(ref.key, rs, mine=True)  # decisions sent back here find this very ruleset
    return ref


def shared_ruleset(load: Loader, ident: str, version: str, digest: str, file: str,
                   text: str) -> Any:
    """The ruleset of an unpickled decision: from the process cache, compiled on a miss."""
    key = (ident, version, digest, file)
    with _lock:
        rs = _cache.get(key)
        if rs is not None:
            _cache.move_to_end(key)
            return rs
    rs = load(text, file)
    if _digest(text) != digest or (rs.id, rs.version) != (ident, version):
        raise pickle.UnpicklingError(_(
            "the pickled ruleset {id} {version} does not match its text ({found})").format(
                id=ident, version=version, found=f"{rs.id} {rs.version}"))
    return _remember(key, rs)


def _fields(decision: Any) -> list[str]:
    names = [s for cls in type(decision).__mro__ for s in getattr(cls, "__slots__", ())
             if s not in ("__weakref__", "__dict__")]
    names += list(getattr(decision, "__dict__", {}))
    return [n for n in dict.fromkeys(names) if n not in ("_ruleset", "_raw", "_ctx")
            and hasattr(decision, n)]


def reduce_decision(decision: Any) -> tuple[Any, ...]:
    """``Decision.__reduce__``: its ruleset by reference to the text, and its raw results."""
    plan = decision._ruleset
    if getattr(decision, "_raw", None) is not None:  # a fused decision: its parts made now,
        _made = (decision.values, decision.indicators, decision.identity)  # so the pickle
        # holds them as the reference path's decision does
    ref = _shared(plan) if getattr(plan, "source", None) is not None else plan
    return decision_from_state, (type(decision), ref,
                                 tuple((n, getattr(decision, n)) for n in _fields(decision)))


def decision_from_state(cls: type, plan: Any, state: tuple[tuple[str, Any], ...]) -> Any:
    """A decision rebuilt around ``plan`` (a cached ruleset) from its raw results."""
    decision: Any = object.__new__(cls)
    object.__setattr__(decision, "_ruleset", plan)
    for name, value in state:
        object.__setattr__(decision, name, value)
    return decision
