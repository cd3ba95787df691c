"""Hypothesis properties of ``run_checks``: one result per check in a fixed order whatever the input, the same
input gives the same results, outcomes are only ever the policy's, and ``observed`` never holds personal data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.check_codes import CHECK_CODES, base_code
from creditloop.strategy.checks import Outcome, default_check_policy, phone_ok, run_checks
from creditloop.strategy.facts import derive_facts
from creditloop.strategy.idcard import make_resident_id
from creditloop.strategy.velocity import CLUSTER_COUNTS, VelocitySnapshot, WindowCounts

POLICY = default_check_policy()
CST = timezone(timedelta(hours=8))
counts = st.integers(0, 50)


@st.composite
def snapshots(draw: st.DrawFn) -> VelocitySnapshot:
    windows = tuple(WindowCounts(d, draw(counts), draw(counts), draw(counts)) for d in POLICY.velocity_windows_days)
    return VelocitySnapshot(
        windows,
        draw(counts),
        draw(counts),
        draw(counts),
        draw(counts),
        draw(counts),
        draw(counts),
        draw(st.integers(0, 10**8)),
        draw(st.none() | st.just("EARLIER-1")),
        extra={name: draw(counts) for name in CLUSTER_COUNTS},  # today's snapshots carry the cluster counts
    )


@st.composite
def forms(draw: st.DrawFn) -> ApplicationForm:
    born = draw(st.dates(date(1900, 1, 1), date(2026, 6, 30)))
    id_born = draw(st.just(born) | st.dates(date(1850, 1, 1), date(2030, 1, 1)))
    region = draw(st.sampled_from(["110105", "441900", "990101", "830000", "310004"]))
    number = make_resident_id(region, id_born, draw(st.integers(0, 999)))
    number = draw(st.just(number) | st.text("0123456789Xx", min_size=1, max_size=20))
    return ApplicationForm(
        application_id="P-1",
        applied_at=datetime(2026, 7, 1, 12, tzinfo=CST),
        channel="app",
        name="赵六",
        id_number=number,
        birth_date=born,
        phone=draw(st.sampled_from(["13912345678", "+86 139 1234 5678", "12345", "0086-13912345678"])),
        device_id="device-xyz",
        city="Chengdu",
        city_tier=draw(st.integers(1, 4)),
        employer="Secret Employer Ltd",
        sector=draw(st.sampled_from(["technology", "student", "unknown", "退休", "Public Sector"])),
        monthly_income=str(draw(st.integers(0, 10**6))),
        monthly_debt_payments=str(draw(st.integers(0, 10**5))),
        other_lenders=draw(st.integers(0, 10)),
        requested_limit="1000",
        consent_bureau=draw(st.booleans()),
        consent_sharing=True,
        verified_income=draw(st.none() | st.integers(0, 10**6).map(str)),
    )


@settings(max_examples=300)
@given(forms(), snapshots())
def test_results_are_complete_ordered_deterministic_and_free_of_personal_data(
    form: ApplicationForm, velocity: VelocitySnapshot
) -> None:
    results = run_checks(form, derive_facts(form), velocity, POLICY)
    assert list(dict.fromkeys(base_code(r.code) for r in results)) == list(CHECK_CODES)
    assert len(results) == len(CHECK_CODES) - 3 + 3 * len(POLICY.velocity_windows_days)
    assert results == run_checks(form, derive_facts(form), velocity, POLICY)
    for r in results:
        assert r.outcome in (Outcome.PASS, POLICY.outcomes[base_code(r.code)])
        text = r.observed + " " + r.threshold
        for secret in ("赵六", "device-xyz", "Secret", "1391234"):
            assert secret not in text
        assert form.birth_date.isoformat() not in r.observed  # a threshold may name 1900-01-01
        if len(form.id_number) >= 6:
            assert form.id_number not in text


@given(
    st.integers(3, 9),
    st.integers(0, 999_999_999),
    st.sampled_from(["", "+86", "+86 ", "0086", "86", "(+86) "]),
    st.sampled_from(["", " ", "-"]),
)
def test_any_cn_mobile_with_separators_is_accepted(second: int, rest: int, prefix: str, sep: str) -> None:
    digits = f"1{second}{rest:09d}"
    assert phone_ok(prefix + sep.join((digits[:3], digits[3:7], digits[7:])))
    assert not phone_ok(prefix + digits[:-1])
    assert not phone_ok(prefix + digits + "0")
