/* The shell: log-in state, the language switch, navigation by the URL's fragment (no key or data in it). */
"use strict";
let ME = null;
let SEQ = 0;  // the latest navigation: a slower, older page never replaces a newer one

function translateStatic() {
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.getAttribute("data-i18n")); });
  document.getElementById("lang").textContent = t("switchTo");
  document.getElementById("who").textContent = ME ? t("who", { role: pick(ROLE_TEXT, ME.role) }) : "";
  document.title = t("brand");
}

function landing(role) {
  return { collector: "#/collections", customer: "#/customer" }[role] || (role === "analyst" || role === "auditor" || role === "supervisor" || role === "admin" ? "#/portfolio" : "#/alerts");
}

async function route() {
  const seq = ++SEQ;
  const main = document.getElementById("main");
  hideTip();
  translateStatic();
  if (!ME) {
    document.getElementById("nav").hidden = true;
    document.getElementById("logout").hidden = true;
    loginPage(main, (me) => { ME = me; location.hash = landing(me.role); route(); });
    return;
  }
  document.getElementById("nav").hidden = false;
  document.getElementById("logout").hidden = false;
  const [page, arg] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#/${page}`));
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  const pages = { portfolio: portfolioPage, alerts: alertsPage, customer: customerPage, hardship: hardshipPage, collections: collectionsPage };
  const view = h("div", { id: "view" });
  try {
    await (pages[page] || portfolioPage)(view, arg);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { logout(); return; }
    view.replaceChildren(message("error", explain(err), "page-error"));
  }
  if (seq === SEQ) main.replaceChildren(view);
}

function logout() {
  forgetKey();
  ME = null;
  location.hash = "";
  route();
}

async function start() {
  setLang(LANG);
  document.getElementById("lang").addEventListener("click", () => { setLang(LANG === "zh" ? "en" : "zh"); route(); });
  document.getElementById("logout").addEventListener("click", logout);
  window.addEventListener("hashchange", () => { if (ME) route(); });
  if (apiKey()) {
    try { ME = await api("GET", "/me"); } catch (err) { forgetKey(); }
  }
  route();
}

document.addEventListener("DOMContentLoaded", start);
