"""Every problem code bigclient reports, in one table.

Codes are stable: CI configurations, editors and policy staff refer to them, and the
reference page of the docs is generated from :data:`CODES`. A test checks that every
``"BCnnn"`` literal in the source is listed here and that nothing listed is unused.

Ranges: BC0xx reading the file, BC1xx the shape of the ruleset, BC2xx scoring (bands,
weights, tiers, overrides), BC3xx expressions, BC4xx case files, BC5xx qualification,
BC6xx versions of one ruleset side by side, BC7xx labels, BC80x routing, BC83x-BC84x
ownership, BC86x–BC87x contact cadence, BC90x-BC91x incentives, BC92x-BC93x
scorecards, BC95x-BC96x discounts, BC97x-BC98x payroll.
"""

from __future__ import annotations

from bigclient._code import Code
from bigclient.codes_rooms import ROOM_CODES


def _codes(*entries: Code) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for c in entries:
        assert c.code not in out, c.code
        out[c.code] = c
    return out


CODES: dict[str, Code] = _codes(
    # -- BC0xx: reading the file -------------------------------------------------------
    Code("BC000", "error", "Unclassified problem",
         "A problem was reported without a specific code. This should not happen; please "
         "report it to the bigclient team with the file that caused it.",
         "Read the message; it still says where and what.", "未分类问题"),
    Code("BC001", "error", "File cannot be read",
         "The file is missing, unreadable, not UTF-8 text, larger than a ruleset should ever "
         "be, or a folder holds no version files such as 1.0.0.yaml.",
         "Check the path; save the file as UTF-8; name version files like 1.0.0.yaml.",
         "文件无法读取"),
    Code("BC002", "error", "Not valid YAML",
         "The text is not valid YAML: usually a tab used for indentation, an indentation "
         "mistake, a missing ':' or an unclosed quote or bracket.",
         "Indent with spaces only (two per level); check the line shown and the one above.",
         "YAML 格式错误"),
    Code("BC003", "error", "Alias not allowed",
         "YAML aliases (&name … *name) copy a value from elsewhere. Rulesets refuse them: "
         "every value must be readable where it stands, and aliases can blow up in size.",
         "Write the value out in full instead of *name.", "不允许使用别名"),
    Code("BC004", "error", "Nesting too deep",
         "The file nests blocks far deeper than any ruleset needs.",
         "Flatten the structure.", "嵌套层级过深"),
    Code("BC005", "error", "Duplicate key",
         "The same key appears twice in one block. Plain YAML would silently keep only the "
         "last one, so one of the two values would be lost without anyone noticing.",
         "Delete one of the two, or merge them into one entry.", "键重复"),
    Code("BC006", "error", "Number out of range",
         "A number has more digits (before or after the decimal point, or through an "
         "exponent such as 1e999) than any amount, weight or score in a policy can have. "
         "Such a number is a typo, and sums of it would overflow.",
         "Write the amount the policy gives, e.g. 1500000 or 150万.", "数值超出范围"),
    # -- BC1xx: shape of the ruleset ----------------------------------------------------
    Code("BC100", "error", "Value not acceptable",
         "A value does not have the expected form: a version that is not like 1.0.0, an "
         "effective 'to' before 'from', a criterion with both 'when' and 'per_line', text "
         "where a number is needed, and so on. The message says what was expected.",
         "Correct the value as the message says.", "取值不符合要求"),
    Code("BC101", "error", "File name and version disagree",
         "A version file is named after its version (1.0.0.yaml), and the registry finds "
         "versions by file name; the name and the declared 'version' (or the folder and the "
         "declared 'ruleset') must agree.",
         "Rename the file, or correct 'version:' / 'ruleset:'.", "文件名与版本号不一致"),
    Code("BC102", "error", "Unknown key",
         "A key is not one the ruleset format knows, most often a typo (weigth for weight) "
         "or a comma inside { … } that split a text in two.",
         "Correct the spelling (the message suggests the closest key), or quote text that "
         "contains a comma.", "未知的键"),
    Code("BC103", "error", "Required key missing",
         "An entry lacks a key it must have (for example an indicator without 'weight').",
         "Add the key the message names.", "缺少必填项"),
    Code("BC110", "error", "Default does not fit its field",
         "An input or context field's default is not a valid value of that field.",
         "Correct the default, or the field's type, values, min or max.", "默认值不符合字段定义"),
    Code("BC120", "error", "Name or id used twice",
         "Two criteria, indicators, tiers or flags share an id, or a name is declared twice "
         "among inputs, context and derived values.",
         "Give each its own id or name.", "名称或编号重复"),
    Code("BC121", "error", "Unknown product line or column",
         "A per-line table names a product line not declared under 'lines' (or a column "
         "not declared under 'compare'), or a per-line amount field exists without 'lines'.",
         "Correct the line name (the message suggests the closest) or declare it under "
         "'lines'.", "未知的业务种类或列"),
    Code("BC122", "error", "Threshold row incomplete",
         "Each row of a threshold table must give exactly one threshold per column.",
         "Add the missing threshold or remove the unknown one.", "门槛行不完整"),
    # -- BC2xx: scoring -----------------------------------------------------------------
    Code("BC201", "warning", "Gap between bands",
         "Values between the end of one band and the start of the next fall in no band, so "
         "they score the indicator's 'otherwise' (0 unless set). Usually a band was left "
         "out or a bound was mistyped.",
         "Make each band's 'to' equal the next band's 'from', or add the missing band.",
         "分档之间有空档"),
    Code("BC202", "error", "Bands overlap",
         "Two bands of one indicator both contain some values, so the score would depend on "
         "the order of the rows.",
         "Make one band's 'to' equal the next band's 'from'.", "分档重叠"),
    Code("BC203", "error", "Band bounds out of order",
         "A band's 'from' is not below its 'to'.", "Swap the two bounds.", "分档上下限颠倒"),
    Code("BC204", "warning", "Score not monotone",
         "The indicator is declared monotone (increasing by default), but a higher value "
         "scores lower than a smaller one: a client with more revenue would get fewer "
         "points.",
         "Correct the band scores, or declare 'monotone: none' if this is intended.",
         "得分不单调"),
    Code("BC205", "warning", "Band bound out of scale",
         "One bound is more than a thousand times smaller than the next one, which usually "
         "means a unit was left out (1.2 written for 1.2万).",
         "Write the amount with its unit (1.2万, 3‰), or as a full number.",
         "分档界限数量级异常"),
    Code("BC206", "error", "Band score outside 0-100",
         "An indicator score must be between 0 and 100; the weight turns it into points.",
         "Write the score on the 0-100 scale.", "分档得分超出 0-100"),
    Code("BC211", "error", "Weights do not add up to 100%",
         "The weights of the enabled indicators must add up to exactly 100%, so that the "
         "total score runs from 0 to 100 and the tier cut-offs mean what they say.",
         "Adjust the weights so they total 100%.", "权重合计不为 100%"),
    Code("BC212", "error", "Disabled indicator has a weight",
         "An indicator with 'enabled: false' is not scored, so its weight would silently "
         "count for nothing.",
         "Set its weight to 0, or enable it.", "停用指标仍有权重"),
    Code("BC213", "error", "Indicator has no value",
         "An enabled indicator must say what it measures ('value: an expression').",
         "Write the expression it measures.", "指标缺少取值表达式"),
    Code("BC214", "error", "Indicator has no bands",
         "An enabled indicator needs a band table to turn its value into a score.",
         "Add its bands.", "指标缺少分档"),
    Code("BC221", "error", "Tier cut-off outside 0-100",
         "Total scores run from 0 to 100, so a cut-off outside that range can never (or "
         "always) be reached.", "Write the cut-off on the 0-100 scale.", "分级线超出 0-100"),
    Code("BC222", "error", "Tiers out of order",
         "Tiers are listed from the highest cut-off down; each must be strictly below the "
         "one before it.", "Reorder the tiers, highest first.", "分级顺序错误"),
    Code("BC223", "error", "Lowest tier does not start at 0",
         "Tiers have only a lower cut-off, so scores below the lowest cut-off would get no "
         "tier at all.", "Give the lowest tier 'min: 0'.", "最低级别未从 0 分开始"),
    Code("BC224", "warning", "Tier cannot be reached",
         "No combination of band scores gives a total within this tier's range (from its "
         "cut-off up to the next tier's), so no client can ever get it.",
         "Check the cut-offs against the band scores and weights.", "该级别无法达到"),
    Code("BC225", "info", "Cut-off value cannot be scored exactly",
         "Totals are sums of weight × band score, so only some values occur. No client can "
         "score exactly this cut-off; the lowest score that reaches the tier is shown. This "
         "is often fine, but it shows where the tier really starts.",
         "Nothing to do unless the tier should start at the value shown.",
         "分级线分值无法恰好得到"),
    Code("BC226", "info", "Too many score combinations to check",
         "Checking which tiers can be reached means listing every total the band scores "
         "and weights can give. This ruleset has so many indicators and bands that the "
         "list would be too long, so only the lowest and highest totals were compared with "
         "the cut-offs.",
         "Nothing to do; check by hand or with cases that every tier can be reached.",
         "得分组合过多，未逐一检查"),
    Code("BC231", "error", "Not a tier",
         "An override rule or a flag's cap names a tier the ruleset does not have.",
         "Use one of the tier ids listed.", "不存在的级别"),
    Code("BC232", "error", "Approver not listed",
         "An override names an approving body that is not listed under 'authorities'.",
         "Add it under 'authorities' or correct the name.", "审批单位未登记"),
    # -- BC3xx: expressions ---------------------------------------------------------------
    Code("BC301", "error", "Unknown name or unreadable expression",
         "An expression uses a name that is not declared (usually a typo) or cannot be read "
         "at all (brackets, quotes).",
         "Use a declared input, context or derived name (the message suggests the closest).",
         "未知名称或表达式无法读取"),
    Code("BC302", "error", "Not allowed in an expression",
         "Ruleset expressions allow + - * /, comparisons, and/or/not, if-else and a few "
         "functions (total, min, max, abs); nothing else, so they stay safe and readable.",
         "Rewrite with the allowed operations.", "表达式中不允许的写法"),
    Code("BC303", "error", "Values of the wrong kind",
         "An expression mixes kinds of values that do not go together: money added to a "
         "yes/no value, money compared with text, a value that is not one of an option "
         "list's values.",
         "Use values of the same kind on both sides; check the spelling of option values.",
         "数据类型不匹配"),
    Code("BC304", "error", "Expression too long",
         "An expression is too long or has too many parts to be checked and read.",
         "Split it into named derived values.", "表达式过长"),
    Code("BC305", "error", "Derived values depend on each other",
         "Two or more derived values are computed from each other (a cycle), so none of "
         "them can be computed first.",
         "Compute one of them from inputs only.", "派生值循环依赖"),
    Code("BC306", "warning", "Division by a value that can be zero",
         "An expression divides by a value that can be 0 (a field with no 'min' above 0, or "
         "a value computed from such fields), and nothing guards the division. For such a "
         "client evaluation stops with an error.",
         "Give the field a 'min' above 0, or guard the division: x / y if y > 0 else 0.",
         "除数可能为零"),
    # -- BC4xx: case files --------------------------------------------------------------
    Code("BC401", "error", "Case file problem",
         "A case file (cases/*.yaml beside a ruleset) is not in the expected form.",
         "Each case has a name, an input and an expect block; see the message.",
         "测试用例文件有误"),
    # -- BC5xx: qualification ----------------------------------------------------------------
    Code("BC501", "info", "Criterion implied by another",
         "Every client that meets one criterion (or some lines of a per-line table) "
         "necessarily meets another one too, because its thresholds are at least as high "
         "on the same amounts. This is often real policy; it is shown so that it is a "
         "decision, not an accident.",
         "Nothing to do if intended; otherwise check the thresholds.", "条件被另一条件蕴含"),
    Code("BC502", "warning", "Yearly threshold below the monthly one",
         "In a per-line threshold table, a line's previous-year threshold is smaller than "
         "its current-month threshold. A year's revenue is normally far larger than one "
         "month's, so a unit (万) was probably left out.",
         "Write the amount with its unit (1.2万) or as a full number (12000).",
         "年度门槛低于月度门槛"),
    Code("BC503", "warning", "Threshold out of scale",
         "A threshold is more than a hundred times smaller than the other lines' thresholds "
         "in the same column, which usually means a unit (万) was left out.",
         "Write the amount with its unit (1.2万) or as a full number (12000).",
         "门槛数量级异常"),
    # -- BC6xx: versions of one ruleset ------------------------------------------------------
    Code("BC601", "error", "Effective dates overlap",
         "Two versions of the same ruleset are both declared in force on some days (an "
         "older version's 'to' runs past the next version's 'from', or both start the same "
         "day), so which rules applied on those days is unclear.",
         "End the older version the day before the newer one starts.", "生效期重叠"),
    Code("BC602", "error", "Versions out of order",
         "A higher version takes effect before a lower one. Versions must follow time: a "
         "revision gets a higher number and a later start.",
         "Swap the version numbers, or correct the effective dates.", "版本顺序与生效日期不符"),
    Code("BC603", "error", "Same version twice",
         "Two files declare the same ruleset and version, so look-ups are ambiguous.",
         "Give the revision a higher version, or delete the copy.", "版本号重复"),
    Code("BC604", "info", "No version in force between two versions",
         "An older version ends before the next one starts; on the days between, no "
         "version of the ruleset is in force and look-ups by date fail.",
         "Start the next version the day after the older one ends, unless the gap is "
         "intended.", "版本之间有空档期"),
    Code("BC605", "error", "Released version changed",
         "A version recorded in the folder's versions.lock has different rules from what "
         "was locked. Clients were decided with the locked rules; changing them in place "
         "makes past decisions impossible to re-run or explain (D-10).",
         "Undo the edit and make the change in a new version (bigclient new-version).",
         "已发布版本被修改"),
    Code("BC606", "warning", "Released version not locked",
         "A version that is in force today, or was in the past, is not recorded in the "
         "folder's versions.lock, so an edit to it would go unnoticed.",
         "Run bigclient lock on the version file once it is released.", "已发布版本未锁定"),
    Code("BC607", "error", "Lock file damaged or names a missing version",
         "versions.lock has a line that is not 'VERSION sha256:HASH', or it records a released "
         "version whose file is gone.",
         "Restore the file (or the lock) from version control; bigclient lock writes the lock.",
         "版本锁文件损坏或缺少版本文件"),
    # -- BC7xx: labels ------------------------------------------------------------------------
    Code("BC701", "info", "Label not translated",
         "A label's Chinese and English texts are identical, or the Chinese text has no "
         "Chinese characters: staff reading either language expect a translation.",
         "Write the label in both languages.", "标签未翻译"),
    *ROOM_CODES,
)
