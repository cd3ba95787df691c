/* The pages. Each renders into <main> from the API with the user's key; a refusal is shown, never hidden. */
"use strict";

function loginPage(main, onLogin) {
  const input = h("input", { id: "key", type: "password", class: "wide", autocomplete: "off", placeholder: "clk_…" });
  const out = h("div", { id: "login-msg" });
  const form = h("form", { id: "login-form", onsubmit: async (evt) => {
    evt.preventDefault();
    saveKey(input.value.trim());
    try {
      const me = await api("GET", "/me");
      input.value = "";
      onLogin(me);
    } catch (err) {
      forgetKey();
      out.replaceChildren(message("error", err.status === 401 ? t("login.bad") : explain(err)));
    }
  } }, [h("label", { for: "key" }, t("login.key")), input, h("p", { class: "muted" }, t("login.help")),
    h("button", { type: "submit", class: "primary", id: "login-submit" }, t("login.submit")), out]);
  main.replaceChildren(h("div", { class: "panel login" }, [h("h1", {}, t("login.title")), form]));
}

function csvButton(name, header, rows, label) {
  return h("button", { type: "button", class: "csv", onclick: () => downloadCsv(name, header, rows()) }, label || t("csv"));
}

async function portfolioPage(main) {
  const doc = await api("GET", "/dashboard/portfolio");
  const events = doc.events.map((e) => ({ month: e.month, text: LANG === "zh" ? e.zh || e.en : e.en || e.zh }));
  const d = doc.delinquency, months = d.map((r) => r.month);
  const rateName = [t("chart.delinq.balance"), t("chart.delinq.count")];
  const delinq = lineChart({
    id: "chart-delinquency", title: t("chart.delinq.title"), yLabel: t("chart.delinq.y"), xLabel: t("chart.month"),
    labels: months, events, yFormat: pct,
    series: [{ name: rateName[0], values: d.map((r) => r.dpd30_balance_rate) }, { name: rateName[1], values: d.map((r) => r.dpd30_count_rate) }],
    tip: (i, s) => [t("tip.month", { v: months[i] }), t("tip.rate", { name: s.name, v: pct(s.values[i]) }),
      t("tip.balance", { v: yuan(d[i].dpd30_minor) }), t("tip.lines", { v: d[i].lines }),
      ...(doc.shock_months.includes(months[i]) ? [t("chart.shock")] : [])].join("\n"),
  });
  const used = ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"].filter((b) => d.some((r) => r.buckets[b] > 0));
  const buckets = barChart({
    id: "chart-buckets", title: t("chart.buckets.title"), yLabel: t("chart.buckets.y"), xLabel: t("chart.month"), labels: months,
    events, stacked: true, yFormat: (v) => Math.round(v).toLocaleString(), series: used.map((b) => ({ name: b, values: d.map((r) => r.buckets[b] / 100) })),
    tip: (i, s) => [t("tip.month", { v: months[i] }), `${s.name}: ${yuan(Math.round(s.values[i] * 100))} ${t("yuan")}`].join("\n"),
  });
  const vintages = [...new Set(doc.vintages.map((r) => r.vintage))];
  const maxMob = Math.max(1, ...doc.vintages.map((r) => r.mob));
  const mobs = Array.from({ length: maxMob }, (_, k) => String(k + 1));
  const vint = lineChart({
    id: "chart-vintages", title: t("chart.vintage.title"), yLabel: t("chart.vintage.y"), xLabel: t("chart.vintage.x"), labels: mobs, yFormat: pct,
    series: vintages.map((v) => ({ name: t("vintage", { v }), vintage: v, values: mobs.map((m) => { const r = doc.vintages.find((x) => x.vintage === v && x.mob === Number(m)); return r ? r.ever30_balance_rate : null; }) })),
    tip: (i, s) => [t("tip.vintage", { v: s.vintage }), t("tip.mob", { v: mobs[i] }), t("tip.rate", { name: t("chart.vintage.y"), v: pct(s.values[i]) })].join("\n"),
  });
  const rollNames = [t("roll.forward"), t("roll.stay"), t("roll.cure")];
  const rolls = barChart({
    id: "chart-rolls", title: t("chart.rolls.title"), yLabel: t("chart.rolls.y"), xLabel: "", labels: doc.rolls.map((r) => r.bucket), max: 1, yFormat: pct,
    series: ["roll_forward_rate", "stay_rate", "cure_rate"].map((k, n) => ({ name: rollNames[n], values: doc.rolls.map((r) => r[k] || 0) })),
    tip: (i, s) => [`${doc.rolls[i].bucket} → ${s.name}: ${pct(s.values[i])}`, t("tip.balance", { v: yuan(doc.rolls[i].balance_minor) })].join("\n"),
  });
  main.replaceChildren(h("h1", {}, t("portfolio.title")), h("div", { class: "grid" }, [
    panel(t("chart.delinq.title"), delinq, [csvButton("delinquency.csv", ["month", "lines", "balance_minor", "dpd30_minor", "dpd30_balance_rate", "dpd30_count_rate", "shock"],
      () => d.map((r) => [r.month, r.lines, r.balance_minor, r.dpd30_minor, r.dpd30_balance_rate, r.dpd30_count_rate, doc.shock_months.includes(r.month) ? 1 : 0]))], "panel-delinquency"),
    panel(t("chart.buckets.title"), buckets, [csvButton("buckets.csv", ["month", ...used.map((b) => `${b}_minor`)], () => d.map((r) => [r.month, ...used.map((b) => r.buckets[b])]))]),
    panel(t("chart.vintage.title"), vint, [csvButton("vintages.csv", ["vintage", "mob", "lines", "ever30_balance_rate", "ever30_count_rate"],
      () => doc.vintages.map((r) => [r.vintage, r.mob, r.lines, r.ever30_balance_rate, r.ever30_count_rate]))]),
    panel(t("chart.rolls.title"), rolls, [csvButton("rolls.csv", ["bucket", "balance_minor", "roll_forward_rate", "stay_rate", "cure_rate"],
      () => doc.rolls.map((r) => [r.bucket, r.balance_minor, r.roll_forward_rate, r.stay_rate, r.cure_rate]))]),
    ...(await eclPanels(events)),
  ]));
}

/* IFRS 9 ECL (GET /portfolio/ecl): EAD and ECL per stage as bars (tooltips with accounts and coverage) and the stage
table; then the stage flows: exposure by stage month by month (the shock marked) and the reporting month's flows. Each
with a CSV. A role without the right, or a book without two month ends, gets a sentence saying so. */
async function eclPanels(events) {
  let doc;
  try {
    doc = await api("GET", "/portfolio/ecl");
  } catch (err) {
    return [panel(t("ecl.title"), message("error", explain(err)), [], "panel-ecl")];
  }
  if (!doc.available) return [panel(t("ecl.title"), empty(t("ecl.unavailable", { why: doc.reason })), [], "panel-ecl")];
  const stages = doc.stages.filter((r) => r.stage !== "total"), total = doc.stages.find((r) => r.stage === "total");
  const names = stages.map((r) => t("ecl.stage", { v: r.stage }));
  const series = [{ name: t("ecl.ead"), key: "ead_minor" }, { name: t("ecl.ecl"), key: "ecl_minor" }]
    .map((s) => ({ ...s, values: stages.map((r) => r[s.key] / 100) }));
  const chart = barChart({
    id: "chart-ecl", title: t("ecl.chart", { on: doc.on }), yLabel: t("chart.buckets.y"), xLabel: "", labels: names,
    yFormat: (v) => Math.round(v).toLocaleString(), series,
    tip: (i, s) => [names[i], `${s.name}: ${yuan(stages[i][s.key])} ${t("yuan")}`, t("tip.lines", { v: stages[i].accounts }),
      t("ecl.tip.coverage", { v: stages[i].coverage === null ? "-" : pct(stages[i].coverage) })].join("\n"),
  });
  const money = (k) => ({ label: t(`ecl.col.${k}`), num: true, value: (r) => yuan(r[k]) });
  const count = { key: "accounts", label: t("ecl.col.accounts"), num: true };
  const stageName = (v, none) => (v === "total" ? t("ecl.total") : v === null ? t(none) : t("ecl.stage", { v }));
  const stageTable = table([{ label: t("ecl.col.stage"), value: (r) => stageName(r.stage) }, count, money("ead_minor"), money("ecl_minor"),
    { label: t("ecl.col.coverage"), num: true, value: (r) => (r.coverage === null ? "-" : pct(r.coverage)) }], [...stages, total], null, "ecl-stages");
  const flows = doc.stage_movements.filter((m) => m.month_end_on === doc.on);
  const flowTable = table([{ label: t("ecl.col.from"), value: (m) => stageName(m.from_stage, "ecl.new") },
    { label: t("ecl.col.to"), value: (m) => stageName(m.to_stage, "ecl.gone") }, count, money("exposure_minor")], flows, null, "ecl-flows");
  const months = doc.month_ends.slice(1).map((d) => d.slice(0, 7));
  const onBook = (m, s) => doc.stage_movements.filter((x) => x.month_end_on.slice(0, 7) === m && x.to_stage === s).reduce((a, x) => a + x.exposure_minor, 0);
  const mix = barChart({
    id: "chart-stage-mix", title: t("ecl.mix"), yLabel: t("chart.buckets.y"), xLabel: t("chart.month"), labels: months, events, stacked: true,
    yFormat: (v) => Math.round(v).toLocaleString(), series: [1, 2, 3].map((s) => ({ name: t("ecl.stage", { v: s }), values: months.map((m) => onBook(m, s) / 100) })),
    tip: (i, s) => [t("tip.month", { v: months[i] }), `${s.name}: ${yuan(Math.round(s.values[i] * 100))} ${t("yuan")}`].join("\n"),
  });
  return [
    panel(t("ecl.title"), [chart, stageTable, h("p", { class: "muted" }, t("ecl.note", { v: doc.parameters.version, lgd: doc.parameters.lgd_version }))], [
      csvButton("ecl_by_stage.csv", ["on", "stage", "accounts", "ead_minor", "ecl_minor", "coverage"],
        () => doc.stages.map((r) => [doc.on, r.stage, r.accounts, r.ead_minor, r.ecl_minor, r.coverage]))], "panel-ecl"),
    panel(t("ecl.flows.title"), [mix, h("h2", {}, t("ecl.flows", { on: doc.on })), flowTable], [
      csvButton("stage_flows.csv", ["month_end_on", "from_stage", "to_stage", "accounts", "exposure_minor"],
        () => doc.stage_movements.map((m) => [m.month_end_on, m.from_stage ?? "new", m.to_stage ?? "gone", m.accounts, m.exposure_minor]))], "panel-stage-flows"),
  ];
}

async function alertsPage(main, alertId) {
  const doc = await api("GET", "/alerts?limit=200");
  const detail = h("div", { id: "alert-detail" });
  const cols = [
    { key: "alert_id", label: t("col.alert") }, { key: "line_id", label: t("col.line") }, { key: "rule_id", label: t("col.rule") },
    { key: "raised_on", label: t("col.raised") }, { label: t("col.severity"), value: (r) => h("span", { class: `badge ${r.severity}` }, pick(STATUS_TEXT, r.severity)) },
    { label: t("col.reasons"), value: (r) => r.reasons.join(", ") }, { label: t("col.status"), value: (r) => pick(STATUS_TEXT, r.status) },
    { label: t("col.score"), num: true, value: (r) => (r.score === null ? "" : pct(r.score)) },
  ];
  const drill = async (row) => {
    location.hash = `#/alerts/${encodeURIComponent(row.alert_id)}`;
    const line = await api("GET", `/lines/${encodeURIComponent(row.line_id)}`);
    detail.replaceChildren(panel(`${t("drill.title")}: ${row.alert_id}`, [
      table([{ key: "k", label: "" }, { key: "v", label: "" }], [
        { k: t("col.line"), v: row.line_id }, { k: t("col.rule"), v: `${row.rule_id} (${row.rule_set_id}@${row.rule_set_version})` },
        { k: t("col.reasons"), v: row.reasons.join(", ") }, { k: "features", v: JSON.stringify(row.features) },
        { k: t("col.balance"), v: `${yuan(line.principal_minor + line.fee_minor + line.penalty_minor)} ${t("yuan")}` },
        { k: t("col.dpd"), v: line.dpd }, { k: t("col.bucket"), v: line.bucket }, { k: t("col.limit"), v: yuan(line.limit_minor) },
      ]),
      h("p", {}, h("a", { href: `#/customer/${encodeURIComponent(line.customer_id)}`, id: "to-customer" }, `${t("drill.customer")} → ${line.customer_id}`)),
    ], [], "panel-alert-detail"));
  };
  main.replaceChildren(h("h1", {}, t("alerts.title")),
    doc.items.length ? panel(t("alerts.title"), table(cols, doc.items, drill, "alerts-table")) : empty(t("alerts.empty")), detail);
  const chosen = doc.items.find((r) => r.alert_id === alertId);
  if (chosen) await drill(chosen);
}

async function customerPage(main, customerId) {
  const input = h("input", { id: "customer-id", value: customerId || "", placeholder: "C-…" });
  const go = h("form", { class: "form-row", onsubmit: (evt) => { evt.preventDefault(); location.hash = `#/customer/${encodeURIComponent(input.value.trim())}`; } },
    [h("div", {}, [h("label", { for: "customer-id" }, t("customer.id")), input]), h("button", { type: "submit" }, t("customer.open"))]);
  main.replaceChildren(h("h1", {}, t("customer.title")), panel(t("customer.id"), go));
  if (!customerId) return;
  const doc = await api("GET", `/dashboard/customers/${encodeURIComponent(customerId)}`);
  for (const entry of doc.lines) main.appendChild(linePanel(entry));
}

function linePanel(e) {
  const l = e.line;
  const none = () => h("p", { class: "muted" }, t("none"));
  const section = (title, rows, cols) => [h("h2", {}, title), rows.length ? table(cols, rows) : none()];
  return panel(`${t("col.line")} ${l.line_id} · ${l.status} · ${l.bucket}`, [
    table([{ key: "k", label: "" }, { key: "v", label: "", num: true }], [
      { k: t("col.limit"), v: yuan(l.limit_minor) }, { k: t("col.otb"), v: yuan(l.open_to_buy_minor) },
      { k: t("col.balance"), v: yuan(l.principal_minor + l.fee_minor + l.penalty_minor) }, { k: t("col.dpd"), v: l.dpd },
    ]),
    ...section(t("customer.schedule"), l.schedule, [{ key: "due_on", label: t("col.due") }, { label: t("col.principal"), num: true, value: (r) => yuan(r.principal_minor) },
      { label: t("col.fee"), num: true, value: (r) => yuan(r.fee_minor) }, { label: t("col.paid"), num: true, value: (r) => yuan(r.paid_minor) }]),
    h("h2", {}, t("customer.timeline")),
    h("ul", { class: "timeline", id: `timeline-${l.line_id}` }, timeline(e).map(([on, text]) => h("li", {}, `${on}  ${text}`))),
    ...section(t("customer.alerts"), e.alerts, [{ key: "alert_id", label: t("col.alert") }, { key: "raised_on", label: t("col.raised") }, { label: t("col.status"), value: (r) => pick(STATUS_TEXT, r.status) }]),
    ...section(t("customer.hardship"), e.hardship_requests, [{ key: "request_id", label: t("col.request") }, { key: "category", label: t("col.category") }, { key: "requested_on", label: t("col.on") }]),
    ...section(t("customer.plans"), e.plans, [{ key: "option_id", label: t("col.option") }, { label: t("col.kind"), value: (r) => pick(KIND_TEXT, r.kind) },
      { label: t("col.approved"), value: (r) => pick(ROLE_TEXT, r.approved_by) }, { label: t("col.concession"), num: true, value: (r) => yuan(r.concession_minor) }, { label: t("col.status"), value: (r) => pick(STATUS_TEXT, r.status) }]),
    ...section(t("customer.contacts"), e.contacts, [{ key: "at", label: t("col.at") }, { label: t("col.party"), value: (r) => t(r.party) }, { label: t("col.channel"), value: (r) => t(`channel.${r.channel}`) },
      { label: t("col.result"), value: (r) => (r.allowed ? t(`outcome.${r.outcome}`) : r.codes.map((c) => pick(RULE_TEXT, c)).join("; ")) }]),
  ], [], `line-${l.line_id}`);
}

/* One dated list of what happened on a line: purchases and payments, statements, alerts, hardship, contacts. */
function timeline(e) {
  const l = e.line, items = [];
  for (const ev of l.events) items.push([ev.on, `${pick(EVENT_TEXT, ev.kind)} ${ev.amount_minor !== undefined ? `${yuan(ev.amount_minor)} ${t("yuan")}` : ""}`]);
  for (const s of l.statements) items.push([s.statement_on, `${t("tl.statement")} ${yuan(s.total_due_minor)} ${t("yuan")}, ${t("col.due")} ${s.due_on}`]);
  for (const a of e.alerts) items.push([a.raised_on, `${t("customer.alerts")} ${a.alert_id} (${a.severity})`]);
  for (const r of e.hardship_requests) items.push([r.requested_on, `${t("customer.hardship")} ${r.request_id}`]);
  for (const p of e.plans) items.push([p.accepted_on, `${t("customer.plans")} ${p.option_id} (${pick(KIND_TEXT, p.kind)})`]);
  for (const c of e.contacts) items.push([c.local_on, `${t("customer.contacts")} ${t(`channel.${c.channel}`)} — ${c.allowed ? t(`outcome.${c.outcome}`) : t("tl.refused")}`]);
  return items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
