/* Chinese and English text of the dashboard, the charts included. t(key, vars) picks the current language. */
"use strict";
const I18N = {
  zh: {
    brand: "creditloop 风险看板", logout: "退出", switchTo: "English",
    "nav.portfolio": "组合概览", "nav.alerts": "预警队列", "nav.customer": "客户360", "nav.hardship": "困难审批",
    "nav.collections": "催收工作台",
    "login.title": "登录", "login.key": "API 密钥", "login.help": "输入管理员发放的 API 密钥（clk_…）。密钥只保存在本浏览器标签页的会话存储中，不会出现在网址里。",
    "login.submit": "登录", "login.bad": "密钥无效或已吊销。", "who": "角色：{role}",
    "err.forbidden": "您的角色无权执行此操作。", "err.generic": "请求被拒绝：{detail}", "err.network": "无法连接服务器。",
    "portfolio.title": "组合概览", "chart.delinq.title": "按月逾期率（30+，按余额加权）",
    "chart.delinq.y": "30+ 逾期余额占比", "chart.month": "月份", "chart.delinq.balance": "按余额", "chart.delinq.count": "按户数",
    "chart.shock": "冲击", "chart.buckets.title": "按月余额分布（逾期阶段）", "chart.buckets.y": "余额（元）",
    "chart.vintage.title": "账龄曲线：曾 30+ 余额占比", "chart.vintage.x": "账龄（月）", "chart.vintage.y": "曾 30+ 占比",
    "chart.rolls.title": "滚动率（按余额，相邻月末）", "chart.rolls.y": "占该阶段余额", "roll.forward": "恶化",
    "roll.stay": "持平", "roll.cure": "好转", "csv": "下载 CSV", "ecl.title": "按阶段预期信用损失（ECL）",
    "ecl.unavailable": "暂无 ECL：{why}", "ecl.chart": "{on} 按阶段违约风险暴露与预期信用损失", "ecl.stage": "第{v}阶段",
    "ecl.ead": "违约风险暴露（EAD）", "ecl.ecl": "预期信用损失（ECL）", "ecl.total": "合计", "ecl.new": "新增", "ecl.gone": "移出（结清或核销）", "ecl.flows.title": "IFRS 9 阶段迁移", "ecl.mix": "按月各阶段风险暴露",
    "ecl.tip.coverage": "拨备覆盖率：{v}", "ecl.col.stage": "阶段", "ecl.col.accounts": "账户数", "ecl.col.ead_minor": "EAD（元）", "ecl.col.ecl_minor": "ECL（元）",
    "ecl.col.coverage": "覆盖率", "ecl.col.from": "期初阶段", "ecl.col.to": "期末阶段", "ecl.col.exposure_minor": "风险暴露（元）",
    "ecl.flows": "{on} 阶段迁移（与上月末相比）", "ecl.note": "IFRS 9：第一阶段 12 个月 ECL，第二、三阶段整个存续期；参数 {v}，LGD {lgd}。",
    "tip.month": "月份：{v}", "tip.rate": "{name}：{v}", "tip.balance": "余额：{v} 元", "tip.lines": "账户数：{v}",
    "tip.vintage": "放款月：{v}", "tip.mob": "账龄：{v} 个月", "vintage": "放款月 {v}",
    "alerts.title": "预警队列", "alerts.empty": "没有未关闭的预警。", "col.alert": "预警", "col.line": "额度账户",
    "col.rule": "规则", "col.raised": "触发日期", "col.severity": "严重度", "col.reasons": "原因", "col.status": "状态",
    "col.score": "行为评分 PD", "drill.title": "预警明细", "drill.customer": "查看客户 360",
    "customer.title": "客户 360", "customer.id": "客户编号", "customer.open": "查看", "customer.lines": "额度账户",
    "col.limit": "额度", "col.balance": "余额", "col.dpd": "逾期天数", "col.bucket": "逾期阶段", "col.otb": "可用额度",
    "customer.schedule": "分期计划", "customer.timeline": "时间线", "customer.alerts": "预警", "customer.hardship": "困难申请",
    "customer.plans": "困难方案", "customer.contacts": "联系记录", "none": "无", "col.due": "到期日",
    "col.principal": "本金", "col.fee": "手续费", "col.paid": "已还", "col.event": "事件", "col.on": "日期",
    "col.request": "申请", "col.category": "原因类别", "col.option": "方案", "col.approved": "审批角色",
    "col.concession": "让步金额", "col.channel": "渠道", "col.party": "对象", "col.at": "时间", "col.result": "结果",
    "hardship.title": "困难审批", "hardship.empty": "没有待审批的困难申请。", "hardship.role": "您的审批身份：{role}",
    "hardship.norole": "您的角色不能审批困难方案。", "hardship.approve": "批准", "hardship.approved": "已批准方案 {option}（{kind}），审批角色：{role}。",
    "col.kind": "方案类型", "col.monthly": "月供", "col.affordable": "可负担", "col.npv": "机构净现值", "col.required": "所需审批角色",
    "col.rank": "排名", "col.text": "说明", "yes": "是", "no": "否",
    "collections.title": "催收工作台", "col.segment": "分群", "col.tier": "优先级", "col.atrisk": "风险金额",
    "collections.case": "催收案件：{line}", "collections.nocase": "此账户尚未建立催收案件。", "collections.record": "记录联系",
    "col.contact": "联系对象", "col.purpose": "目的", "col.outcome": "结果", "collections.ok": "联系已记录（合规）。",
    "collections.refused": "合规规则拒绝了此次联系：", "collections.next": "最早可联系时间：{v}", "debtor": "债务人",
    "third_party": "第三方", "purpose.collect": "催收", "purpose.locate": "寻人（联系债务人）",
    "outcome.connected": "接通", "outcome.unanswered": "未接", "outcome.delivered": "已送达", "outcome.refused": "拒绝",
    "outcome.wrong_party": "非本人", "channel.sms": "短信", "channel.app": "应用推送", "channel.call": "电话", "channel.letter": "信函",
    "loading": "加载中…", "yuan": "元", "tl.statement": "账单：应还", "tl.refused": "被合规规则拒绝",
  },
  en: {
    brand: "creditloop risk dashboard", logout: "Log out", switchTo: "中文",
    "nav.portfolio": "Portfolio", "nav.alerts": "Alert queue", "nav.customer": "Customer 360", "nav.hardship": "Hardship review",
    "nav.collections": "Collections worklist",
    "login.title": "Log in", "login.key": "API key", "login.help": "Enter the API key (clk_…) your administrator issued. It is kept in this browser tab's session storage only, never in a URL.",
    "login.submit": "Log in", "login.bad": "The key is not valid or was revoked.", "who": "Role: {role}",
    "err.forbidden": "Your role may not do this.", "err.generic": "Refused: {detail}", "err.network": "The server cannot be reached.",
    "portfolio.title": "Portfolio overview", "chart.delinq.title": "Delinquency by month (30+, balance-weighted)",
    "chart.delinq.y": "30+ share of the balance", "chart.month": "Month", "chart.delinq.balance": "By balance", "chart.delinq.count": "By count",
    "chart.shock": "Shock", "chart.buckets.title": "Balance by delinquency bucket and month", "chart.buckets.y": "Balance (yuan)",
    "chart.vintage.title": "Vintage curves: ever 30+ share of the balance", "chart.vintage.x": "Months on book", "chart.vintage.y": "Ever 30+ share",
    "chart.rolls.title": "Roll rates (by balance, consecutive month ends)", "chart.rolls.y": "Share of the bucket's balance", "roll.forward": "Roll forward",
    "roll.stay": "Stay", "roll.cure": "Cure", "csv": "Download CSV", "ecl.title": "Expected credit loss (ECL) by stage",
    "ecl.unavailable": "No ECL yet: {why}", "ecl.chart": "Exposure and ECL by stage at {on}", "ecl.stage": "Stage {v}",
    "ecl.ead": "Exposure at default (EAD)", "ecl.ecl": "Expected credit loss (ECL)", "ecl.total": "Total", "ecl.new": "New", "ecl.gone": "Gone (repaid or charged off)", "ecl.flows.title": "IFRS 9 stage flows", "ecl.mix": "Exposure by stage by month",
    "ecl.tip.coverage": "Coverage: {v}", "ecl.col.stage": "Stage", "ecl.col.accounts": "Accounts", "ecl.col.ead_minor": "EAD (yuan)", "ecl.col.ecl_minor": "ECL (yuan)",
    "ecl.col.coverage": "Coverage", "ecl.col.from": "From stage", "ecl.col.to": "To stage", "ecl.col.exposure_minor": "Exposure (yuan)",
    "ecl.flows": "Stage flows at {on} (against the month end before)", "ecl.note": "IFRS 9: 12-month ECL in stage 1, lifetime in stages 2 and 3; parameters {v}, LGD {lgd}.",
    "tip.month": "Month: {v}", "tip.rate": "{name}: {v}", "tip.balance": "Balance: {v} yuan", "tip.lines": "Lines: {v}",
    "tip.vintage": "Vintage: {v}", "tip.mob": "Months on book: {v}", "vintage": "Vintage {v}",
    "alerts.title": "Alert queue", "alerts.empty": "No open alerts.", "col.alert": "Alert", "col.line": "Line",
    "col.rule": "Rule", "col.raised": "Raised on", "col.severity": "Severity", "col.reasons": "Reasons", "col.status": "Status",
    "col.score": "Behaviour PD", "drill.title": "Alert detail", "drill.customer": "Open customer 360",
    "customer.title": "Customer 360", "customer.id": "Customer id", "customer.open": "Open", "customer.lines": "Lines",
    "col.limit": "Limit", "col.balance": "Balance", "col.dpd": "DPD", "col.bucket": "Bucket", "col.otb": "Open to buy",
    "customer.schedule": "Installment schedule", "customer.timeline": "Timeline", "customer.alerts": "Alerts", "customer.hardship": "Hardship requests",
    "customer.plans": "Hardship plans", "customer.contacts": "Contacts", "none": "None", "col.due": "Due on",
    "col.principal": "Principal", "col.fee": "Fee", "col.paid": "Paid", "col.event": "Event", "col.on": "On",
    "col.request": "Request", "col.category": "Category", "col.option": "Option", "col.approved": "Approved by",
    "col.concession": "Concession", "col.channel": "Channel", "col.party": "Party", "col.at": "At", "col.result": "Result",
    "hardship.title": "Hardship review", "hardship.empty": "No hardship request awaits approval.", "hardship.role": "You approve as: {role}",
    "hardship.norole": "Your role approves no hardship option.", "hardship.approve": "Approve", "hardship.approved": "Approved option {option} ({kind}) as {role}.",
    "col.kind": "Kind", "col.monthly": "Monthly payment", "col.affordable": "Affordable", "col.npv": "Lender NPV", "col.required": "Approval needed",
    "col.rank": "Rank", "col.text": "Description", "yes": "yes", "no": "no",
    "collections.title": "Collections worklist", "col.segment": "Segment", "col.tier": "Tier", "col.atrisk": "At risk",
    "collections.case": "Collections case: {line}", "collections.nocase": "No collections case is open for this line.", "collections.record": "Record contact",
    "col.contact": "Contact", "col.purpose": "Purpose", "col.outcome": "Outcome", "collections.ok": "Contact recorded (allowed).",
    "collections.refused": "Refused by the conduct rules:", "collections.next": "Next allowed at: {v}", "debtor": "debtor",
    "third_party": "third party", "purpose.collect": "collect", "purpose.locate": "locate the debtor",
    "outcome.connected": "connected", "outcome.unanswered": "unanswered", "outcome.delivered": "delivered", "outcome.refused": "refused",
    "outcome.wrong_party": "wrong party", "channel.sms": "SMS", "channel.app": "app push", "channel.call": "call", "channel.letter": "letter",
    "loading": "Loading…", "yuan": "yuan", "tl.statement": "Statement: due", "tl.refused": "refused by the conduct rules",
  },
};
// The conduct rules' codes (collections/conduct.py RULES), in both languages.
const RULE_TEXT = {
  "conduct.quiet_hours": ["不在客户当地时间的允许联系时段内（22:00–08:00 禁止，除非事先约定）", "outside the contact hours in the customer's local time (unless a window was agreed)"],
  "conduct.connected_calls_daily_cap": ["今日已达接通电话上限（机构与委外合计）", "the case already had the day's maximum of answered calls (lender and agencies combined)"],
  "conduct.unanswered_calls_daily_cap": ["该联系对象今日未接电话次数已达上限", "the contact already had the day's maximum of unanswered call attempts"],
  "conduct.call_frequency_rolling": ["滚动期内对该联系对象的电话次数已达上限", "the contact already had the maximum of calls within the rolling window of days"],
  "conduct.after_conversation": ["近期已与该联系对象通话", "a telephone conversation with the contact took place within the last days"],
  "conduct.contact_interval": ["距上次催收未满最短间隔", "the debtor was reached within the minimum interval between collections"],
  "conduct.channel_not_allowed": ["该渠道不允许使用", "the channel is not allowed"],
  "conduct.unrelated_third_party": ["不得联系无关第三方", "an unrelated third party may not be contacted"],
  "conduct.third_party_purpose": ["联系第三方只能用于寻找债务人，不得催收", "a third party may be contacted only to locate the debtor, never to collect"],
  "conduct.third_party_disclosure": ["不得向第三方透露欠款", "the debt may not be disclosed to a third party"],
  "conduct.third_party_debtor_reachable": ["债务人仍可联系，不得联系第三方", "the debtor is reachable, so no third party may be contacted"],
  "conduct.dispute_open": ["存在未决争议，暂停催收", "a dispute is open: collection is paused"],
  "conduct.complaint_open": ["存在未决投诉，暂停催收", "a complaint is open: collection is paused"],
  "conduct.contact_refused": ["该联系对象已拒绝再被联系", "the contact refused further contact"],
  "conduct.channel_opt_out": ["客户已退订该渠道", "the customer opted out of this channel"],
};
const KIND_TEXT = {
  term_extension: ["延长期限", "term extension"], reamortise: ["重新分期", "re-amortisation"], fee_reduction: ["减免手续费", "fee reduction"],
  penalty_waiver: ["减免罚息", "penalty waiver"], payment_holiday: ["暂停还款", "payment holiday"], settlement: ["和解结清", "settlement"],
};
// Domain refusals the pages meet (the server's stable codes), in both languages; the server's detail follows.
const CODE_TEXT = {
  concession_exceeds_authority: ["超出审批权限：需要更高级别的审批角色", "past the approving role's authority: a higher role must approve"],
  hardship_plan_already_accepted: ["该申请已批准过方案", "an option of this request was already accepted"],
  hardship_option_unavailable: ["该方案今日不可用", "the option cannot be applied today"],
  not_found: ["找不到该记录", "no such record"],
  read_only_ledger: ["模拟账本只读", "a simulation's ledger is read-only"],
  rate_limited: ["请求过于频繁，请稍后再试", "too many requests; try again shortly"],
};
const STATUS_TEXT = {
  high: ["高", "high"], medium: ["中", "medium"], low: ["低", "low"],
  open: ["未处理", "open"], actioned: ["已处置", "actioned"], closed: ["已关闭", "closed"], active: ["执行中", "active"], broken: ["已违约", "broken"],
};
const SEGMENT_TEXT = {
  current: ["正常", "current"], early: ["早期逾期", "early"], late: ["中期逾期", "late"], recovery: ["回收", "recovery"],
  ewi_referral: ["预警转介", "early-warning referral"], ptp_due: ["承诺还款到期", "promise due"], ptp_broken: ["违背还款承诺", "broken promise"],
};
const EVENT_TEXT = { purchase: ["消费", "purchase"], repay: ["还款", "payment"] };
const ROLE_TEXT = {
  agent: ["坐席", "agent"], team_lead: ["组长", "team lead"], manager: ["经理", "manager"], risk: ["风险部门", "risk"],
  checkout: ["收银渠道", "checkout"], customer: ["客户", "customer"], collector: ["催收员", "collector"], analyst: ["分析师", "analyst"],
  supervisor: ["主管", "supervisor"], auditor: ["审计", "auditor"], admin: ["管理员", "admin"],
};

let LANG = sessionStorage.getItem("creditloop.lang") === "en" ? "en" : "zh";

function setLang(lang) {
  LANG = lang === "en" ? "en" : "zh";
  sessionStorage.setItem("creditloop.lang", LANG);
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
}

function t(key, vars) {
  let text = (I18N[LANG] && I18N[LANG][key]) || I18N.en[key] || key;
  for (const [name, value] of Object.entries(vars || {})) text = text.split(`{${name}}`).join(String(value));
  return text;
}

function pick(table, code) {
  const pair = table[code];
  return pair ? pair[LANG === "zh" ? 0 : 1] : code;
}

function yuan(minor) {
  if (minor === null || minor === undefined) return "";
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const whole = Math.floor(abs / 100).toLocaleString(LANG === "zh" ? "zh-CN" : "en-US");
  return `${sign}${whole}.${String(abs % 100).padStart(2, "0")}`;
}

function pct(ratio) {
  return ratio === null || ratio === undefined ? "–" : `${(ratio * 100).toFixed(1)}%`;
}
