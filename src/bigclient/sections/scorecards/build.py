"""Compiling ``scorecards:`` once at load: each item's form and expression, the facts'
reader, and every structural problem located in the file (BC920–BC928)."""

from __future__ import annotations

from decimal import Decimal

from bigclient.errors import Problem
from bigclient.i18n import N_, _
from bigclient.language.amounts import AmountError, parse_amount
from bigclient.language.expr import Compiled, ExprError, Ty, compile_expr
from bigclient.language.fields import converter, field_type
from bigclient.language.source import Located, YamlPath
from bigclient.sections.base import CompileContext
from bigclient.sections.scorecards.compiled import (
    CompiledCard,
    CompiledItem,
    CompiledPart,
    CompiledScorecards,
    FactReader,
)
from bigclient.sections.scorecards.model import ItemSpec, PartSpec, ScorecardSpec

FORMS = N_("an item gives 'points: <expression>', or 'per: <count>' with 'points: -2', or "
          "'weight: 30' with 'attainment: <expression>'")


def build(part: list[ScorecardSpec], ctx: CompileContext) -> CompiledScorecards | None:
    if not part:
        return None
    src, problems = ctx.src, ctx.problems
    problems.extend(src.duplicate_ids(("scorecards",), [c.id for c in part], "scorecard"))
    cards: dict[str, CompiledCard] = {}
    for ci, card in enumerate(part):
        compiled = _card(card, ("scorecards", ci), ctx)
        if compiled is not None:
            cards.setdefault(card.id, compiled)
    return CompiledScorecards(cards)


def _card(card: ScorecardSpec, base: YamlPath, ctx: CompileContext) -> CompiledCard | None:
    src, problems = ctx.src, ctx.problems
    before = len(problems)
    names: dict[str, Ty] = {}
    for name, f in card.facts.items():
        path = (*base, "facts", name)
        if f.type == "money_map" and not ctx.lines:
            problems.append(src.problem((*path, "type"), _(
                "a money_map fact needs the ruleset's 'lines' to be declared"), code="BC925"))
            continue
        if f.default is not None:
            try:
                converter(f, ctx.lines)(f.default)
            except ValueError as exc:
                problems.append(src.problem((*path, "default"), _(
                    "the default does not fit: {exc}").format(exc=exc), code="BC925"))
                continue
        names[name] = field_type(name, f, ctx.lines)
    for name in card.identity:
        if name in card.facts:
            problems.append(src.problem((*base, "identity", name), _(
                "'{name}' is declared as a fact too; an identity column only names the "
                "subject").format(name=name), code="BC925"))
    problems.extend(src.duplicate_ids((*base, "parts"), [p.id for p in card.parts], "part"))
    problems.extend(src.duplicate_ids((*base, "grades"), [g.id for g in card.grades],
                                      "grade"))
    seen_from: dict[Decimal, int] = {}
    for gi, g in enumerate(card.grades):
        if g.from_ in seen_from:
            problems.append(src.problem((*base, "grades", gi, "from"), _(
                "grade '{id}' starts at {value}, as grade '{other}' does; each grade needs its "
                "own lower bound").format(id=g.id, value=g.from_,
                                          other=card.grades[seen_from[g.from_]].id),
                code="BC923"))
        seen_from.setdefault(g.from_, gi)
    seen_items: dict[str, str] = {}
    parts: list[CompiledPart] = []
    for pi, p in enumerate(card.parts):
        ppath = (*base, "parts", pi)
        parts.append(_part(p, ppath, names, seen_items, src, problems))
    if len(problems) > before:
        return None
    return CompiledCard(card, tuple(parts), FactReader(card, ctx.lines), ctx.score_step,
                        ctx.rounding_mode)


def _part(p: PartSpec, ppath: YamlPath, names: dict[str, Ty], seen_items: dict[str, str],
          src: Located, problems: list[Problem]) -> CompiledPart:
    lo, hi = p.range
    if lo > hi:
        problems.append(src.problem((*ppath, "range"), _(
            "the range [{lo}, {hi}] is not [min, max]: {lo} is above {hi}").format(
                lo=lo, hi=hi), code="BC922"))
    if not p.items:
        problems.append(src.problem((*ppath, "items"), _(
            "part '{id}' has no items; list what adds or deducts points").format(id=p.id),
            code="BC927"))
    items: list[CompiledItem] = []
    for ii, it in enumerate(p.items):
        ipath = (*ppath, "items", ii)
        if it.id in seen_items:
            problems.append(src.problem((*ipath, "id"), _(
                "the item id '{id}' is already used in part '{part}' of this scorecard; "
                "cases and results name items by id alone").format(
                    id=it.id, part=seen_items[it.id]), code="BC926"))
        seen_items.setdefault(it.id, p.id)
        compiled = _item(it, ipath, names, src, problems)
        if compiled is not None:
            items.append(compiled)
    return CompiledPart(p, tuple(items))


def _item(it: ItemSpec, ipath: YamlPath, names: dict[str, Ty], src: Located,
          problems: list[Problem]) -> CompiledItem | None:
    if it.min is not None and it.max is not None and it.min > it.max:
        problems.append(src.problem((*ipath, "min"), _(
            "the item's min {lo} is above its max {hi}").format(lo=it.min, hi=it.max),
            code="BC924"))
    if it.weight is not None or it.attainment is not None:
        if it.weight is None or it.attainment is None or it.points is not None or \
                it.per is not None:
            return _form(ipath, _("a weighted item gives 'weight' and 'attainment' and "
                                  "nothing else of 'points' or 'per'"), src, problems)
        if it.weight <= 0:
            problems.append(src.problem((*ipath, "weight"), _(
                "the weight must be more than 0, found {w}").format(w=it.weight),
                code="BC928"))
            return None
        expr = _expr(it.attainment, (*ipath, "attainment"), names, src, problems)
        return CompiledItem(it, "weighted", expr, it.weight) if expr else None
    if it.per is not None:
        if it.points is None:
            return _form(ipath, _("'per' counts occurrences: give 'points' too, the points of "
                                  "each occurrence (e.g. -2)"), src, problems)
        try:
            each = parse_amount(it.points)
        except (AmountError, ValueError):
            problems.append(src.problem((*ipath, "points"), _(
                "with 'per', 'points' is the fixed number of points each occurrence counts "
                "(e.g. -2), not an expression: found '{points}'").format(points=it.points),
                code="BC921"))
            return None
        expr = _expr(it.per, (*ipath, "per"), names, src, problems)
        return CompiledItem(it, "per", expr, each) if expr else None
    if it.points is None:
        return _form(ipath, _("the item gives no points"), src, problems)
    expr = _expr(it.points, (*ipath, "points"), names, src, problems)
    return CompiledItem(it, "points", expr, None) if expr else None


def _form(ipath: YamlPath, message: str, src: Located,
          problems: list[Problem]) -> CompiledItem | None:
    problems.append(src.problem(ipath, message, code="BC920", hint=_(FORMS)))
    return None


def _expr(text: object, path: YamlPath, names: dict[str, Ty], src: Located,
          problems: list[Problem]) -> Compiled | None:
    try:
        return compile_expr(text, names, want="number")
    except ExprError as exc:
        hint = exc.hint
        if hint.startswith("declare it under"):  # a scorecard reads its facts, nothing else
            hint = _("declare it under the scorecard's facts; facts are: {names}").format(
                names=", ".join(names) or "-")
        problems.append(src.problem(path, exc.message, code=exc.code, hint=hint))
        return None
