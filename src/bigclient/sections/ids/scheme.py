"""Big-client IDs (统一大客户ID号, D-11): the ruleset's ``ids:`` scheme and :class:`ClientId`.

An ID is three layers of digits, ``XXXXXX XXXXX XXX`` (division code, client sequence,
branch), optionally followed by an ISO 7064 MOD 11-2 check character. Parsing follows
python-stdnum's conventions: one exception class per kind of fault, and every message
says which characters are wrong, because the people reading it type IDs by hand.

Allocation (which needs a store) lives in :mod:`bigclient.ledger`; this module is pure.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from bigclient.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidId,
    InvalidLength,
    UnknownRegion,
)

__all__ = [
    "DEFAULT_SCHEME",
    "PROVINCE_CODES",
    "ClientId",
    "IdScheme",
    "Segment",
    "SegmentLabel",
    "is_valid",
    "mod11_2_check_char",
    "mod11_2_is_valid",
    "region_code",
]

from bigclient.i18n import _
from bigclient.sections.ids.segments import (
    DIGITS,
    PROVINCE_CODES,
    PROVINCE_TEXT,
    Layout,
    Segment,
    SegmentLabel,
    digits_span,
    mod11_2_check_char,
    mod11_2_is_valid,
    region_code,
)


class IdScheme(BaseModel):
    """The ``ids:`` section of a ruleset: the layers of a big-client ID (D-11)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segments: tuple[Segment, ...] = Field(description="the layers, in the order they are written")
    check: Literal["none", "iso7064_mod11_2"] = Field(
        "none", description="none, or iso7064_mod11_2: one check character 0-9/X at the end")
    display: str | None = Field(
        None, description="how IDs are shown, e.g. '{region} {sequence} {branch}'")

    _layout: Layout = PrivateAttr()

    @field_validator("segments")
    @classmethod
    def _one_of_each(cls, v: tuple[Segment, ...]) -> tuple[Segment, ...]:
        for kind in ("region", "sequence", "branch"):
            where = [i + 1 for i, s in enumerate(v) if s.kind == kind]
            if len(where) != 1:
                nums = [str(n) for n in where]
                listed = ", ".join(nums[:-1]) + " and " + nums[-1] if len(nums) > 1 else ""
                found = "none" if not where else f"{len(where)} (segments {listed})"
                raise ValueError(
                    _("an ID scheme needs exactly one '{kind}' segment; found {found}").format(
                        kind=kind, found=found))
        names = [s.name for s in v]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(
                    _("two segments are named '{name}'; give each a different name").format(
                        name=name))
        if "check" in names:
            raise ValueError(_("'check' is reserved for the check character; rename that segment"))
        return v

    @model_validator(mode="after")
    def _display(self) -> IdScheme:
        if not self.segments:  # already reported by the segments validator
            return self
        expected = [s.name for s in self.segments] + (["check"] if self.check != "none" else [])
        if self.display is None:
            tail = " {check}" if self.check != "none" else ""
            template = " ".join("{" + s.name + "}" for s in self.segments) + tail
        else:
            template = self.display
        parts: list[tuple[str, str]] = []
        tail_text = ""
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError:
            raise ValueError(
                _(
                    "'display' has an unmatched '{' or '}'; write layers as {region}, "
                    "{sequence}, {branch}")
            ) from None
        for literal, name, spec, conv in parsed:
            if any(ch.isalnum() or ch in "{}" for ch in literal):
                raise ValueError(
                    _(
                        "'display' may put only spaces or punctuation between the "
                        "layers, found {literal!r}"
                    ).format(literal=literal))
            if name is None:
                tail_text = literal
                continue
            if spec or conv:
                raise ValueError(
                    _("'display' field {{{name}}} takes no format options").format(name=name))
            parts.append((literal, name))
        names = [n for _, n in parts]
        if names != expected:
            shown = " ".join("{" + n + "}" for n in expected)
            raise ValueError(
                _(
                    "'display' must name each layer once, in order: {shown}; found {template!r}"
                ).format(shown=shown, template=template))
        if parts and parts[0][0]:
            raise ValueError(_("'display' must start with the first layer, not with text"))
        if tail_text:
            raise ValueError(_("'display' must end with the last layer, not with text"))
        self._build_layout(tuple(parts))
        return self

    def _build_layout(self, parts: tuple[tuple[str, str], ...]) -> None:
        slices: dict[str, slice] = {}
        pos = 0
        bounds: set[int] = set()
        for s in self.segments:
            slices[s.kind] = slice(pos, pos + s.width)
            pos += s.width
            bounds.add(pos)
        length = pos + (1 if self.check != "none" else 0)
        bounds.discard(length)
        seps = {ch for literal, _ in parts for ch in literal} | {" ", "-"}
        digits = "".join(f"[0-9]{{{s.width}}}" for s in self.segments)
        pattern = re.compile(digits + ("[0-9X]" if self.check != "none" else ""))
        sep = "[\\s" + "".join(re.escape(c) for c in sorted(seps)) + "]*"
        loose = re.compile(sep.join([f"([0-9]{{{s.width}}})" for s in self.segments]
                                    + (["([0-9Xx])"] if self.check != "none" else [])))
        described = " + ".join(f"{s.width} {s.kind}" for s in self.segments) + " digits"
        if self.check != "none":
            described += " + 1 check character"
        allowed = self.region.allowed
        self._layout = Layout(slices["region"], slices["sequence"], slices["branch"], length,
                               frozenset(bounds), frozenset(seps), pattern, loose, parts, "",
                               described, None if allowed is None else frozenset(allowed),
                               self.sequence.first, self.branch.first)

    # -- the layers -----------------------------------------------------------------

    def _segment(self, kind: str) -> Segment:
        return next(s for s in self.segments if s.kind == kind)

    @property
    def region(self) -> Segment:
        return self._segment("region")

    @property
    def sequence(self) -> Segment:
        return self._segment("sequence")

    @property
    def branch(self) -> Segment:
        return self._segment("branch")

    @property
    def allowed(self) -> frozenset[str] | None:
        """The division codes IDs may carry, or None for every GB/T 2260 code."""
        a = self.region.allowed
        return None if a is None else frozenset(a)

    @property
    def length(self) -> int:
        """Characters in the compact form (14 for the D-11 scheme without a check)."""
        return self._layout.length

    def span(self, kind: Literal["region", "sequence", "branch"]) -> str:
        """Where a layer sits, in words: ``digits 12-14`` for the D-11 branch layer."""
        return digits_span(getattr(self._layout, kind))

    @property
    def fingerprint(self) -> str:
        """What makes two schemes hand out the same IDs: the layers' order and widths, the
        headquarters' branch number and the check character (not labels, display or the
        allowed divisions, which a new policy version may change). A ledger records it."""
        layers = " + ".join(f"{s.width} {s.kind}" for s in self.segments)
        return (f"{layers} digits; headquarters branch {self.headquarters_branch}; "
                f"check {self.check}")

    @property
    def headquarters_branch(self) -> int:
        """The branch number a headquarters (or a client without branches) carries."""
        return self.branch.first

    # -- building IDs -----------------------------------------------------------------

    def check_region(self, region: Any) -> str:
        """The division code as 6-digit text, refused when the scheme does not allow it."""
        try:
            code = region_code(region)
        except ValueError as exc:
            raise InvalidComponent(str(exc)) from None
        allowed = self.region.allowed
        if allowed is not None and code not in allowed:
            raise UnknownRegion(
                _(
                    "division code {code} is not one this scheme allocates in; "
                    "allowed: {list_codes}"
                ).format(code=code, list_codes=_list_codes(allowed)))
        return code

    def make_id(self, region: Any, sequence: int, branch: int | None = None) -> ClientId:
        """Build the ID of (region, sequence, branch); branch defaults to the headquarters."""
        code = self.check_region(region)
        seq_seg, br_seg = self.sequence, self.branch
        br = br_seg.first if branch is None else branch
        for value, seg in ((sequence, seq_seg), (br, br_seg)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidComponent(
                    _("the {kind} number must be a whole number, found {value!r}").format(
                        kind=seg.kind, value=value))
            if not seg.first <= value <= seg.last:
                raise InvalidComponent(
                    f"{seg.kind} number {value} is outside {seg.first:0{seg.width}d}-"
                    f"{seg.last:0{seg.width}d} ({seg.width} digits)")
        texts = {"region": code, "sequence": f"{sequence:0{seq_seg.width}d}",
                 "branch": f"{br:0{br_seg.width}d}"}
        body = "".join(texts[s.kind] for s in self.segments)
        if self.check != "none":
            body += mod11_2_check_char(body)
        return ClientId(body, code, sequence, br, self)

    def format_id(self, region: Any, sequence: int, branch: int | None = None) -> str:
        """The display form (``440507 00001 000``) of (region, sequence, branch)."""
        return self.make_id(region, sequence, branch).format()

    def parse(self, text: str | int | ClientId) -> ClientId:
        """Shorthand for ``ClientId.parse(text, self)``."""
        return ClientId.parse(text, self)

    def format_compact(self, compact: str) -> str:
        """Lay a valid compact ID out as the display template says."""
        lay = self._layout
        pieces: dict[str, str] = {s.name: compact[sl] for s, sl in
                                  ((s, getattr(lay, s.kind)) for s in self.segments)}
        if self.check != "none":
            pieces["check"] = compact[-1]
        return "".join(lit + pieces[name] for lit, name in lay.parts) + lay.tail


def _list_codes(codes: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f", … ({len(codes)} in all)" if len(codes) > limit else "")


def _default_scheme() -> IdScheme:
    return IdScheme.model_validate({
        "segments": [
            {"name": "region", "kind": "region", "width": 6,
             "label": {"zh": "行政区划代码", "en": "division code"}},
            {"name": "sequence", "kind": "sequence", "width": 5, "start": 1,
             "label": {"zh": "客户顺序号", "en": "client sequence"}},
            {"name": "branch", "kind": "branch", "width": 3, "headquarters": 0,
             "label": {"zh": "分支机构顺序号", "en": "branch sequence"}},
        ],
        "check": "none",
    })


DEFAULT_SCHEME: IdScheme = _default_scheme()
"""D-11 as written: 6-digit division code, 5-digit sequence from 00001, 3-digit branch
(000 = headquarters), no check character; any GB/T 2260-shaped division code."""


# -- ClientId -----------------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class ClientId:
    """A valid big-client ID. Equal, hashed and ordered by its compact text.

    Build one with :meth:`parse` or :meth:`IdScheme.make_id`, not by calling the class.
    """

    compact: str
    region: str = field(compare=False)
    sequence: int = field(compare=False)
    branch: int = field(compare=False)
    scheme: IdScheme = field(compare=False, repr=False)

    @classmethod
    def parse(cls, text: str | int | ClientId, scheme: IdScheme | None = None) -> ClientId:
        """Read an ID written compact or with layer separators; raise an InvalidId subclass."""
        sch = DEFAULT_SCHEME if scheme is None else scheme
        if isinstance(text, ClientId):
            text = text.compact
        return _parse(text, sch)

    def __str__(self) -> str:
        return self.compact

    def __repr__(self) -> str:
        return f"ClientId({self.compact!r})"

    def format(self) -> str:
        """The display form, ``440507 00001 000`` for the D-11 scheme."""
        return self.scheme.format_compact(self.compact)

    @property
    def is_headquarters(self) -> bool:
        """True for a client without branches and for the headquarters of one with them."""
        return self.branch == self.scheme._layout.branch_first

    @property
    def headquarters(self) -> ClientId:
        """The headquarters' ID (branch 000); the ID itself for a headquarters."""
        if self.is_headquarters:
            return self
        return self.scheme.make_id(self.region, self.sequence, None)

    @property
    def check_char(self) -> str | None:
        """The check character, or None when the scheme has none."""
        return self.compact[-1] if self.scheme.check != "none" else None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Let host services use ``ClientId`` as a pydantic field (default D-11 scheme)."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            lambda v: cls.parse(v),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def is_valid(text: str | int | ClientId, scheme: IdScheme | None = None) -> bool:
    """True when ``text`` parses as an ID of ``scheme`` (python-stdnum's ``is_valid``)."""
    try:
        ClientId.parse(text, scheme)
    except InvalidId:
        return False
    return True


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"{ch!r}" + (f" ({name})" if name and not ch.isascii() else "")


def _parse(text: Any, scheme: IdScheme) -> ClientId:
    lay = scheme._layout
    has_check = scheme.check != "none"
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise InvalidFormat(
            _("expected the ID as text, found {kind}").format(kind=type(text).__name__))
    if isinstance(text, int):
        if text < 0:
            raise InvalidFormat(_("an ID is digits only, found {text}").format(text=text))
        text = str(text)
    raw = text.strip()
    if lay.pattern.fullmatch(raw):
        compact = raw
    else:
        m = lay.loose.fullmatch(raw)
        compact = "".join(m.groups()).upper() if m else _compact(raw, scheme)
    if has_check:
        want = mod11_2_check_char(compact[:-1])
        if compact[-1] != want:
            n = lay.length
            raise InvalidChecksum(
                _(
                    "the check character (character {n}) is {compact}, but digits 1-{n2} give "
                    "{want}: a character is probably mistyped or two are swapped"
                ).format(n=n, compact=compact[-1], n2=n - 1, want=want))
    region = compact[lay.region]
    if region[:2] not in PROVINCE_CODES:
        raise InvalidComponent(
            _(
                "{digits_span} (region) are {region}: the first two ({region2}) are not a GB/T "
                "2260 province code ({PROVINCE_TEXT})"
            ).format(
                digits_span=digits_span(lay.region),
                region=region,
                region2=region[:2],
                PROVINCE_TEXT=PROVINCE_TEXT))
    if lay.allowed is not None and region not in lay.allowed:
        raise UnknownRegion(
            _(
                "{digits_span} (region) are {region}, which is not a division code "
                "of this scheme; allowed: {list_codes}"
            ).format(
                digits_span=digits_span(lay.region),
                region=region,
                list_codes=_list_codes(scheme.region.allowed or ())))
    seq_text = compact[lay.sequence]
    sequence = int(seq_text)
    if sequence < lay.sequence_first:
        raise InvalidComponent(
            f"{digits_span(lay.sequence)} (sequence) are {seq_text}; sequences start at "
            f"{lay.sequence_first:0{len(seq_text)}d}")
    br_text = compact[lay.branch]
    branch = int(br_text)
    if branch < lay.branch_first:
        raise InvalidComponent(
            f"{digits_span(lay.branch)} (branch) are {br_text}; the headquarters is "
            f"{lay.branch_first:0{len(br_text)}d} and branches are numbered after it")
    return ClientId(compact, region, sequence, branch, scheme)


def _compact(raw: str, scheme: IdScheme) -> str:
    """Strip layer separators, saying exactly which character is wrong when one is."""
    lay = scheme._layout
    has_check = scheme.check != "none"
    if not raw:
        raise InvalidLength(
            _("the ID is empty; expected {length} characters ({described})").format(
                length=lay.length, described=lay.described))
    out: list[str] = []
    seps: list[tuple[int, int, str]] = []  # (compact position, text position, char)
    for i, ch in enumerate(raw, start=1):
        if ch in DIGITS:
            out.append(ch)
        elif ch in "Xx":
            if not has_check:
                raise InvalidFormat(
                    _(
                        "character {i} is {ch!r}, but this ID scheme has no check "
                        "character: an ID is digits only"
                    ).format(i=i, ch=ch))
            out.append("X")
        elif ch.isspace() or ch in lay.separators:
            seps.append((len(out), i, ch))
        elif unicodedata.decimal(ch, None) is not None:
            raise InvalidFormat(
                _(
                    "character {i} is {describe_char}, a digit that is not ASCII "
                    "(e.g. full-width); type the ID with digits 0-9"
                ).format(i=i, describe_char=_describe_char(ch)))
        else:
            raise InvalidFormat(
                _("character {i} is {describe_char}; an ID is {value}").format(
                    i=i,
                    describe_char=_describe_char(ch),
                    value="digits (and a final X)" if has_check else "digits only"))
    compact = "".join(out)
    if len(compact) != lay.length:
        hint = ""
        if len(compact) < lay.length and not seps:
            hint = " (on a command line, quote an ID typed with spaces)"
        raise InvalidLength(
            _("expected {length} characters ({described}), found {n_compact}{hint}").format(
                length=lay.length, described=lay.described, n_compact=len(compact), hint=hint))
    for pos, i, ch in seps:
        if pos not in lay.boundaries:
            example = scheme.make_id(min(scheme.allowed or {"440507"}),
                                     scheme.sequence.first).format()
            raise InvalidFormat(
                _(
                    "character {i} ({ch!r}) stands after digit {pos}; separators "
                    "may only stand between the layers, as in {example}"
                ).format(i=i, ch=ch, pos=pos, example=example))
    x = compact.find("X")
    if x != -1 and x != lay.length - 1:
        raise InvalidFormat(
            _(
                "character {x} of the ID is X; only the last character (the check "
                "character) may be X"
            ).format(x=x + 1))
    return compact
