"""The demo book's customers have a (synthetic, clearly fake) profile: the documented profile endpoint answers on
``--seed-demo``, through the same encrypted, blind-indexed, audited path as an approved applicant's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from creditloop.entrypoints.api.demo import seed_book
from creditloop.entrypoints.api.demo_profiles import demo_profile

from .conftest import Api, make_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(tmp_path_factory.mktemp("api_demo_profiles"))  # seeds the demo book (seed_book)
    with made.client:
        yield made


def test_demo_customer_profile_answers_for_the_customer_key_and_each_role_as_authz_says(api: Api) -> None:
    name, id_number, phone = demo_profile(1)
    res = api.client.get("/api/v1/customers/C-DEMO-1/profile", headers=api.auth("customer"))
    assert res.status_code == 200, res.text
    assert {k: res.json()[k] for k in ("customer_id", "name", "id_number", "phone")} == {
        "customer_id": "C-DEMO-1", "name": name, "id_number": id_number, "phone": phone}  # fmt: skip
    assert name.startswith("演示") and id_number.startswith("000000") and phone.startswith("100")
    supervisor = api.client.get("/api/v1/customers/C-DEMO-3/profile", headers=api.auth("supervisor")).json()
    assert supervisor["id_number"] == demo_profile(3)[1]
    collector = api.client.get("/api/v1/customers/C-DEMO-3/profile", headers=api.auth("collector")).json()
    assert collector["id_number"] != demo_profile(3)[1] and collector["id_number"].endswith(demo_profile(3)[1][-4:])
    # another customer's profile: 404, as for any resource not theirs
    assert api.client.get("/api/v1/customers/C-DEMO-2/profile", headers=api.auth("customer")).status_code == 404


def test_demo_profiles_are_encrypted_at_rest_found_by_blind_index_and_reseeding_is_idempotent(api: Api) -> None:
    seed_book(api.be)  # a second start: no new line, the same six profiles
    with api.be.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM customer_pii WHERE customer_id LIKE 'C-DEMO-%'")).all()
    stored = "\n".join("|".join(str(v) for v in row) for row in rows)
    assert len(rows) == 6
    for n in range(1, 7):
        for secret in demo_profile(n):
            assert secret not in stored
    res = api.client.post("/api/v1/customers/search", json={"id_number": demo_profile(4)[1]},
                          headers=api.auth("supervisor"))  # fmt: skip
    assert res.status_code == 200, res.text
    assert [i["customer_id"] for i in res.json()["items"]] == ["C-DEMO-4"]
