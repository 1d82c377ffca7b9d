"""Excel in and out, output files that are whole or absent, progress and aligned tables."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bigclient.cli import main
from tests._terminal import on_a_terminal
from tests.conftest import ROOT, RULESETS

openpyxl = pytest.importorskip("openpyxl")

SHANTOU = str(RULESETS / "shantou-postal" / "1.0.0.yaml")
CLIENTS = ROOT / "examples" / "clients.csv"
CTX = ["--set", "bureau_revenue=2亿"]
CLI = [sys.executable, "-m", "bigclient.cli"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


# -- 5. xlsx ------------------------------------------------------------------------


def _sheet(path: Path, rows: list[list[object]], title: str = "Sheet") -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_xlsx_in_and_out_matches_csv(tmp_path: Path) -> None:
    header = ["client_id", "name", "region", "agreement_signed", "revenue_prev_year.savings",
              "revenue_month.savings"]
    data = [["A", "=1+1", "440507", True, 20000.1, 1234.56],
            ["B", "乙", 440507, "否", 99, None]]
    src = tmp_path / "in.xlsx"
    _sheet(src, [["ignored"]], "Other")
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("clients")
    for r in [header, *data]:
        ws.append(r)
    ws["B2"].data_type = "s"  # the text '=1+1', as a user who typed '=1+1 would have it
    wb.save(src)
    as_csv = tmp_path / "in.csv"
    as_csv.write_text("\n".join(",".join("" if v is None else str(v).lower()
                                         if isinstance(v, bool) else str(v) for v in r)
                                for r in [header, *data]) + "\n", encoding="utf-8")
    out_x, out_c = tmp_path / "out.xlsx", tmp_path / "out.csv"
    assert main(["evaluate", SHANTOU, str(src), "--sheet", "clients", "-o", str(out_x),
                 *CTX]) == 0
    assert main(["evaluate", SHANTOU, str(as_csv), "-o", str(out_c), *CTX]) == 0
    assert out_x.read_bytes()[:2] == b"PK"  # a real workbook, not CSV under an .xlsx name
    got = list(openpyxl.load_workbook(out_x).active.iter_rows(values_only=True))
    want = _csv_rows(out_c)
    assert list(got[0]) == list(want[0])
    for g, w in zip(got[1:], want, strict=True):
        assert Decimal(str(g[5])) == Decimal(w["score"])  # a number in the sheet
        assert [("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                for i, v in enumerate(g) if i != 5] == [v for k, v in w.items() if k != "score"]
    assert got[1][2] == "=1+1"  # a name that looks like a formula stays text


def test_xlsx_numbers_are_exact_and_dates_are_dates() -> None:
    from bigclient.tables.xlsx import cell_value

    assert cell_value(1234.5599999999999) == Decimal("1234.56")
    assert cell_value(20000.1) == Decimal("20000.1") and cell_value(3.0) == 3
    assert cell_value(dt.datetime(2009, 6, 30)) == dt.date(2009, 6, 30)


def test_xlsx_unknown_sheet_and_extra_cells(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.xlsx"
    _sheet(src, [["region", "agreement_signed"], ["440507", True, "stray"],
                 [None, None], ["440507", False]])
    out = tmp_path / "out.csv"
    assert main(["evaluate", SHANTOU, str(src), "--sheet", "nope", "-o", str(out), *CTX]) == 2
    assert "its sheets are: Sheet" in capsys.readouterr().err
    assert main(["evaluate", SHANTOU, str(src), "-o", str(out), *CTX]) == 1
    rows = _csv_rows(out)
    assert [r["row"] for r in rows] == ["2", "4"]
    assert "column 3 (C) holds 'stray'" in rows[0]["error"]


def test_missing_openpyxl_is_a_plain_error(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("region\n440507\n", encoding="utf-8")
    code = ("import sys; sys.modules['openpyxl'] = None; from bigclient.cli import main; "
            f"sys.exit(main(['evaluate', {SHANTOU!r}, {str(src)!r}, '-o', "
            f"{str(tmp_path / 'o.xlsx')!r}, '--set', 'bureau_revenue=1']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2 and "pip install 'bigclient[xlsx]'" in done.stderr
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == [src]


def test_old_spreadsheet_names_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text("region\n440507\n", encoding="utf-8")
    assert main(["evaluate", SHANTOU, str(src), "-o", str(tmp_path / "o.xls"), *CTX]) == 2
    assert "not .xls" in capsys.readouterr().err and list(tmp_path.iterdir()) == [src]


# -- 6. output safety ---------------------------------------------------------------


def test_output_equal_to_input_refused_also_through_a_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    shutil.copy(CLIENTS, src)
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    for out in (src, link, tmp_path / "." / "in.csv"):
        assert main(["evaluate", SHANTOU, str(src), "-o", str(out), *CTX]) == 2
        assert "is the input file itself" in capsys.readouterr().err
    assert src.read_bytes() == CLIENTS.read_bytes()


def test_missing_output_folder_is_one_line(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    assert main(["evaluate", SHANTOU, str(CLIENTS), "-o", str(tmp_path / "no" / "o.csv"),
                 *CTX]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("bigclient: cannot write") and "does not exist" in err[-1]
    assert list(tmp_path.iterdir()) == []


def test_full_device_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A private copy of /dev/full (never the system's: a regression that renames over the
    output would replace the device)."""
    full = tmp_path / "full"
    try:
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except (OSError, AttributeError):
        pytest.skip("cannot create a full device here (needs root on Linux)")
    assert main(["evaluate", SHANTOU, str(CLIENTS), "-o", str(full), *CTX]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"bigclient: cannot write {full}: the disk holding {tmp_path} is full; "
                       "nothing was written")
    assert stat.S_ISCHR(full.stat().st_mode)


def _in_small_tmpfs(tmp_path: Path, options: str, command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with a private tmpfs mounted on ``tmp_path/mnt`` (a real full or
    read-only disk); skipped where user namespaces are not allowed."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = f"mount -t tmpfs -o {options} none {mnt} && cd {ROOT} && {command}; " \
             f"echo rc=$?; ls -A {mnt}"
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    done = subprocess.run(["unshare", "-r", "-m", "sh", "-c", script], capture_output=True,
                          text=True)
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    return done


@pytest.mark.parametrize(("options", "words"), [("size=48k", "is full"),
                                                ("ro,size=48k", "is read-only")])
def test_full_and_read_only_disks_leave_nothing(tmp_path: Path, options: str,
                                                words: str) -> None:
    out = tmp_path / "mnt" / "o.csv"
    cmd = " ".join([*CLI, "evaluate", SHANTOU, str(CLIENTS), "-o", str(out), *CTX])
    done = _in_small_tmpfs(tmp_path, options, cmd)
    lines = done.stderr.strip().splitlines()
    assert "rc=2" in done.stdout and "Traceback" not in done.stderr
    assert lines[-1].startswith("bigclient: cannot write") and words in lines[-1]
    assert done.stdout.strip().splitlines()[-1] == "rc=2"  # `ls -A` listed no leftover


def _big_input(tmp_path: Path, copies: int) -> Path:
    lines = CLIENTS.read_text(encoding="utf-8").splitlines(keepends=True)
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(lines[0])
        for _ in range(copies):
            fh.writelines(lines[1:])
    return big


def test_two_runs_writing_one_output_never_tear_it(tmp_path: Path) -> None:
    big = _big_input(tmp_path, 20)
    out = tmp_path / "out.csv"
    runs = [subprocess.Popen([*CLI, "evaluate", SHANTOU, str(big), "-o", str(out), *CTX],
                             cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in runs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    rows = _csv_rows(out)
    assert len(rows) == 20_000 and rows[-1]["row"] == "20001"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "out.csv"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_removes_the_temporary_file(tmp_path: Path, sig: int) -> None:
    big = _big_input(tmp_path, 200)
    out = tmp_path / "out.csv"
    out.write_text("the previous output\n", encoding="utf-8")
    p = subprocess.Popen([*CLI, "evaluate", SHANTOU, str(big), "-o", str(out), *CTX], cwd=ROOT,
                         stderr=subprocess.PIPE, text=True)
    while not any(f.name.endswith(".part") for f in tmp_path.iterdir()):  # run under way
        assert p.poll() is None
        time.sleep(0.05)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith(
        "bigclient: interrupted")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["big.csv", "out.csv"]
    assert out.read_text(encoding="utf-8") == "the previous output\n"


# -- 7. progress and aligned tables -------------------------------------------------


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    big = _big_input(tmp_path, 10)
    cmd = [*CLI, "evaluate", SHANTOU, str(big), "-o", str(tmp_path / "o.csv"), *CTX]
    piped = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert piped.returncode == 0 and "%" not in piped.stderr and "\r" not in piped.stderr
    code, text = on_a_terminal(cmd, ROOT)
    assert code == 0
    assert "100% |########################|" in text and "left" in text and " of " in text


def test_summary_table_aligned_by_display_width(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    from bigclient.i18n import use_language
    from bigclient.tables.display import display_width

    with use_language("zh"):
        assert main(["evaluate", SHANTOU, str(CLIENTS), "-o", str(tmp_path / "o.csv"),
                     *CTX]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "钻石" in ln or "金" in ln
             or ln.startswith("---")]
    assert len(lines) >= 3
    assert len({display_width(ln) for ln in lines}) == 1


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8).filter(str.isprintable),
                          st.integers(0, 10**6)), min_size=1, max_size=6))
def test_property_table_columns_start_at_the_same_display_column(
        rows: list[tuple[str, int]]) -> None:
    from bigclient.tables.display import display_width, format_table

    text = format_table(["label", "n"], [[a.replace("\n", " "), f"{b:,}"] for a, b in rows],
                        right=(False, True))
    widths = {display_width(line) for line in text.splitlines()}
    assert len(widths) == 1  # numbers right-aligned: every line ends at the same column
