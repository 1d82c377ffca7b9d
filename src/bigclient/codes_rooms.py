"""Problem codes of the later section rooms: routing, ownership, contact cadence (BC8xx),
incentives, scorecards, discounts and payroll (BC9xx). Listed with the rest in
:data:`bigclient.codes.CODES`; split off only to keep each module small."""

from __future__ import annotations

from bigclient._code import Code

ROOM_CODES: tuple[Code, ...] = (
    # -- BC80x: routing (D-13, D-14, D-18) ----------------------------------------------------
    Code("BC801", "warning", "Routing table has a gap",
         "Some big clients match no row of the routing table, so they would get no "
         "responsible unit and the flag 'unrouted'. The finding lists the combinations of "
         "column values no row covers. (As a note: the table is too wide to check.)",
         "Add a row for the clients listed, or widen a row's condition ('-' matches any).",
         "路由表有缺口"),
    Code("BC802", "warning", "Routing row matches no client",
         "A row's conditions can never hold together, or name nothing a client can have.",
         "Correct the row's conditions or remove the row.", "路由行不适用于任何客户"),
    Code("BC803", "warning", "Routing row never decides",
         "Under hit policy 'first' every client the row matches is already matched by rows "
         "above it; under 'priority' a row with an earlier unit always matches with it. The "
         "row is dead text and probably not what was meant.",
         "Remove the row, or move it above the rows that cover it.", "路由行从不生效"),
    Code("BC804", "warning", "Routing rows overlap",
         "Under hit policy 'unique' at most one row may match a client, but these rows match "
         "the same clients; such a client cannot be routed (an error at evaluation).",
         "Narrow one of the rows, or use hit policy 'first' if the order should decide.",
         "路由行重叠"),
    Code("BC805", "error", "Routing needs tiers",
         "A routing table decides by the client's tier; the ruleset has no scoring section.",
         "Add a scoring section, or remove the routing section.", "路由需要级别"),
    Code("BC806", "error", "Unknown routing column",
         "A column of the routing table (or a condition's key) is not tier, flags, lines or "
         "a declared input, context or derived value, is listed twice, or has a type a "
         "table cannot test (a per-line amount table, a date).",
         "Use one of the names the message lists; add a condition's column to 'columns'.",
         "路由列名未知"),
    Code("BC807", "error", "Bad routing condition",
         "A cell names a value its column cannot hold (a tier that does not exist, text in a "
         "number column) or is not a value, a list, a range {from, to}, {not: …} or '-'.",
         "Use one of the values the message lists.", "路由条件错误"),
    Code("BC808", "error", "Unknown unit",
         "A row names a responsible or supporting unit that 'units' does not declare, or "
         "names the same unit as both.",
         "Declare the unit under 'units', or correct its id.", "单位未定义"),
    Code("BC809", "error", "Unknown contact cadence",
         "A row names a cadence that the contacts section does not declare (or the ruleset "
         "has no contacts section), or asks for one route per line without lines.",
         "Declare the cadence under 'contacts: cadences:', or correct its id.",
         "联系频次未定义"),
    # -- BC86x-BC87x: contact cadence (D-20) -------------------------------------------------
    Code("BC861", "error", "Unknown contact role",
         "A cadence or an occasion names a role (by:) that is not declared under "
         "contacts.roles, so nobody could be held to it.",
         "Declare the role under contacts.roles, or correct its spelling.", "联系角色未定义"),
    Code("BC862", "error", "Period not understood",
         "A period (every:, due_soon:) is not a number with days, weeks, months or years, "
         "nor one of 每月, 每季度, 每半年, 每年; or it is 0 or absurdly long.",
         "Write it like '1 month', '3 months', '2 weeks', '10 days' or 每季度.",
         "周期无法识别"),
    Code("BC863", "error", "Unknown kind of contact",
         "A requirement counts only contacts of a kind (kind:) that is not declared under "
         "contacts.kinds, so no contact record could ever satisfy it.",
         "Declare the kind under contacts.kinds, or correct its spelling.", "联系方式未定义"),
    Code("BC864", "error", "Cadence requires no contact",
         "A cadence lists no contacts: every client routed to it would never be due.",
         "List at least one contact (by: and every:), or remove the cadence.",
         "联系频次未列出任何联系要求"),
    Code("BC865", "error", "Role twice in one cadence",
         "A cadence has two requirements for the same role and kind of contact; it is unclear "
         "which period applies.", "Keep one requirement per role and kind.",
         "同一角色在联系频次中重复"),
    Code("BC866", "error", "No cadences",
         "The contacts section declares no cadence, so no client can be assigned one.",
         "Declare at least one cadence under contacts.cadences.", "未定义联系频次"),
    Code("BC870", "info", "Contact role not used",
         "A role is declared under contacts.roles but no cadence or occasion uses it.",
         "Use it in a cadence, or remove it.", "联系角色未被使用"),
    Code("BC871", "warning", "Due-soon window as long as a period",
         "The due-soon window is at least as long as a cadence's period, so those contacts "
         "are listed as due soon the day after they are made.",
         "Make due_soon shorter than the shortest period.", "即将到期提示期过长"),
    # -- BC831-BC849: ownership (registration, escalation, permission levels) ----------------
    Code("BC831", "error", "Escalation names an unknown unit",
         "The ownership section's escalation names a unit (or a centre) that the routing "
         "section does not declare, so a dispute could be sent to nobody (D-17).",
         "Spell the unit as routing declares it, or declare the unit there.",
         "上报裁决中的单位未声明"),
    Code("BC832", "error", "Unit escalates to itself",
         "A disputed registration goes to the next-higher big-client centre for a ruling "
         "(上报上一级大客户中心裁决, D-17); a unit that escalates to itself would rule on its "
         "own dispute.",
         "Name the centre above the unit, or remove the line for the top centre.",
         "单位上报给自身"),
    Code("BC833", "error", "Escalation goes round in a circle",
         "Following the escalation from one unit to the next comes back to where it started, "
         "so a dispute never reaches a centre that rules it (D-17).",
         "Make the chain end at a top centre (for example the provincial centre) that "
         "escalates to no one.", "上报裁决形成循环"),
    Code("BC834", "error", "Lapse without a protection period",
         "'lapse: unsigned' says an unsigned registration lapses when its protection ends, "
         "but protection is 'none', so it would never end.",
         "Give 'protection' a period such as '90 days', or remove 'lapse'.",
         "未设保护期却设置到期失效"),
    Code("BC835", "info", "Protection period without lapse",
         "A protection period is declared but 'lapse' is not 'unsigned': registrations never "
         "lapse, so the period is only shown to staff and changes no owner. The seeds name "
         "time-limited protection (营销权限期保护) but do not say what happens when it ends.",
         "Add 'lapse: unsigned' if an unsigned registration should lapse when protection "
         "ends; otherwise this note can be ignored.", "保护期不影响归属"),
    Code("BC836", "warning", "Fewer than two permission levels",
         "A change of a client's manager needs approval from a higher permission level "
         "(D-19). With fewer than two levels nobody is above a client manager, so no "
         "reassignment can be approved.",
         "List the permission levels lowest first, e.g. outlet_manager, office, sub_bureau, "
         "enterprise.", "权限级别少于两级"),
    # -- BC901-BC919: incentives (pay, hold-backs, points, grades, projects, competitions) ----
    Code("BC901", "error", "Amount table keyed by a field that is not an enum",
         "An amount given 'by' a field (e.g. the hold-back by employment, D-21) must name an "
         "enum field of the employee, so that every possible value has an amount.",
         "Name an enum field declared under incentives.employee, or declare it.",
         "金额表所依据的字段不是枚举字段"),
    Code("BC902", "error", "Amount table does not match the field's values",
         "A table of amounts lists a value the field does not have, or leaves one out; an "
         "employee with a missing value would be paid nothing without anyone noticing.",
         "List exactly the field's values, with 0 where nothing is paid.",
         "金额表与字段取值不一致"),
    Code("BC903", "error", "Floor above cap",
         "A component's floor is above its cap, so no amount could satisfy both.",
         "Lower the floor or raise the cap.", "保底高于封顶"),
    Code("BC904", "error", "Commission brackets out of order",
         "Brackets are read lowest first; each must start above the one before.",
         "Sort the brackets by 'from', lowest first, without repeats.", "提成档次顺序错误"),
    Code("BC905", "error", "Hold-back steps out of order or share out of range",
         "Hold-back steps are read highest score first, and each pays a share between 0% and "
         "100% of the amount withheld (D-21).",
         "List steps from the highest score down, with shares between 0% and 100%.",
         "切块兑现档次错误"),
    Code("BC906", "error", "Name declared twice",
         "The same name is an employee field, a measure or a project field more than once; "
         "an expression could not tell which is meant.",
         "Rename one of them.", "名称重复声明"),
    Code("BC907", "error", "Grade ladder does not match the grade field",
         "The grade ladder (D-22) must name an enum field of the employee and list each of "
         "its values once, lowest grade first.",
         "List every value of the grade field once in 'order'.", "等级序列与等级字段不一致"),
    Code("BC908", "error", "Point scheme reads an unknown measure",
         "The star point scheme (D-23) earns points from measures; each must be declared.",
         "Declare the measure under incentives.measures or fix its spelling.",
         "积分规则引用了未声明的指标"),
    Code("BC909", "error", "Award levels out of order",
         "Award levels (D-23) are listed lowest first: each needs more points than the one "
         "before and pays no less; the quarterly advance is a share between 0% and 100%.",
         "Sort the levels by points, lowest first, with non-decreasing awards.",
         "奖励档次顺序错误"),
    Code("BC910", "error", "Id used twice",
         "Two components (or competitions) share an id; payslips and cases name them by id.",
         "Give each a different id.", "编号重复"),
    Code("BC911", "error", "Prize place listed twice",
         "A competition (D-25) lists the same prize place twice.",
         "Give each place one prize.", "奖项名次重复"),
    Code("BC912", "info", "Measure read by no rule",
         "A measure is declared but no component, point scheme, grade rule or project award "
         "reads it; a payroll file would carry it for nothing.",
         "Use it in a rule, or remove it.", "指标未被任何规则使用"),
    # -- BC950-BC969: discounts (concessions and the body that approves them, D-28) -------
    Code("BC950", "error", "Concession line is not a product line",
         "The discounts section lists a line a concession may cover that the ruleset's "
         "'lines:' does not declare, so no request could name it as the ruleset spells lines.",
         "Spell the line as 'lines:' declares it, or declare it there.",
         "优惠适用业务种类未声明"),
    Code("BC951", "error", "Concession lines listed twice or empty",
         "A line is listed twice under 'discounts: lines', or the list is empty, so no "
         "concession could ever be approved.",
         "List each line once; remove 'lines' to let concessions cover every line.",
         "优惠适用业务种类重复或为空"),
    Code("BC952", "error", "Concession ratio limit out of range",
         "The largest concession as a ratio must be more than 0 and at most 100% of the "
         "tariff.", "Write the limit like 15%.", "优惠比例上限超出范围"),
    Code("BC953", "error", "Concession amount limit not above zero",
         "The largest concession as an amount of money must be above 0; 0 would refuse "
         "every concession given as money.",
         "Write the limit like 5万, or remove 'amount'.", "优惠金额上限不大于零"),
    Code("BC954", "info", "No concession limit",
         "The discounts section names the approving body but no limit: any concession it "
         "approves is valid, however large. Seed 004 gives no limit, so this may be right.",
         "Add 'limit: {ratio: 15%}' (or an amount) if the body's power is limited.",
         "未设优惠上限"),
    Code("BC955", "info", "Concession limit of one kind only",
         "The limit is declared as a ratio only (or as an amount only). A concession stated "
         "the other way cannot be checked against it and is refused (reason "
         "'unchecked_kind').",
         "Declare the other limit too if both kinds of concession are given.",
         "优惠上限只设一种"),
    Code("BC956", "info", "Any client may be given a concession",
         "Neither 'filed_only' nor 'eligible' is declared, so a concession may be approved "
         "for any client. Seed 004 speaks of the concessions of filed big clients "
         "(建档大客户).",
         "Add 'filed_only: true', or an 'eligible' rule over the inputs.",
         "未限定可享受优惠的客户"),
    # -- BC920-BC939: assessment scorecards (D-26, D-27) ------------------------------------
    Code("BC920", "error", "Scorecard item has no clear form",
         "Each item of a scorecard part takes one of three forms: 'points: <expression>' "
         "(points added, e.g. a KPI indicator), 'per: <count>' with 'points: -2' (each "
         "occurrence counts -2, D-26), or 'weight: 30' with 'attainment: <expression>' "
         "(weight × the ratio attained, D-27). This item gives none of them, or mixes them.",
         "Keep the keys of one form and remove the others.", "考核项目形式不明确"),
    Code("BC921", "error", "Points per occurrence must be a fixed number",
         "With 'per', 'points' is the number of points each occurrence adds or deducts "
         "(一次扣2分 is points: -2); an expression there cannot be read.",
         "Write a number such as -2; put anything that varies into the 'per' count.",
         "每次扣分必须是固定分值"),
    Code("BC922", "error", "Part range is not [min, max]",
         "A part's points are clamped into its range [min, max]; here the first number is "
         "above the second.", "Write the range lowest first, e.g. [0, 40].",
         "考核部分的分值区间错误"),
    Code("BC923", "error", "Two grades start at the same total",
         "Grades are bands of the total with inclusive lower bounds; two grades with the same "
         "lower bound leave one of them unreachable.",
         "Give each grade its own 'from'.", "两个等级的起点相同"),
    Code("BC924", "error", "Item's min is above its max",
         "An item's points are held between its 'min' and 'max'; a min above the max cannot "
         "hold.", "Swap or correct the two bounds.", "考核项目下限高于上限"),
    Code("BC925", "error", "Scorecard fact cannot be used",
         "A fact's default does not fit its own type or bounds, a per-line fact is declared "
         "in a ruleset without lines, or an identity column is also declared as a fact.",
         "Correct the default, declare the ruleset's lines, or keep the name in one place.",
         "考核事实项无法使用"),
    Code("BC926", "error", "Item id used twice in a scorecard",
         "Results and cases name a scorecard's items by id alone (items: {meetings: -4}), so "
         "an item id may appear only once in the whole scorecard, across its parts.",
         "Give each item of the scorecard its own id.", "考核项目编号重复"),
    Code("BC927", "error", "Scorecard part has no items",
         "A part with no items always scores its start, clamped into its range; that is "
         "almost certainly an unfinished part.",
         "List the items that add or deduct points, or remove the part.", "考核部分没有项目"),
    Code("BC928", "error", "Weight is not positive",
         "A weighted item gives weight × attainment; a weight of 0 or less gives nothing or "
         "takes points away, which a weighted scorecard never means.",
         "Give the weight its points, e.g. 30; deduct with a 'per' item instead.",
         "权重必须大于零"),
    Code("BC930", "warning", "Part ranges do not add up to full marks",
         "The scorecard declares its full marks ('max', e.g. 100) but the highest points of "
         "its parts add up to something else (e.g. KPI 60 + GS 30 = 90): a part's range or "
         "the full marks is mistyped.",
         "Correct a part's range or the scorecard's max.", "各部分分值之和不等于满分"),
    Code("BC931", "warning", "Item bound can never be reached",
         "From the facts' declared min and max, the item's points can never come down to "
         "its 'min' or up to its 'max', so the bound is dead text and probably a typo (e.g. "
         "max 30 on an item that gives at most 20).",
         "Correct the bound or the item's expression, or the facts' min/max.",
         "考核项目上下限无法达到"),
    Code("BC932", "warning", "Item is worth more than its part holds",
         "The item can add (or deduct) more points than the whole range of its part, so "
         "some of its points can never count.",
         "Give the item a max (or min), or widen the part's range.",
         "考核项目分值超过所在部分"),
    Code("BC933", "warning", "Weights do not add up to the part's maximum",
         "The weights of the weighted items of a part should add up to the part's maximum "
         "(less its start): full attainment everywhere then gives full marks.",
         "Correct a weight or the part's range.", "权重之和不等于该部分满分"),
    Code("BC934", "warning", "Grades leave totals without a grade",
         "The lowest grade starts above the lowest possible total, so some totals get no "
         "grade; or a grade starts above the highest possible total, so nobody reaches it.",
         "Let the lowest grade start at the lowest total (often 0); correct the grade's "
         "'from'.", "等级未覆盖全部总分"),
    Code("BC935", "warning", "Part starts outside its range",
         "A part's 'start' (the points before any item) lies outside its range, so the part "
         "is clamped even when no item applies.",
         "Move the start into the range, e.g. start: 40 for range [0, 40].",
         "考核部分基础分超出区间"),
)
