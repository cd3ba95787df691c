"""The hand-written documents of a decision and a velocity snapshot equal ``dataclasses.asdict`` (what they
replaced on the hot path), so the stored canonical JSON is byte for byte what it was."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import given
from hypothesis import strategies as st

from creditloop.app import commands as c
from creditloop.app.underwriting import (
    canonical,
    decision_document,
    decision_json,
    derive,
    form_hash,
    inputs_document,
    inputs_json,
    prepare,
    snapshot_document,
)
from creditloop.app.underwriting_setup import build_underwriting
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.velocity import VelocitySnapshot, WindowCounts

FORM = {
    "application_id": "APP-0001",
    "applied_at": "2026-03-02T09:00:00+08:00",
    "channel": "app",
    "name": "测试用户",
    "id_number": "11010519491231002X",
    "birth_date": "1949-12-31",
    "phone": "13900000001",
    "device_id": "device-1",
    "city": "杭州",
    "city_tier": 2,
    "employer": "杭州某某科技有限公司",
    "sector": "technology",
    "monthly_debt_payments": "0.00",
    "other_lenders": 0,
    "requested_limit": "6000.00",
    "consent_bureau": True,
    "consent_sharing": True,
}
counts = st.integers(0, 50)
snapshots = st.builds(
    VelocitySnapshot,
    windows=st.tuples(*(st.builds(WindowCounts, st.just(d), counts, counts, counts) for d in (1, 7, 30))),
    identities_per_phone=counts,
    identities_per_device=counts,
    identities_per_employer_address=counts,
    phones_per_identity=counts,
    devices_per_identity=counts,
    employer_peers=counts,
    employer_median_income_minor=st.integers(0, 10**7),
    duplicate_of=st.none() | st.just("APP-0000"),
    same_id_earlier=st.booleans(),
    extra=st.dictionaries(st.sampled_from(["a", "b"]), counts),
)


@given(
    snapshot=snapshots,
    income=st.integers(1000, 80000),
    verified=st.none() | st.integers(1000, 80000),
    arm=st.sampled_from(["champion", "challenger"]),
)
def test_documents_equal_asdict(snapshot: VelocitySnapshot, income: int, verified: int | None, arm: str) -> None:
    form = ApplicationForm.model_validate(
        {**FORM, "monthly_income": f"{income}.00", "verified_income": None if verified is None else f"{verified}.00"}
    )
    underwriting = build_underwriting(None, ())
    decision = derive(form, snapshot, underwriting.arms[arm], arm, underwriting.business_tz)
    assert snapshot_document(snapshot) == asdict(snapshot)
    assert decision_document(decision) == asdict(decision)
    assert canonical(decision_document(decision)) == canonical(asdict(decision))
    assert decision_json(decision) == canonical(asdict(decision))  # the spliced text, byte for byte
    assert decision_json(decision) == decision_json(decision)  # and again from the cached check texts
    p = prepare(c.DecideApplication(form, customer_id="C1"), underwriting)
    assert p.digest == form_hash(form)
    assert inputs_json(p, snapshot) == canonical(inputs_document(form, snapshot, p.arm))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_is_the_stdlib_encoding(value: object) -> None:
    """The encoder built once gives the bytes ``json.dumps`` gives with the canonical options."""
    import json

    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    assert canonical(value) == expected
