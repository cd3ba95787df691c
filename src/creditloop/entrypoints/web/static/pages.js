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

function csvButton(name, header, rows) {
  return h("button", { type: "button", class: "csv", onclick: () => downloadCsv(name, header, rows()) }, t("csv"));
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
    await eclPanel(),
  ]));
}

/* ECL by stage once the API has an endpoint for it (found in the OpenAPI document); a placeholder until then. */
async function eclPanel() {
  try {
    const spec = await (await fetch("/api/v1/openapi.json", { credentials: "omit" })).json();
    const path = Object.keys(spec.paths).find((p) => /ecl/i.test(p) && spec.paths[p].get && !p.includes("{"));
    if (path) {
      const doc = await api("GET", path.replace(/^\/api\/v1/, ""));
      const rows = Array.isArray(doc) ? doc : doc.stages || doc.items || [];
      if (rows.length && typeof rows[0] === "object") {
        const cols = Object.keys(rows[0]).map((k) => ({ key: k, label: k, num: typeof rows[0][k] === "number" }));
        return panel(t("ecl.title"), table(cols, rows), [], "panel-ecl");
      }
    }
  } catch (err) { /* no endpoint yet, or not for this role: the placeholder says so */ }
  return panel(t("ecl.title"), empty(t("ecl.placeholder")), [], "panel-ecl");
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
