/* SVG charts drawn here (no library, no CDN): every title, axis, legend and tooltip comes from i18n.js. */
"use strict";
const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#1f6feb", "#d1495b", "#2e9d5b", "#8e44ad", "#e67e22", "#16a2b8", "#7f8c8d", "#b8860b"];
const W = 640, H = 300, M = { l: 64, r: 16, t: 56, b: 44 };

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function showTip(evt, text) {
  const tip = document.getElementById("tooltip");
  tip.textContent = text;
  tip.hidden = false;
  tip.style.left = `${evt.clientX + 12}px`;
  tip.style.top = `${evt.clientY + 12}px`;
}

function hideTip() { document.getElementById("tooltip").hidden = true; }

function withTip(node, text) {
  node.addEventListener("mouseenter", (evt) => showTip(evt, text));
  node.addEventListener("mousemove", (evt) => showTip(evt, text));
  node.addEventListener("mouseleave", hideTip);
  node.appendChild(el("title", {}, text));  // also read by screen readers
  return node;
}

function frame(id, title, yLabel, xLabel) {
  const svg = el("svg", { class: "chart", id, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  svg.appendChild(el("text", { class: "title", x: M.l, y: 18 }, title));
  svg.appendChild(el("text", { x: 14, y: M.t + (H - M.t - M.b) / 2, transform: `rotate(-90 14 ${M.t + (H - M.t - M.b) / 2})`, "text-anchor": "middle" }, yLabel));
  svg.appendChild(el("text", { x: M.l + (W - M.l - M.r) / 2, y: H - 6, "text-anchor": "middle" }, xLabel));
  return svg;
}

function yAxis(svg, max, fmt) {
  const plotH = H - M.t - M.b;
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4, y = M.t + plotH - (plotH * k) / 4;
    svg.appendChild(el("line", { class: "grid-line", x1: M.l, x2: W - M.r, y1: y, y2: y }));
    svg.appendChild(el("text", { x: M.l - 6, y: y + 4, "text-anchor": "end" }, fmt(v)));
  }
  return (v) => M.t + plotH - (plotH * v) / (max || 1);
}

function xBands(svg, labels) {
  const plotW = W - M.l - M.r, step = plotW / Math.max(1, labels.length);
  const every = Math.ceil(labels.length / 12);
  labels.forEach((label, i) => {
    if (i % every === 0) svg.appendChild(el("text", { x: M.l + step * (i + 0.5), y: H - M.b + 16, "text-anchor": "middle" }, label));
  });
  svg.appendChild(el("line", { class: "axis", x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
  return { x: (i) => M.l + step * (i + 0.5), step };
}

function legend(svg, names) {
  let x = M.l;
  names.forEach((name, i) => {
    svg.appendChild(el("rect", { x, y: 28, width: 10, height: 10, fill: PALETTE[i % PALETTE.length] }));
    const label = el("text", { x: x + 14, y: 37 }, name);
    svg.appendChild(label);
    x += 24 + name.length * (LANG === "zh" ? 12 : 6.5);
  });
}

/* Marked months (a shock): a shaded band with its label, on the band of that month. */
function marks(svg, labels, bands, events) {
  for (const e of events) {
    const i = labels.indexOf(e.month);
    if (i < 0) continue;
    const band = el("rect", { class: "shock", x: bands.x(i) - bands.step / 2, y: M.t, width: bands.step, height: H - M.t - M.b });
    svg.appendChild(withTip(band, `${e.text} — ${t("tip.month", { v: e.month })}`));
    svg.appendChild(el("text", { class: "shock-label", x: bands.x(i), y: M.t - 4, "text-anchor": "middle" }, e.text));
  }
}

/* Lines over labelled x positions; series: [{name, values}] with null gaps; tip(i, s) gives a point's text. */
function lineChart(o) {
  const svg = frame(o.id, o.title, o.yLabel, o.xLabel);
  const all = o.series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const y = yAxis(svg, o.max || Math.max(1e-9, ...all) * 1.1, o.yFormat);
  const bands = xBands(svg, o.labels);
  marks(svg, o.labels, bands, o.events || []);
  legend(svg, o.series.map((s) => s.name));
  o.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = s.values.map((v, i) => (v === null || v === undefined ? null : [bands.x(i), y(v)]));
    const d = pts.reduce((acc, p, i) => (p ? `${acc}${acc && pts[i - 1] ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}` : acc), "");
    svg.appendChild(el("path", { class: "series", d, stroke: color }));
    pts.forEach((p, i) => {
      if (p) svg.appendChild(withTip(el("circle", { class: "dot", cx: p[0], cy: p[1], r: 4.5, fill: color, "data-series": si, "data-index": i }), o.tip(i, s)));
    });
  });
  return svg;
}

/* Stacked (o.stacked) or grouped bars; series: [{name, values}]. */
function barChart(o) {
  const svg = frame(o.id, o.title, o.yLabel, o.xLabel);
  const totals = o.labels.map((_, i) => (o.stacked ? o.series.reduce((a, s) => a + (s.values[i] || 0), 0) : Math.max(...o.series.map((s) => s.values[i] || 0))));
  const y = yAxis(svg, o.max || Math.max(1e-9, ...totals) * 1.1, o.yFormat);
  const bands = xBands(svg, o.labels);
  marks(svg, o.labels, bands, o.events || []);
  legend(svg, o.series.map((s) => s.name));
  const width = o.stacked ? bands.step * 0.6 : (bands.step * 0.8) / o.series.length;
  o.labels.forEach((_, i) => {
    let base = 0;
    o.series.forEach((s, si) => {
      const v = s.values[i] || 0;
      const x = o.stacked ? bands.x(i) - width / 2 : bands.x(i) - (bands.step * 0.8) / 2 + width * si;
      const top = y(base + v), bottom = y(base);
      const rect = el("rect", { class: "bar", x, y: top, width: Math.max(1, width - 1), height: Math.max(0, bottom - top), fill: PALETTE[si % PALETTE.length] });
      if (v > 0) svg.appendChild(withTip(rect, o.tip(i, s)));
      if (o.stacked) base += v;
    });
  });
  return svg;
}

/* A CSV file of rows (arrays) with a header, downloaded without leaving the page (a Blob, no data in a URL). */
function downloadCsv(name, header, rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n");
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
