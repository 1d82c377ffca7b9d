#!/usr/bin/env bash
# Re-capture every command output shown in docs/tutorial.md and docs/zh/tutorial.md.
#
# The tutorials are rendered from tutorial.en.md / tutorial.zh.md in this folder: edit
# those, then run this script from anywhere. It works on a scratch copy of rulesets/ and
# examples/ (never on the real ones), writes the outputs to $OUT, and substitutes each
# @@name@@ marker with the captured text. Excluded from the site (mkdocs.yml exclude_docs).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
WORK=${WORK:-$(mktemp -d)}
export OUT=${OUT:-$WORK/out}
export PATH="$REPO/.venv/bin:$PATH" COLUMNS=100 NO_MKDOCS_2_WARNING=1
mkdir -p "$WORK/tut" "$OUT"
cp -r "$REPO/rulesets" "$REPO/examples" "$WORK/tut/"
cd "$WORK/tut"
run() { local name=$1; shift; { echo "\$ $*"; "$@" 2>&1; echo "[exit $?]"; } > "$OUT/$name.txt"; }
# The illustrative revisions (never the real policy in rulesets/): 1.1.0 and its cases.
S=examples/revisions/shantou-postal
run 00_ls ls $S
run 01_new_version bigclient new-version $S --from 2030-01-01
python3 "$HERE/edit.py" step1   # header comment, note, letters = 两万 (mistake), Silver 70
run 02_validate_mistake bigclient validate $S/1.2.0.yaml
python3 "$HERE/edit.py" step2   # 两万 -> 2万
run 03_validate_clean bigclient validate -v $S/1.2.0.yaml
run 04_test_fail bigclient test $S
python3 "$HERE/edit.py" step3   # limit the old cases, add cases/v1_2_revision.yaml
run 05_test_pass bigclient test $S
run 06_validate_all bigclient validate rulesets $S
run 07_diff bigclient diff $S/1.1.0.yaml $S/1.2.0.yaml --input examples/clients.csv --html report.html --movers 5
run 08_diff_zh bigclient diff $S/1.1.0.yaml $S/1.2.0.yaml --input examples/clients.csv --html report.html --movers 5 --lang zh
cp $S/cases/v1_2_revision.yaml "$OUT/"
cp report.html "$OUT/"
python3 - "$HERE" "$REPO" <<'PY'
import os, re, sys
here, repo = sys.argv[1], sys.argv[2]
out = os.environ["OUT"]
def fill(m):
    name = m.group(1)
    path = os.path.join(out, name if name.endswith(".yaml") else name + ".txt")
    body = open(path, encoding="utf-8").read().rstrip("\n")
    return re.sub(r"\n\[exit \d+\]$", "", body)
for src, dst in (("tutorial.en.md", "docs/tutorial.md"), ("tutorial.zh.md", "docs/zh/tutorial.md")):
    text = open(os.path.join(here, src), encoding="utf-8").read()
    open(os.path.join(repo, dst), "w", encoding="utf-8").write(re.sub(r"@@([\w.]+)@@", fill, text))
    print("wrote", dst)
PY
echo "outputs in $OUT (report.html there too)"
