"""``/lines/{id}/checkout`` over HTTP (issue 16, item 5): the check writes nothing and explains the cost; the
purchase behind it follows the policy, keeps its first decision on a retry, and the roles are the matrix's."""

from __future__ import annotations

from .conftest import Api

V1 = "/api/v1"
MEANS = {"monthly_income_minor": 800_000, "living_costs_minor": 500_000}


def test_check_then_buy(api: Api) -> None:
    url = f"{V1}/lines/L-DEMO-2/checkout"
    body = {"amount_minor": 300_000, "periods": 6, **MEANS}
    shown = api.client.post(f"{url}/check", json=body, headers=api.auth("checkout"))
    assert shown.status_code == 200, shown.text
    doc = shown.json()
    assert doc["status"] == "preview" and "annualised rate" in doc["cost"]["text"]["en"]
    assert doc["cost"]["late_code"] == "1" and doc["cost"]["retention_years"] == 5
    big = {**body, "amount_minor": 3_000_000}
    keyed = api.auth("checkout", **{"If-Match": "*", "Idempotency-Key": "K-1"})
    declined = api.client.post(url, json=big, headers=keyed)
    assert declined.status_code == 201 and (declined.json()["status"], declined.json()["plan_id"]) == ("declined", None)
    again = api.client.post(url, json={**big, "amount_minor": 2_999_900}, headers=keyed)
    assert again.status_code == 409  # another purchase under the same checkout id
    bad = api.client.post(f"{url}/check", json={**body, "monthly_income_minor": -1}, headers=api.auth("checkout"))
    assert (bad.status_code, bad.json()["field"]) == (422, "monthly_income_minor")
    assert api.client.post(f"{url}/check", json=body, headers=api.auth("analyst")).status_code == 403
