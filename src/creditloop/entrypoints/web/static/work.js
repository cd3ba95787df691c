/* The agents' pages: hardship review and approval, and the collections worklist. */
"use strict";

async function hardshipPage(main, notice) {
  const doc = await api("GET", "/dashboard/hardship/queue?limit=200");
  const role = doc.approval_role;
  const out = h("div", { id: "hardship-msg" }, notice || []);
  const approve = async (req, opt, button) => {
    button.disabled = true;
    try {
      const { plan } = await api("POST", `/hardship/requests/${encodeURIComponent(req.request_id)}/acceptance`, { option_id: opt.option_id });
      await hardshipPage(main, message("ok", t("hardship.approved", { option: plan.option_id, kind: pick(KIND_TEXT, plan.kind), role: pick(ROLE_TEXT, plan.approved_by) }), "hardship-ok"));
    } catch (err) {
      button.disabled = false;
      out.replaceChildren(message("error", explain(err), "hardship-error"));
    }
  };
  const cols = (req) => [
    { key: "rank", label: t("col.rank") }, { key: "option_id", label: t("col.option") }, { label: t("col.kind"), value: (o) => pick(KIND_TEXT, o.kind) },
    { label: t("col.monthly"), num: true, value: (o) => yuan(o.monthly_payment_minor) }, { label: t("col.affordable"), value: (o) => t(o.affordable ? "yes" : "no") },
    { label: t("col.npv"), num: true, value: (o) => yuan(o.npv_minor) }, { label: t("col.concession"), num: true, value: (o) => yuan(o.concession_minor) },
    { label: t("col.required"), value: (o) => pick(ROLE_TEXT, o.required_role || "agent") },
    { label: t("col.text"), value: (o) => (o.text ? o.text[LANG] : "") },
    { label: "", value: (o) => { const b = h("button", { type: "button", class: "primary approve", "data-option": o.option_id, disabled: role ? null : true }, t("hardship.approve")); b.addEventListener("click", () => approve(req, o, b)); return b; } },
  ];
  const panels = doc.items.map((req) => panel(`${t("col.request")} ${req.request_id} · ${req.line_id} · ${req.category}`,
    table(cols(req), req.options.filter((o) => o.available)), [], `request-${req.request_id}`));
  main.replaceChildren(h("h1", {}, t("hardship.title")),
    h("p", { class: "muted", id: "approval-role" }, role ? t("hardship.role", { role: pick(ROLE_TEXT, role) }) : t("hardship.norole")),
    out, ...(panels.length ? panels : [empty(t("hardship.empty"))]));
}

async function collectionsPage(main, lineId) {
  const doc = await api("GET", "/collections/queue?limit=200");
  const detail = h("div", { id: "case-detail" });
  const cols = [
    { key: "line_id", label: t("col.line") }, { label: t("col.segment"), value: (r) => pick(SEGMENT_TEXT, r.segment) }, { key: "tier", label: t("col.tier"), num: true },
    { key: "dpd", label: t("col.dpd"), num: true }, { label: t("col.balance"), num: true, value: (r) => yuan(r.balance_minor) },
    { label: t("col.atrisk"), num: true, value: (r) => yuan(r.at_risk_minor) },
  ];
  main.replaceChildren(h("h1", {}, t("collections.title")), panel(t("collections.title"), table(cols, doc.items, (r) => { location.hash = `#/collections/${encodeURIComponent(r.line_id)}`; }, "queue-table")), detail);
  if (lineId) await casePanel(detail, lineId);
}

async function casePanel(detail, lineId, last) {
  let c;
  try {
    c = await api("GET", `/dashboard/collections/${encodeURIComponent(lineId)}/case`);
  } catch (err) {
    detail.replaceChildren(panel(t("collections.case", { line: lineId }), message("error", err.status === 404 ? t("collections.nocase") : explain(err))));
    return;
  }
  const contacts = [...c.parties.debtor.map((id) => [id, `${t("debtor")} · ${id}`]), ...c.parties.third_party.map((id) => [id, `${t("third_party")} · ${id}`])];
  const at = h("input", { id: "contact-at", type: "datetime-local", value: localNow(c.zone) });
  const out = h("div", { id: "contact-msg" }, last ? last.notice : []);
  const field = (id, label, control) => h("div", {}, [h("label", { for: id }, label), control]);
  const form = h("form", { class: "form-row", id: "contact-form", onsubmit: async (evt) => {
    evt.preventDefault();
    const body = { contact_id: document.getElementById("contact-id").value, channel: document.getElementById("contact-channel").value,
      purpose: document.getElementById("contact-purpose").value, outcome: document.getElementById("contact-outcome").value, at: `${at.value}:00${zoneOffset(c.zone)}` };
    out.replaceChildren();
    let notice;
    try {
      await api("POST", `/collections/cases/${encodeURIComponent(lineId)}/contacts`, body);
      notice = message("ok", t("collections.ok"), "contact-ok");
    } catch (err) {
      const rules = (err.body && err.body.rules) || [];
      notice = rules.length
        ? message("error", [t("collections.refused"), ...rules.map((r) => `• ${pick(RULE_TEXT, r)}`), ...(err.body.next_allowed_at ? [t("collections.next", { v: `${inZone(err.body.next_allowed_at, c.zone)} (${c.zone})` })] : [])].join("\n"), "contact-refused")
        : message("error", explain(err), "contact-error");
      if (!rules.length) { out.replaceChildren(notice); return; }
    }
    await casePanel(detail, lineId, { notice, ...body });  // a refused attempt is recorded too: the log shows it
  } }, [
    field("contact-id", t("col.contact"), select("contact-id", contacts)),
    field("contact-channel", t("col.channel"), select("contact-channel", ["call", "sms", "app", "letter"].map((k) => [k, t(`channel.${k}`)]))),
    field("contact-purpose", t("col.purpose"), select("contact-purpose", ["collect", "locate"].map((k) => [k, t(`purpose.${k}`)]))),
    field("contact-outcome", t("col.outcome"), select("contact-outcome", ["connected", "unanswered", "delivered", "refused", "wrong_party"].map((k) => [k, t(`outcome.${k}`)]))),
    field("contact-at", `${t("col.at")} (${c.zone})`, at), h("button", { type: "submit", class: "primary", id: "contact-submit" }, t("collections.record")),
  ]);
  const log = c.contacts.length ? table([{ key: "at", label: t("col.at") }, { label: t("col.party"), value: (r) => t(r.party) }, { label: t("col.channel"), value: (r) => t(`channel.${r.channel}`) },
    { label: t("col.result"), value: (r) => h("span", { class: `badge ${r.allowed ? "allowed" : "refused"}` }, r.allowed ? t(`outcome.${r.outcome}`) : r.codes.map((code) => pick(RULE_TEXT, code)).join("; ")) }], c.contacts)
    : h("p", { class: "muted" }, t("none"));
  detail.replaceChildren(panel(t("collections.case", { line: lineId }), [form, out, h("h2", {}, t("customer.contacts")), log], [], "panel-case"));
  if (last) {  // keep what the user chose
    for (const [id, key] of [["contact-id", "contact_id"], ["contact-channel", "channel"], ["contact-purpose", "purpose"], ["contact-outcome", "outcome"]]) document.getElementById(id).value = last[key];
    at.value = last.at.slice(0, 16);
  }
}

/* An instant as YYYY-MM-DD HH:MM in the customer's zone. */
function inZone(instant, zone) {
  try {
    return new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .format(new Date(instant));
  } catch (err) { return String(instant); }
}

/* Now in the customer's zone, as a datetime-local value (YYYY-MM-DDTHH:MM). */
function localNow(zone) { return inZone(Date.now(), zone).replace(" ", "T"); }

/* The case's zone offset at this moment (the time typed is the customer's local time). China has no DST. */
function zoneOffset(zone) {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(new Date());
    const name = (parts.find((p) => p.type === "timeZoneName") || {}).value || "GMT";
    const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
    return m ? `${m[1]}:${m[2] || "00"}` : "+00:00";
  } catch (err) { return "+00:00"; }
}
