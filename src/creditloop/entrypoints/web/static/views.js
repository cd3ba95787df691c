/* Small DOM helpers: elements, tables, panels and messages (text always set as text, never as HTML). */
"use strict";

function h(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick" || k === "onsubmit" || k === "onchange") node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of [].concat(children === undefined ? [] : children)) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/* columns: [{key|value(row), label, num}]; rows: objects; onRow(row) makes rows clickable (drill-down). */
function table(columns, rows, onRow, id) {
  const head = h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : null }, c.label)));
  const body = rows.map((row) => {
    const tr = h("tr", { class: onRow ? "clickable" : null, "data-id": row.alert_id || row.request_id || row.line_id || null },
      columns.map((c) => {
        const v = c.value ? c.value(row) : row[c.key];
        return h("td", { class: c.num ? "num" : null }, v instanceof Node ? v : v === null || v === undefined ? "" : String(v));
      }));
    if (onRow) tr.addEventListener("click", () => onRow(row));
    return tr;
  });
  return h("table", { id }, [h("thead", {}, head), h("tbody", {}, body)]);
}

function panel(title, content, actions, id) {
  return h("section", { class: "panel", id }, [h("div", { class: "panel-head" }, [h("h2", {}, title), ...(actions || [])]), ...[].concat(content)]);
}

function message(kind, text, id) {
  return h("div", { class: `msg ${kind}`, id, role: kind === "error" ? "alert" : "status" }, text);
}

function empty(text) { return h("p", { class: "placeholder" }, text); }

function select(id, options) {
  return h("select", { id }, options.map(([value, label]) => h("option", { value }, label)));
}
