"""Big-client IDs: the ``ids:`` scheme, parsing, formatting, check characters (D-11)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bigclient.cli.id import add_command as add_id_commands
from bigclient.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidId,
    InvalidLength,
    UnknownRegion,
)
from bigclient.sections.ids.scheme import (
    DEFAULT_SCHEME,
    PROVINCE_CODES,
    ClientId,
    IdScheme,
    is_valid,
    mod11_2_check_char,
    mod11_2_is_valid,
    region_code,
)

SHANTOU_CODES = [440500, 440507, 440511, 440512, 440513, 440514, 440515, 440523]
SHANTOU_IDS_YAML = """
ids:
  segments:
    - {name: region, kind: region, width: 6, label: {zh: 行政区划代码, en: division code},
       allowed: [440500, 440507, 440511, 440512, 440513, 440514, 440515, 440523]}
    - {name: sequence, kind: sequence, width: 5, start: 1,
       label: {zh: 客户顺序号, en: client sequence}}
    - {name: branch, kind: branch, width: 3, headquarters: 0,
       label: {zh: 分支机构顺序号, en: branch sequence}}
  check: none
  display: "{region} {sequence} {branch}"
"""


def scheme_from_yaml(text: str) -> IdScheme:
    return IdScheme.model_validate(yaml.safe_load(text)["ids"])


def make_scheme(check: str = "none", allowed: list[object] | None = None, seq: int = 5,
                branch: int = 3, display: str | None = None) -> IdScheme:
    region: dict[str, object] = {"name": "region", "kind": "region", "width": 6}
    if allowed is not None:
        region["allowed"] = allowed
    data: dict[str, object] = {"segments": [
        region,
        {"name": "sequence", "kind": "sequence", "width": seq},
        {"name": "branch", "kind": "branch", "width": branch}], "check": check}
    if display is not None:
        data["display"] = display
    return IdScheme.model_validate(data)


SHANTOU = scheme_from_yaml(SHANTOU_IDS_YAML)
CHECKED = make_scheme("iso7064_mod11_2")

regions = st.builds(lambda p, rest: p + f"{rest:04d}", st.sampled_from(sorted(PROVINCE_CODES)),
                    st.integers(0, 9999))
sequences = st.integers(1, 99_999)
branches = st.integers(0, 999)


# -- the check character -------------------------------------------------------------


def test_mod11_2_known_vectors() -> None:
    """ISO 7064's own example and a resident ID number (same MOD 11-2 system)."""
    assert mod11_2_check_char("0794") == "0"
    assert mod11_2_check_char("079") == "X"
    assert mod11_2_is_valid("07940") and mod11_2_is_valid("079X") and mod11_2_is_valid("079x")
    assert mod11_2_is_valid("11010519491231002X")
    assert not mod11_2_is_valid("110105194912310021")
    assert not mod11_2_is_valid("X") and not mod11_2_is_valid("7a0")
    with pytest.raises(ValueError):
        mod11_2_check_char("12a")


@given(regions, sequences, branches)
@settings(max_examples=60, deadline=None)
def test_every_single_character_change_is_detected(region: str, seq: int, br: int) -> None:
    """D-11 with a check character: any one mistyped character is caught, never accepted."""
    good = CHECKED.make_id(region, seq, br).compact
    for i, old in enumerate(good):
        alphabet = "0123456789X" if i == len(good) - 1 else "0123456789"
        for new in alphabet:
            if new == old:
                continue
            with pytest.raises(InvalidId):
                ClientId.parse(good[:i] + new + good[i + 1:], CHECKED)


@given(regions, sequences, branches)
@settings(max_examples=60, deadline=None)
def test_every_adjacent_swap_is_detected(region: str, seq: int, br: int) -> None:
    """D-11 with a check character: two neighbouring digits typed the wrong way round."""
    good = CHECKED.make_id(region, seq, br).compact
    for i in range(len(good) - 1):
        if good[i] != good[i + 1]:
            swapped = good[:i] + good[i + 1] + good[i] + good[i + 2:]
            with pytest.raises(InvalidId):
                ClientId.parse(swapped, CHECKED)


def test_checksum_message_names_the_character() -> None:
    good = CHECKED.make_id("440507", 1, 0).compact
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidChecksum, match="character 15"):
        ClientId.parse(bad, CHECKED)


# -- round trips ------------------------------------------------------------------------


@given(regions, sequences, branches, st.sampled_from([DEFAULT_SCHEME, CHECKED]))
@settings(max_examples=300, deadline=None)
def test_parse_format_round_trip(region: str, seq: int, br: int, scheme: IdScheme) -> None:
    """D-11: every valid ID reads back from its compact and its display form."""
    cid = scheme.make_id(region, seq, br)
    assert ClientId.parse(cid.format(), scheme) == cid
    assert ClientId.parse(str(cid), scheme) == cid
    assert ClientId.parse(f"  {cid.format()}\n", scheme) == cid
    again = ClientId.parse(cid.format(), scheme)
    assert (again.region, again.sequence, again.branch) == (region, seq, br)
    assert again.is_headquarters == (br == 0)
    assert again.headquarters.branch == 0 and again.headquarters.sequence == seq
    assert len(str(cid)) == scheme.length


@given(st.one_of(st.text(), st.text(alphabet="0123456789 xX-\t４٣", max_size=20),
                 st.integers(), st.none(), st.floats(), st.binary()))
@settings(max_examples=500, deadline=None)
def test_malformed_input_raises_invalid_id_only(text: object) -> None:
    """Whatever is typed, the answer is an ID or an InvalidId, never another exception."""
    for scheme in (DEFAULT_SCHEME, CHECKED, SHANTOU):
        try:
            cid = ClientId.parse(text, scheme)  # type: ignore[arg-type]
        except InvalidId as exc:
            assert str(exc)
        else:
            assert len(cid.compact) == scheme.length and is_valid(cid.format(), scheme)


def test_the_design_example() -> None:
    """DESIGN.md: region 440507, sequence 1, branch 0."""
    cid = ClientId.parse("44050700001000")
    assert (cid.region, cid.sequence, cid.branch, cid.is_headquarters) == ("440507", 1, 0, True)
    assert str(cid) == "44050700001000" and cid.format() == "440507 00001 000"
    assert ClientId.parse("440507 00001 000") == cid
    assert ClientId.parse(44050700001000) == cid
    assert cid.headquarters is cid and cid.scheme is DEFAULT_SCHEME
    assert repr(cid) == "ClientId('44050700001000')"
    assert cid.check_char is None


def test_branch_and_headquarters() -> None:
    """D-11 layer 3 / D-17: a branch points at its headquarters (000)."""
    br = ClientId.parse("440507 00012 003")
    assert not br.is_headquarters and br.branch == 3
    assert br.headquarters == ClientId.parse("44050700012000")


def test_ids_are_hashable_frozen_and_ordered() -> None:
    a, b, c = (ClientId.parse(t) for t in ("44050700002000", "44050700001001", "44050700001000"))
    assert sorted([a, b, c]) == [c, b, a]
    assert len({a, ClientId.parse("440507 00002 000")}) == 1
    with pytest.raises(AttributeError):
        a.compact = "x"  # type: ignore[misc]


def test_separators_and_case() -> None:
    """Layer spaces, hyphens, tabs and a full-width space are tolerated between layers."""
    assert ClientId.parse("440507-00001-000").compact == "44050700001000"
    assert ClientId.parse("440507\t00001  000").compact == "44050700001000"
    assert ClientId.parse("440507\u300000001\u3000000").compact == "44050700001000"
    x = next(CHECKED.make_id("440507", n, 0) for n in range(1, 100)
             if CHECKED.make_id("440507", n, 0).compact.endswith("X"))
    assert ClientId.parse(x.compact.lower(), CHECKED) == x
    assert x.check_char == "X" and x.format().endswith(" X")


# -- messages say which digits are wrong -----------------------------------------------------


@pytest.mark.parametrize(("text", "error", "words"), [
    ("44050700000000", InvalidComponent,
     "digits 7-11 (sequence) are 00000; sequences start at 00001"),
    ("99050700001000", InvalidComponent, "digits 1-6 (region) are 990507"),
    ("00123400001000", InvalidComponent, "(00) are not a GB/T 2260 province code"),
    ("4405070000100", InvalidLength, "expected 14 characters"),
    ("440507000010000", InvalidLength, "found 15"),
    ("", InvalidLength, "empty"),
    ("4405 0700001000", InvalidFormat, "character 5"),
    ("44050700001O00", InvalidFormat, "character 12 is 'O'"),
    ("44050700001X00", InvalidFormat, "no check character"),
    ("４4050700001000", InvalidFormat, "FULLWIDTH DIGIT FOUR"),
    ("-44050700001000", InvalidFormat, "between the layers"),
])
def test_error_classes_and_messages(text: str, error: type[InvalidId], words: str) -> None:
    """D-11 faults, python-stdnum style: the class says what, the message says where."""
    with pytest.raises(error) as info:
        ClientId.parse(text)
    assert words in str(info.value)


def test_unknown_region_for_a_scheme() -> None:
    """Shipped rulesets allow their own divisions only (DOMAIN.md, D-11 list)."""
    assert ClientId.parse("44050700001000", SHANTOU).region == "440507"
    with pytest.raises(UnknownRegion, match=r"digits 1-6 .* 430602"):
        ClientId.parse("43060200001000", SHANTOU)
    assert isinstance(UnknownRegion("x"), InvalidComponent)
    assert ClientId.parse("43060200001000").region == "430602"  # default scheme: shape only


def test_x_only_as_last_character() -> None:
    good = CHECKED.make_id("440507", 1, 0).compact
    with pytest.raises(InvalidFormat, match="only the last"):
        ClientId.parse("X" + good[1:], CHECKED)


# -- building IDs ------------------------------------------------------------------------


def test_make_and_format() -> None:
    assert SHANTOU.format_id(440507, 1) == "440507 00001 000"
    assert SHANTOU.make_id("440507", 12, 3).compact == "44050700012003"
    with pytest.raises(UnknownRegion):
        SHANTOU.make_id("430602", 1)
    with pytest.raises(InvalidComponent, match="outside 00001-99999"):
        SHANTOU.make_id("440507", 100_000)
    with pytest.raises(InvalidComponent):
        SHANTOU.make_id("440507", 0)
    with pytest.raises(InvalidComponent):
        SHANTOU.make_id("440507", 1, 1000)
    with pytest.raises(InvalidComponent):
        SHANTOU.make_id("440507", True)


def test_custom_display_and_widths() -> None:
    s = make_scheme(display="{region}-{sequence}/{branch}", seq=6, branch=2)
    cid = s.make_id("430602", 7, 1)
    assert cid.compact == "43060200000701" and cid.format() == "430602-000007/01"
    assert s.parse("430602-000007/01") == cid and s.parse("430602 000007 01") == cid
    assert s.span("branch") == "digits 13-14"


def test_pydantic_field() -> None:
    """Host services can declare ClientId fields; they accept text and dump as text."""
    class Row(BaseModel):
        id: ClientId

    row = Row.model_validate({"id": "440507 00001 000"})
    assert row.id == ClientId.parse("44050700001000")
    assert row.model_dump(mode="json") == {"id": "44050700001000"}
    with pytest.raises(ValidationError, match="sequences start at 00001"):
        Row.model_validate({"id": "44050700000000"})


# -- the ids: section (YAML) ---------------------------------------------------------------


def test_shipped_shape_loads() -> None:
    """D-11: region 6 / sequence 5 from 00001 / branch 3 with 000 = headquarters."""
    assert SHANTOU.allowed == frozenset(f"{c}" for c in SHANTOU_CODES)
    assert SHANTOU.length == 14 and SHANTOU.sequence.first == 1
    assert SHANTOU.headquarters_branch == 0
    assert SHANTOU.region.label is not None and SHANTOU.region.label.zh == "行政区划代码"
    assert hash(SHANTOU) == hash(scheme_from_yaml(SHANTOU_IDS_YAML))


def test_region_codes_are_text_whatever_yaml_made_of_them() -> None:
    """PITFALLS: YAML reads 440507 as int, '001234' as text and 001234 as octal 668."""
    assert region_code(440507) == "440507" and region_code("440507") == "440507"
    assert region_code(" 440507 ") == "440507"
    with pytest.raises(ValueError, match="001234 is not a GB/T 2260") as info:
        region_code("001234")  # kept as text: the message shows the code as written
    assert "668" not in str(info.value)
    assert yaml.safe_load("[001234]") == [668]
    with pytest.raises(ValueError, match="put the code in quotes"):
        region_code(668)
    for bad in (True, 4405.07, None, "44050", "4405077", "44050a", -440507, 1_000_000):
        with pytest.raises(ValueError):
            region_code(bad)
    mixed = make_scheme(allowed=[440507, "440511", " 440512"])
    assert mixed.allowed == frozenset({"440507", "440511", "440512"})


def _errors(data: object) -> str:
    with pytest.raises(ValidationError) as info:
        IdScheme.model_validate(data)
    return "\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in info.value.errors())


def _seg(kind: str, width: int, **more: object) -> dict[str, object]:
    return {"name": kind, "kind": kind, "width": width, **more}


@pytest.mark.parametrize(("data", "words"), [
    ({"segments": [_seg("region", 6, allowed=[440507, 440507]), _seg("sequence", 5),
                   _seg("branch", 3)]}, "440507 is listed twice"),
    ({"segments": [_seg("region", 6, allowed=["001234"]), _seg("sequence", 5),
                   _seg("branch", 3)]}, "segments.0.allowed.0: Value error, 001234 is not"),
    ({"segments": [_seg("region", 6, allowed=[668]), _seg("sequence", 5),
                   _seg("branch", 3)]}, "quotes"),
    ({"segments": [_seg("region", 6, allowed=[]), _seg("sequence", 5), _seg("branch", 3)]},
     "'allowed' is empty"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5)]},
     "exactly one 'branch' segment; found none"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3),
                   {**_seg("region", 6), "name": "r2"}]}, "found 2 (segments 1 and 4)"),
    ({"segments": [_seg("region", 4), _seg("sequence", 5), _seg("branch", 3)]},
     "segments.0.width: Value error, a region layer is a GB/T 2260 division code: width 6"),
    ({"segments": [_seg("region", 6), _seg("sequence", 0), _seg("branch", 3)]},
     "segments.1.width: Value error, width must be a whole number from 1 to 9, found 0"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5, start=0), _seg("branch", 3)]},
     "sequences start at 1 or above"),
    ({"segments": [_seg("region", 6), _seg("sequence", 2, start=100), _seg("branch", 3)]},
     "does not fit in 2 digits"),
    ({"segments": [_seg("region", 6, start=1), _seg("sequence", 5), _seg("branch", 3)]},
     "belongs to the sequence layer"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5, allowed=[440507]),
                   _seg("branch", 3)]}, "belongs to the region layer"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 1, headquarters=9)]},
     "leaves no room"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", True)]},
     "expected a whole number"),
    ({"segments": [_seg("region", 6, colour="red"), _seg("sequence", 5), _seg("branch", 3)]},
     "segments.0.colour: Extra inputs are not permitted"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)], "check": "luhn"},
     "check: Input should be 'none' or 'iso7064_mod11_2'"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)],
      "display": "{region} {branch} {sequence}"}, "in order: {region} {sequence} {branch}"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)],
      "display": "{region} {sequence} {branch} {check}"}, "in order"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)],
      "check": "iso7064_mod11_2", "display": "{region} {sequence} {branch}"},
     "{region} {sequence} {branch} {check}"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)],
      "display": "ID {region} {sequence} {branch}"}, "only spaces or punctuation"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), _seg("branch", 3)],
      "display": "{region} {sequence {branch}"}, "unmatched"),
    ({"segments": [_seg("region", 6), _seg("sequence", 5), {**_seg("branch", 3),
                                                              "name": "sequence"}]},
     "two segments are named 'sequence'"),
])
def test_scheme_errors_read_plainly(data: object, words: str) -> None:
    """A policy editor's mistakes in ids: come back as one plain sentence, located."""
    assert words in _errors(data)


def test_scheme_from_yaml_with_int_and_quoted_codes() -> None:
    """PITFALLS: int region from YAML accepted; quoted codes too."""
    s = scheme_from_yaml(SHANTOU_IDS_YAML.replace("440511,", "'440511',"))
    assert "440511" in (s.allowed or set())


# -- the command line ------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bigclient")
    add_id_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_cli_parse(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["id", "parse", "440507 00001 000", "44050700012003"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("44050700001000  440507 00001 000  region 440507  sequence 1")
    assert "branch 3 (branch)  headquarters 44050700012000" in out[1]
    assert run_cli(["id", "parse", "44050700001000", "4405070000100", "440507"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1
    assert "InvalidLength" in captured.err and "quote an ID" in captured.err


@pytest.fixture
def ruleset_with_ids(tmp_path: Path) -> Path:
    """A shipped ruleset plus an ids: section (the shipped files may not have one yet)."""
    src = Path(__file__).resolve().parent.parent / "rulesets" / "shantou-postal" / "1.0.0.yaml"
    folder = tmp_path / "shantou"
    folder.mkdir()
    shutil.copy(src, folder / "1.0.0.yaml")
    text = (folder / "1.0.0.yaml").read_text(encoding="utf-8")
    if "\nids:" not in text:
        text = text.rstrip("\n") + "\n" + SHANTOU_IDS_YAML.lstrip("\n")
    (folder / "1.0.0.yaml").write_text(text, encoding="utf-8")
    return folder


def test_cli_new_and_branch(ruleset_with_ids: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    """D-12 from a shell: same key, same ID; branches under a headquarters (D-17)."""
    db = str(tmp_path / "ids.db")
    rs = str(ruleset_with_ids)
    new = ["id", "new", "--ruleset", rs, "--region", "440507", "--ledger", db, "--by", "ops"]
    assert run_cli(["id", "init", db, "--ruleset", rs]) == 0
    assert "created the ledger" in capsys.readouterr().err
    assert run_cli([*new, "--key", "req-1"]) == 0
    assert capsys.readouterr().out == "44050700001000\n"
    assert run_cli([*new, "--key", "req-1"]) == 0
    out = capsys.readouterr()
    assert out.out == "44050700001000\n" and "already allocated" in out.err
    assert run_cli([*new, "--key", "req-2"]) == 0
    assert capsys.readouterr().out == "44050700002000\n"
    assert run_cli(["id", "new", "--ruleset", rs, "--region", "430602", "--key", "x",
                    "--ledger", db]) == 1
    assert "not one this scheme allocates in" in capsys.readouterr().err
    assert run_cli(["id", "branch", "440507 00001 000", "--key", "b-1", "--ledger", db]) == 0
    assert capsys.readouterr().out == "44050700001001\n"
    assert run_cli(["id", "branch", "44050700001001", "--key", "b-2", "--ledger", db]) == 1
    assert "is a branch ID" in capsys.readouterr().err
    assert run_cli(["id", "branch", "44050700009000", "--key", "b-3", "--ledger", db]) == 1
    assert "never allocated" in capsys.readouterr().err
    assert run_cli(["id", "parse", "--ledger", db, "44050700001001"]) == 0
    assert "allocated by ops" not in capsys.readouterr().out  # branch was by the OS user
    assert run_cli(["id", "parse", "--ledger", db, "--json", "44050700002000"]) == 0
    assert '"by": "ops"' in capsys.readouterr().out


def test_cli_ruleset_without_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = Path(__file__).resolve().parent.parent / "rulesets" / "shantou-postal" / "1.0.0.yaml"
    text = shipped.read_text(encoding="utf-8")
    src = tmp_path / "1.0.0.yaml"
    src.write_text(text.split("\nids:")[0] + "\n", encoding="utf-8")  # drop the ids: section
    assert run_cli(["id", "new", "--ruleset", str(src), "--region", "440507", "--key", "k",
                    "--ledger", str(tmp_path / "x.db")]) == 1
    assert "no 'ids:' section" in capsys.readouterr().err


@given(st.text(alphabet="0123456789 xX-\t\u3000/", min_size=10, max_size=22))
@settings(max_examples=400, deadline=None)
def test_fast_and_careful_paths_agree(text: str) -> None:
    """The regex fast path accepts exactly what the character-by-character reader accepts."""
    from bigclient.sections.ids.scheme import _compact

    for scheme in (DEFAULT_SCHEME, CHECKED):
        raw = text.strip()
        m = scheme._layout.loose.fullmatch(raw)
        try:
            careful: str | None = _compact(raw, scheme)
        except InvalidId:
            careful = None
        fast = "".join(m.groups()).upper() if m else None
        assert fast == careful
