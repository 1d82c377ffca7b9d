"""Capture the outputs the house reshape (issue 8) must leave byte-identical.

Run ``python tests/golden/capture.py`` to re-capture after an intended change of wording;
``tests/test_golden.py`` compares every command below with its stored output.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REVISION = "examples/revisions/shantou-postal/1.1.0.yaml"
CLIENT = {"region": "440507", "agreement_signed": False,
          "revenue_prev_year": {"savings": "150万", "letters": 20000},
          "revenue_month": {"savings": 3000}}

COMMANDS: dict[str, list[str]] = {
    "validate.txt": ["validate", "rulesets"],
    "validate.verbose.txt": ["validate", "-v", "rulesets"],
    "validate.json": ["validate", "--format", "json", "rulesets"],
    "test.txt": ["test", "rulesets"],
    "diff.txt": ["diff", "rulesets/shantou-postal/1.0.0.yaml", REVISION,
                 "--input", "examples/clients.csv"],
    "diff.zh.txt": ["diff", "--lang", "zh", "rulesets/shantou-postal/1.0.0.yaml", REVISION,
                    "--input", "examples/clients.csv"],
    "diff.json": ["diff", "--format", "json", "rulesets/shantou-postal/1.0.0.yaml", REVISION,
                  "--input", "examples/clients.csv"],
    "explain.en.txt": ["explain", "rulesets/shantou-postal/1.0.0.yaml", "{client}",
                       "--set", "bureau_revenue=2亿"],
    "explain.zh.txt": ["explain", "--lang", "zh", "rulesets/shantou-postal/1.0.0.yaml",
                       "{client}", "--set", "bureau_revenue=2亿"],
    "explain.yueyang.txt": ["explain", "rulesets/yueyang-postal/1.0.0.yaml", "{yclient}"],
}


def run(argv: list[str], tmp: Path) -> tuple[int, str]:
    from bigclient.cli import main

    client = tmp / "client.json"
    client.write_text(json.dumps(CLIENT, ensure_ascii=False), encoding="utf-8")
    yclient = tmp / "yclient.json"
    yclient.write_text(json.dumps({"region": "430602", "revenue_half_year": {"letters": "5万"},
                                   "growth": "0.1", "credit_warning": True}),
                       encoding="utf-8")
    argv = [a.format(client=client, yclient=yclient) for a in argv]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    return code, out.getvalue().replace(str(tmp), "<tmp>")


if __name__ == "__main__":
    import os
    import tempfile

    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as d:
        for name, argv in COMMANDS.items():
            code, text = run(argv, Path(d))
            (HERE / name).write_text(f"exit {code}\n{text}", encoding="utf-8")
            print(name, code, len(text), file=sys.stderr)
