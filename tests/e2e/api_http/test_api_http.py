"""The API as a client meets it: idempotency, ETags, pagination, problem documents, headers, limits, own data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from creditloop.app.views import journal_rows, verify_journal
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import Api, make_api

V1 = "/api/v1"


def _etag(api: Api, line: str = "L-DEMO-2") -> str:
    return str(api.client.get(f"{V1}/lines/{line}", headers=api.auth("admin")).headers["etag"])


def _postings(api: Api, entry_prefix: str) -> int:
    return sum(1 for row in api.be.read(journal_rows) if entry_prefix in row["entry_id"])


def test_a_retry_with_the_same_key_and_body_returns_the_same_result_once(api: Api) -> None:
    url = f"{V1}/lines/L-DEMO-2/payments"
    headers = api.auth("checkout", **{"Idempotency-Key": "pay-retry-1", "If-Match": _etag(api)})
    first = api.client.post(url, json={"amount_minor": 12_345}, headers=headers)
    assert first.status_code == 201, first.text
    postings = _postings(api, "pay-retry-1")
    # The line changed (by this payment), so the old If-Match would fail: a recorded key skips the precondition.
    again = api.client.post(url, json={"amount_minor": 12_345}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert _postings(api, "pay-retry-1") == postings > 0
    other = api.client.post(url, json={"amount_minor": 99_999}, headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert api.be.read(verify_journal).ok


def test_line_changes_need_a_current_etag(api: Api) -> None:
    url = f"{V1}/lines/L-DEMO-2/purchases"
    tag = _etag(api)
    missing = api.client.post(url, json={"amount_minor": 500}, headers=api.auth("checkout"))
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    ok = api.client.post(url, json={"amount_minor": 500}, headers=api.auth("checkout", **{"If-Match": tag}))
    assert ok.status_code == 201 and ok.headers["etag"] != tag and ok.headers["etag"] == _etag(api)
    assert ok.headers["idempotency-key"] == ok.json()["operation_id"]  # generated, so the client can retry
    stale = api.client.post(url, json={"amount_minor": 500}, headers=api.auth("checkout", **{"If-Match": tag}))
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    assert api.client.get(f"{V1}/lines/L-DEMO-2", headers=api.auth("admin")).headers["etag"] == ok.headers["etag"]


def test_domain_refusals_are_problem_documents_with_the_stable_code(api: Api) -> None:
    over = api.client.post(f"{V1}/lines/L-DEMO-2/purchases", json={"amount_minor": 5_000_000},
                           headers=api.auth("checkout", **{"If-Match": "*"}))  # fmt: skip
    body = over.json()
    assert over.status_code == 409 and over.headers["content-type"] == "application/problem+json"
    assert set(body) >= {"type", "title", "status", "detail", "code"} and body["status"] == 409
    assert body["code"] == "insufficient_open_to_buy"  # the domain's own stable code
    beyond = api.client.post(f"{V1}/lines/L-DEMO-2/purchases", json={"amount_minor": 10**12},
                             headers=api.auth("checkout", **{"If-Match": "*"}))  # fmt: skip
    assert (beyond.status_code, beyond.json()["field"]) == (422, "amount_minor")  # the domain's bound, its field
    missing = api.client.get(f"{V1}/lines/NOPE", headers=api.auth("admin"))
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_validation_errors_are_422_naming_the_field(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount_minor": 2.5}, "amount_minor"),
        ({"amount_minor": "100"}, "amount_minor"),
        ({"amount_minor": -1}, "amount_minor"),
        ({"amount_minor": 100, "periods": 0}, "periods"),
        ({"amount_minor": 100, "surprise": 1}, "surprise"),
        ({"amount_minor": 100, "on": "2099-01-01"}, "on"),
    ]
    for body, field in cases:
        res = api.client.post(f"{V1}/lines/L-DEMO-2/purchases", json=body,
                              headers=api.auth("checkout", **{"If-Match": "*"}))  # fmt: skip
        assert res.status_code == 422, (body, res.text)
        assert (res.json()["code"], res.json()["field"]) == ("invalid_input", field)
    bad_json = api.client.post(f"{V1}/risk/stress", content=b"{nope", headers=api.auth("analyst"))
    assert bad_json.status_code == 422 and bad_json.json()["code"] == "invalid_input"
    bad_pd = api.client.post(f"{V1}/risk/stress", json={"pd": "2", "rho": "0.04", "z": "0"},
                             headers=api.auth("analyst"))  # fmt: skip
    assert bad_pd.status_code == 422 and bad_pd.json()["field"] == "pd"


def test_lists_page_with_limit_and_cursor(api: Api) -> None:
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        res = api.client.get(f"{V1}/collections/queue", params=params, headers=api.auth("collector")).json()
        seen += [item["line_id"] for item in res["items"]]
        cursor = res["next_cursor"]
        if cursor is None:
            break
    whole = api.client.get(f"{V1}/collections/queue", headers=api.auth("collector")).json()["items"]
    assert seen == [item["line_id"] for item in whole] and len(seen) == 3
    bad = api.client.get(f"{V1}/alerts", params={"cursor": "garbage!"}, headers=api.auth("analyst"))
    assert (bad.status_code, bad.json()["field"]) == (422, "cursor")
    too_many = api.client.get(f"{V1}/alerts", params={"limit": 1000}, headers=api.auth("analyst"))
    assert (too_many.status_code, too_many.json()["field"]) == (422, "limit")


def test_a_customer_sees_only_their_own_data(api: Api) -> None:
    own = api.client.get(f"{V1}/lines/L-DEMO-1", headers=api.auth("customer"))
    assert own.status_code == 200 and own.json()["customer_id"] == "C-DEMO-1"
    for method, path, body in [
        ("GET", f"{V1}/lines/L-DEMO-4", None),
        ("GET", f"{V1}/lines/L-DEMO-4/statement", None),
        ("GET", f"{V1}/customers/C-DEMO-4/credit-report", None),
        ("POST", f"{V1}/lines/L-DEMO-4/payments", {"amount_minor": 100}),
        ("POST", f"{V1}/hardship/requests", {"line_id": "L-DEMO-4", "category": "job_loss_or_pay_cut",
                                              "monthly_income_minor": 1, "monthly_expenses_minor": 1}),
    ]:  # fmt: skip
        res = api.client.request(method, path, json=body, headers=api.auth("customer", **{"If-Match": "*"}))
        assert res.status_code == 404, (path, res.text)
        assert "C-DEMO-4" not in res.text and "balance" not in res.text
        ghost = api.client.request(
            method,
            path.replace("DEMO-4", "GHOST"),
            json=body and {**body, **({"line_id": "L-GHOST"} if "line_id" in body else {})},
            headers=api.auth("customer", **{"If-Match": "*"}),
        )
        assert ghost.json()["detail"] == res.json()["detail"], path  # the same words: no existence oracle


def test_every_response_has_the_security_headers_and_no_cors(api: Api) -> None:
    for res in (
        api.client.get(f"{V1}/health"),
        api.client.get(f"{V1}/lines/L-DEMO-1", headers=api.auth("admin", Origin="https://evil.example")),
        api.client.get(f"{V1}/nowhere"),
        api.client.get(f"{V1}/me"),
    ):
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
        assert res.headers["referrer-policy"] == "no-referrer"
        assert res.headers["cache-control"] == "no-store"
        assert not any(h.startswith("access-control-") for h in res.headers)


def test_an_unexpected_exception_is_a_500_problem_without_a_traceback(tmp_path: Path) -> None:
    made = make_api(tmp_path)

    def explode() -> None:
        raise RuntimeError("secret internals: /etc/passwd line 3")

    made.app.add_api_route("/api/v1/explode", explode, methods=["GET"])
    res = made.client.get("/api/v1/explode")  # TestClient re-raises server exceptions: none escapes
    assert res.status_code == 500 and res.headers["content-type"] == "application/problem+json"
    assert res.json()["code"] == "internal_error"
    assert "secret" not in res.text and "Traceback" not in res.text and "RuntimeError" not in res.text
    assert res.headers["x-content-type-options"] == "nosniff"


def test_a_huge_body_is_413_before_it_is_read(api: Api) -> None:
    res = api.client.post(f"{V1}/risk/stress", content=b"x" * 200_000, headers=api.auth("analyst"))
    assert (res.status_code, res.json()["code"]) == (413, "payload_too_large")


def test_each_key_is_rate_limited_with_retry_after(tmp_path: Path) -> None:
    made = make_api(tmp_path, ApiSettings(rate_per_second=0.5, rate_burst=3))
    codes = [made.client.get(f"{V1}/me", headers=made.auth("analyst")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = made.client.get(f"{V1}/me", headers=made.auth("analyst"))
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    assert made.client.get(f"{V1}/me", headers=made.auth("auditor")).status_code == 200  # per key


def test_a_revoked_or_forged_key_is_401(tmp_path: Path) -> None:
    made = make_api(tmp_path)
    old = made.keys["admin"]
    forged = old[:-4] + ("AAAA" if not old.endswith("AAAA") else "BBBB")
    assert made.client.get(f"{V1}/me", headers={"X-API-Key": old}).status_code == 200
    assert made.client.get(f"{V1}/me", headers={"X-API-Key": forged}).status_code == 401
    made.be.keys.revoke_label("demo", made.be.clock.now())
    assert made.client.get(f"{V1}/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_openapi_is_published_under_v1(api: Api) -> None:
    spec = api.client.get(f"{V1}/openapi.json").json()
    assert spec["info"]["title"] == "creditloop API"
    assert all(path.startswith(V1) for path in spec["paths"])
    for path in spec["paths"].values():
        for op in path.values():
            assert set(op["responses"]["422"]["content"]) == {"application/problem+json"}
    assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])


def test_hostile_requests_get_4xx_problems_and_no_data(api: Api) -> None:
    checkout = api.auth("checkout", **{"If-Match": "*"})
    cases = [
        ("POST", f"{V1}/lines/L-DEMO-2/payments", {"amount_minor": 1}, {**checkout, "Idempotency-Key": "a b/c"}),
        ("POST", f"{V1}/lines/L-DEMO-2/payments", {"amount_minor": 1}, {**checkout, "Idempotency-Key": "k" * 65}),
        ("GET", f"{V1}/lines/{'x' * 65}", None, api.auth("admin")),
        ("GET", f"{V1}/lines/..%2F..%2Fetc", None, api.auth("admin")),
        ("POST", f"{V1}/lines/L-DEMO-2/payments", [1, 2], checkout),
        ("POST", f"{V1}/lines/L-DEMO-2/payments", {"amount_minor": 10**30}, checkout),
        ("GET", f"{V1}/me", None, {"Authorization": "Bearer " + "A" * 5000}),
        ("GET", f"{V1}/me", None, {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("GET", f"{V1}/collections/queue?on=not-a-date", None, api.auth("collector")),
        ("GET", f"{V1}/customers/C-DEMO-1/credit-report?month=2026-13", None, api.auth("admin")),
        ("DELETE", f"{V1}/lines/L-DEMO-2", None, api.auth("admin")),
    ]
    for method, path, body, headers in cases:
        res = api.client.request(method, path, json=body, headers=headers)
        assert 400 <= res.status_code < 500, (path, res.status_code, res.text)
        assert res.headers["content-type"] == "application/problem+json", (path, res.text)
        assert "principal_minor" not in res.text
    nested = b"[" * 5000 + b"]" * 5000
    res = api.client.post(f"{V1}/risk/stress", content=nested, headers=api.auth("analyst"))
    assert res.status_code == 422


def test_a_checkout_holds_captures_part_and_voids_the_rest(api: Api) -> None:
    auth = api.auth("checkout", **{"If-Match": "*"})
    base = f"{V1}/lines/L-DEMO-6"
    before = api.client.get(base, headers=api.auth("admin")).json()["open_to_buy_minor"]
    held = api.client.post(f"{base}/holds", json={"amount_minor": 20_000, "expires_on": "2026-06-30"},
                           headers={**auth, "Idempotency-Key": "h-1"})  # fmt: skip
    assert held.status_code == 201 and held.json()["remaining_minor"] == 20_000
    taken = api.client.post(f"{base}/holds/h-1/captures", json={"amount_minor": 5_000, "final": False},
                            headers={**auth, "Idempotency-Key": "cap-1"})  # fmt: skip
    assert taken.status_code == 201 and taken.json()["principal_minor"] == 5_000
    voided = api.client.post(f"{base}/holds/h-1/void", json={}, headers={**auth, "Idempotency-Key": "void-1"})
    assert voided.status_code == 201
    after = api.client.get(base, headers=api.auth("admin")).json()["open_to_buy_minor"]
    assert before - after == 5_000  # only the captured part is used; the rest of the hold is released
    late = api.client.post(f"{base}/holds", json={"amount_minor": 1, "expires_on": "2028-01-01"}, headers=auth)
    assert (late.status_code, late.json()["field"]) == (422, "expires_on")


def test_a_body_that_is_not_json_names_the_body_not_a_character_position(api: Api) -> None:
    """R6 review: truncated JSON answered ``field: "18"`` (pydantic's character offset) instead of a field."""
    headers = api.auth("checkout", **{"If-Match": "*", "Content-Type": "application/json"})
    res = api.client.post(f"{V1}/lines/L-DEMO-2/payments", content=b'{"amount_minor": 1', headers=headers)
    body = res.json()
    assert (res.status_code, body["code"], body["field"]) == (422, "invalid_input", "body")
    assert body["detail"].startswith("the body is not valid JSON")
