"""The Chinese message catalogue: in step with the source, complete, and actually used.

Policy staff read validate, test, evaluate and argparse's own usage lines in Chinese with
``--lang zh`` (or a Chinese locale); English output stays what it was.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import bigclient
from bigclient.cli import main
from bigclient.cli.common import lang_in_argv
from bigclient.i18n import _, default_language, language, use_language
from tests.conftest import ROOT, RULESETS

SRC = Path(bigclient.__file__).resolve().parent
PO = SRC / "locale" / "zh_CN" / "LC_MESSAGES" / "bigclient.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "plural_noop": (1, 2)}
BROKEN = ROOT / "tests" / "broken"
SHANTOU = RULESETS / "shantou-postal"


def _catalogue() -> dict[object, object]:
    with PO.open("rb") as f:
        return {m.id if isinstance(m.id, str) else tuple(m.id): m.string
                for m in read_po(f) if m.id}


def _placeholders(text: str) -> list[str]:
    """``{name!r:>3}`` fields (str.format) and ``%(name)s`` / ``%s`` (argparse), sorted."""
    fields = r"\{[A-Za-z_][A-Za-z0-9_]*(![rsa])?(:[^{}]*)?\}|%(\([a-z_]+\))?[sdr]"
    return sorted(m.group(0) for m in re.finditer(fields, text))


# -- the catalogue ----------------------------------------------------------------------------

def test_mo_is_compiled_from_po() -> None:
    """The .mo that runs says exactly what the .po that translators edit says."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    import gettext

    shipped = gettext.GNUTranslations(MO.open("rb"))
    compiled = gettext.GNUTranslations(io.BytesIO(fresh.getvalue()))
    assert shipped._catalog == compiled._catalog, (  # type: ignore[attr-defined]
        "bigclient.mo is out of date: run "
        "pybabel compile -d src/bigclient/locale -D bigclient")


def test_every_message_in_the_source_is_translated() -> None:
    """Every msgid extraction finds has a non-empty zh text with the same placeholders."""
    cat = _catalogue()
    found = {msg if isinstance(msg, str) else tuple(msg)
             for _file, _line, msg, _comments, _ctx in
             ((f, ln, m, c, x) for f, ln, m, c, x in extract_from_dir(
                 str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS))}
    missing = sorted(str(m) for m in found if not cat.get(m))
    assert not missing, "not in bigclient.po (run pybabel extract/update, see " \
        "docs/howto/messages.md): " + "; ".join(missing[:10])
    for msgid, msgstr in cat.items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        texts = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        for text in texts:
            assert text, f"empty translation of {msgid!r}"
            assert _placeholders(text) == _placeholders(ids[-1]), (msgid, text)
            words = re.sub(r"\{[^{}]*\}|%(\([a-z_]+\))?[sdr]", "", text)
            assert re.search(r"[\u4e00-\u9fff]", text) or not re.search(r"[a-z]{4}", words), \
                f"{msgid!r} is not in Chinese: {text!r}"


def test_argparse_messages_of_this_python_are_in_the_catalogue() -> None:
    """argparse's own words come from our catalogue; a new Python must not add untranslated
    ones (argparse_words.MESSAGES lists them for extraction)."""
    with open(argparse.__file__, "rb") as f:
        ids = {m if isinstance(m, str) else tuple(m[:2])
               for _ln, _fn, m, _c in extract_python(f, KEYWORDS, [], {}) if m}
    cat = _catalogue()
    assert not sorted(str(m) for m in ids if m not in cat)


# -- --lang and the locale ---------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "lang"), [
    (["--lang", "zh", "validate", "x"], "zh"), (["validate", "x", "--lang=zh"], "zh"),
    (["--lang", "zh", "validate", "--lang", "en"], "en"), (["validate", "--", "--lang"], None),
    (["--lang", "fr"], None)])
def test_lang_read_before_the_parser(argv: list[str], lang: str | None) -> None:
    assert lang_in_argv(argv) == lang


def test_default_language_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BIGCLIENT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert default_language() == "zh"
    monkeypatch.setenv("BIGCLIENT_LANG", "en")
    assert default_language() == "en"


def test_argparse_speaks_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "zh", "validate"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "用法：bigclient validate" in err
    assert "错误：以下参数是必需的：PATH" in err
    with pytest.raises(SystemExit):
        main(["validate", "--lang", "zh", "--help"])  # on the subcommand too
    out = capsys.readouterr().out
    assert "位置参数" in out and "选项" in out and "显示此帮助信息并退出" in out
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "schema", "--bogus"])
    assert "无法识别的参数：--bogus" in capsys.readouterr().err


def test_argparse_english_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", "validate"])
    err = capsys.readouterr().err
    assert "usage: bigclient validate" in err
    assert "error: the following arguments are required: PATH" in err


def test_main_restores_the_callers_language(capsys: pytest.CaptureFixture[str]) -> None:
    with use_language("en"):
        main(["--lang", "zh", "validate", str(SHANTOU)])
        assert language() == "en"
    with use_language("zh"):  # no --lang: the caller's language is used
        main(["validate", str(BROKEN / "disabled_with_weight.yaml")])
    assert "已停用，但权重仍为" in capsys.readouterr().out


# -- validate, test, evaluate in Chinese -------------------------------------------------------

def test_validate_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "zh", "validate", str(BROKEN / "full_width_colon.yaml"),
                 str(BROKEN / "date_february_30.yaml")]) == 1
    out = capsys.readouterr().out
    assert "错误 BC002" in out and "全角冒号 “：”" in out and "修改：" in out
    assert "2008 年 2 月没有 30 日（只有 29 天）" in out


def test_validate_in_english_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "validate", str(BROKEN / "date_february_30.yaml")]) == 1
    out = capsys.readouterr().out
    assert "error BC100 at effective.to: 2008-02-30 is not a date: February 2008 has no " \
        "30th (it has 29 days)" in out


def _bigclient(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("BIGCLIENT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "bigclient", *args], capture_output=True,
                          text=True, encoding="utf-8", env={**base, **env}, check=False)


def test_validate_in_chinese_from_the_locale() -> None:
    """No flag: LANG=zh_CN.UTF-8 is enough (BIGCLIENT_LANG overrides it)."""
    broken = str(BROKEN / "disabled_with_weight.yaml")
    zh = _bigclient("validate", broken, env={"LANG": "zh_CN.UTF-8"})
    assert zh.returncode == 1 and "已停用，但权重仍为 10%" in zh.stdout
    assert "修改：请把它的权重设为 0，或启用它" in zh.stdout
    en = _bigclient("validate", broken, env={"LANG": "zh_CN.UTF-8", "BIGCLIENT_LANG": "en"})
    assert "is disabled but still has weight 10%" in en.stdout


def test_test_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(SHANTOU / "1.0.0.yaml", tmp_path / "1.0.0.yaml")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "wrong.yaml").write_text(
        "ruleset: shantou-postal\ninput: {region: \"440507\"}\ncontext: {bureau_revenue: 1亿}\n"
        "cases:\n  - name: agreement alone\n    input: {agreement_signed: true}\n"
        "    expect: {qualified: false}\n", encoding="utf-8")
    assert main(["--lang", "zh", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "不通过 agreement alone" in out
    assert "qualified：应为 False，实际为 True" in out
    assert "是大客户（满足任一条件即可）" in out  # the explanation in Chinese too
    assert main(["test", "--lang", "en", str(tmp_path)]) == 1
    assert "FAIL agreement alone (v1.0.0)\n    qualified: expected False, got True" \
        in capsys.readouterr().out


def test_evaluate_bad_row_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "clients.csv"
    rows.write_text("client_id,region,agreement_signed\nA1,440507,maybe\n", encoding="utf-8")
    args = ["evaluate", str(SHANTOU / "1.0.0.yaml"), str(rows), "-o", str(tmp_path / "o.csv"),
            "--keep", "client_id", "--set", "bureau_revenue=1亿"]
    assert main(["--lang", "zh", *args]) == 1
    err = capsys.readouterr().err
    assert "第 2 行：输入项 “agreement_signed”：应为是/否" in err
    assert "有问题的行" in err
    assert main(["--lang", "en", *args]) == 1
    assert "row 2: input 'agreement_signed': expected yes/no" in capsys.readouterr().err


def test_messages_are_made_in_the_language_in_force() -> None:
    """A message is translated when it is made: an error raised under zh stays Chinese."""
    from bigclient import load
    from bigclient.errors import RulesetError

    with use_language("zh"), pytest.raises(RulesetError) as zh:
        load(BROKEN / "disabled_with_weight.yaml")
    with use_language("en"), pytest.raises(RulesetError) as en:
        load(BROKEN / "disabled_with_weight.yaml")
    assert "已停用" in zh.value.problems[0].message
    assert "is disabled" in en.value.problems[0].message
    assert isinstance(zh.value.problems[0].message, str)
    with use_language("zh"):
        assert _("usage: ") == "用法："
