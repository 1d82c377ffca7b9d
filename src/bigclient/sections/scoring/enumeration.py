"""Bounds on the tier-reachability check (the scoring checks).

Listing every total weight × band score can give grows as the product of the band counts;
the check stops *before* a step would allocate more than ENUMERATION_LIMIT totals and
says so (BC226) instead of spending minutes and gigabytes on a large ruleset.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.source import Located

_CAP = 10**12


def too_many_totals(src: Located, parts: Sequence[tuple[str, Decimal, Sequence[Decimal]]]
                    ) -> Problem:
    """The info note said when the totals were too many to list one by one."""
    combos = 1
    for _id, _w, scores in parts:  # capped: the product can have thousands of digits
        combos = min(combos * len(scores), _CAP)
    return src.problem(
        ("scoring", "indicators"),
        _("too many combinations to check one by one ({combos} ways to combine the band "
          "scores of {n} indicators): tier reachability was checked only against the "
          "lowest and highest possible totals").format(
              combos=f"{combos:,}" if combos < _CAP else _("over {cap:,}").format(cap=_CAP),
              n=len(parts)),
        code="BC226", severity="info",
        hint=_("nothing to do; write cases that reach every tier to be sure"))
