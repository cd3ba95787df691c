/* The API client: the same /api/v1 with the user's key, kept in sessionStorage (never in a URL or a cookie). */
"use strict";
const KEY_SLOT = "creditloop.key";

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

function apiKey() { return sessionStorage.getItem(KEY_SLOT); }
function saveKey(key) { sessionStorage.setItem(KEY_SLOT, key); }
function forgetKey() { sessionStorage.removeItem(KEY_SLOT); }

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${apiKey() || ""}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit", cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, { detail: t("err.network") });
  }
  const text = await res.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch (err) { doc = { detail: text }; }
  if (!res.ok) throw new ApiError(res.status, doc);
  return doc;
}

/* A refusal as the user reads it: the conduct rules and 403s in the current language, else the server's detail. */
function explain(err) {
  if (!(err instanceof ApiError)) return t("err.generic", { detail: String(err) });
  if (err.status === 403) return t("err.forbidden");
  if (err.status === 0) return err.message;
  const code = err.body.code || String(err.status);
  const known = CODE_TEXT[code] ? `${pick(CODE_TEXT, code)} (${code})` : code;
  return t("err.generic", { detail: `${known} — ${err.body.detail || ""}` });
}
