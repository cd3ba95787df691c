"""Issue 15: the conduct engine's exact outcomes at the boundaries (local 07:59 / 08:00 / 21:59 / 22:00), across
daylight-saving days, and rule by rule; the policy documents refused field by field."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from creditloop.collections import conduct as k
from creditloop.collections.conduct import ConductEngine
from creditloop.collections.conduct_history import AgreedWindow, ContactAttempt, ContactHistory, ContactRequest
from creditloop.collections.conduct_policy import conduct_policy, load_conduct_policy, read_conduct_policy
from creditloop.core.errors import ValidationError

CN, US = ConductEngine(conduct_policy("cn")), ConductEngine(conduct_policy("us"))
SH, NY, LH = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")
CALL = ContactRequest("d1")


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def calls(h: ContactHistory, contact: str, at: datetime, outcomes: list[str], party: str = "debtor") -> None:
    for i, outcome in enumerate(outcomes):
        h.add(ContactAttempt(f"{contact}-{at}-{i}", contact, party, "call", at + timedelta(minutes=i), outcome,
                             agent="lender" if i % 2 else "agency-7"))  # fmt: skip


@pytest.mark.parametrize(
    ("wall", "allowed"), [((7, 59), False), ((8, 0), True), ((21, 59), True), ((22, 0), False), ((3, 0), False)]
)
def test_china_contact_hours_at_the_boundaries(wall: tuple[int, int], allowed: bool) -> None:
    for channel in ("call", "sms", "app"):
        d = CN.eligible(ContactRequest("d1", channel=channel), ContactHistory("Asia/Shanghai"),
                        local(SH, 2026, 12, 2, *wall))  # fmt: skip
        assert d.allowed is allowed
        assert d.codes == (() if allowed else (k.QUIET_HOURS,))
        assert d.local_at.time() == time(*wall)


def test_a_refusal_in_quiet_hours_names_the_next_local_opening() -> None:
    h = ContactHistory("Asia/Shanghai")
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 22, 0)).next_allowed_at == local(SH, 2026, 12, 3, 8, 0)
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 3, 7, 59)).next_allowed_at == local(SH, 2026, 12, 3, 8, 0)


def test_a_letter_is_not_bound_by_the_hours() -> None:
    assert CN.eligible(ContactRequest("d1", channel="letter"), ContactHistory("Asia/Shanghai"),
                       local(SH, 2026, 12, 2, 23, 0)).allowed  # fmt: skip


@pytest.mark.parametrize(("wall", "allowed"), [((7, 59), False), ((8, 0), True), ((20, 59), True), ((21, 0), False)])
def test_us_hours_at_the_boundaries(wall: tuple[int, int], allowed: bool) -> None:
    assert US.eligible(CALL, ContactHistory("America/New_York"), local(NY, 2026, 7, 1, *wall)).allowed is allowed


def test_new_york_spring_forward_night_and_autumn_repeated_hour() -> None:
    h = ContactHistory("America/New_York")
    d = US.eligible(CALL, h, local(NY, 2026, 3, 7, 23, 0))  # EST, the night the clocks go forward
    assert d.codes == (k.QUIET_HOURS,)
    assert d.next_allowed_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT (UTC-4), not 13:00 UTC
    assert US.eligible(CALL, h, datetime(2026, 3, 8, 11, 59, tzinfo=UTC)).codes == (k.QUIET_HOURS,)  # 07:59 EDT
    for fold in (0, 1):  # 01:30 happens twice on 2026-11-01: both are quiet
        assert US.eligible(CALL, h, local(NY, 2026, 11, 1, 1, 30, fold=fold)).codes == (k.QUIET_HOURS,)
    assert US.eligible(CALL, h, local(NY, 2026, 11, 1, 8, 0)).allowed


def test_lord_howe_half_hour_shift() -> None:
    h = ContactHistory("Australia/Lord_Howe")
    # 2026-10-04 02:00 -> 02:30 (+10:30 -> +11): 08:00 local is 21:00 UTC the day before
    assert CN.eligible(CALL, h, datetime(2026, 10, 3, 20, 59, tzinfo=UTC)).codes == (k.QUIET_HOURS,)
    assert CN.eligible(CALL, h, datetime(2026, 10, 3, 21, 0, tzinfo=UTC)).allowed
    d = CN.eligible(CALL, h, local(LH, 2026, 10, 3, 23, 0))
    assert d.next_allowed_at == datetime(2026, 10, 3, 21, 0, tzinfo=UTC)


def test_three_answered_calls_a_day_lender_and_agencies_combined() -> None:
    h = ContactHistory("Asia/Shanghai")
    calls(h, "d1", local(SH, 2026, 12, 2, 9, 0), ["connected", "connected"])
    calls(h, "d2", local(SH, 2026, 12, 2, 10, 0), ["wrong_party"])  # another number, an agency's call
    d = CN.eligible(CALL, h, local(SH, 2026, 12, 2, 11, 0))
    assert d.codes == (k.CONNECTED_CAP,)
    assert d.next_allowed_at == local(SH, 2026, 12, 3, 8, 0)
    assert CN.eligible(ContactRequest("d1", channel="sms"), h, local(SH, 2026, 12, 2, 11, 0)).allowed
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 3, 8, 0)).allowed


def test_six_unanswered_attempts_a_day_per_contact() -> None:
    h = ContactHistory("Asia/Shanghai")
    calls(h, "d1", local(SH, 2026, 12, 2, 9, 0), ["unanswered"] * 5)
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 12, 0)).allowed
    calls(h, "d1", local(SH, 2026, 12, 2, 12, 0), ["unanswered"])
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 12, 30)).codes == (k.UNANSWERED_CAP,)
    assert CN.eligible(ContactRequest("d2"), h, local(SH, 2026, 12, 2, 12, 30)).allowed


def test_third_party_only_to_locate_an_unreachable_debtor_never_told_the_debt() -> None:
    h = ContactHistory("Asia/Shanghai")
    locate = ContactRequest("t1", "third_party", "call", "locate", discloses_debt=False)
    at = local(SH, 2026, 12, 4, 10, 0)
    assert CN.eligible(locate, h, at).codes == (k.DEBTOR_REACHABLE,)
    calls(h, "d1", local(SH, 2026, 12, 2, 9, 0), ["unanswered"] * 3)
    calls(h, "d2", local(SH, 2026, 12, 3, 9, 0), ["unanswered"] * 3)
    assert CN.eligible(locate, h, at).allowed
    assert CN.eligible(replace(locate, discloses_debt=True), h, at).codes == (k.THIRD_PARTY_DISCLOSURE,)
    assert CN.eligible(replace(locate, purpose="collect"), h, at).codes == (k.THIRD_PARTY_PURPOSE,)
    unrelated = CN.eligible(replace(locate, party="unrelated"), h, at)
    assert unrelated.codes == (k.UNRELATED,) and unrelated.next_allowed_at is None
    calls(h, "d1", local(SH, 2026, 12, 4, 9, 0), ["connected"])  # the debtor answered: locating is over
    assert CN.eligible(locate, h, at).codes == (k.DEBTOR_REACHABLE,)


def test_open_dispute_or_complaint_blocks_until_closed_and_a_refusal_never_lapses() -> None:
    h = ContactHistory("Asia/Shanghai")
    at = local(SH, 2026, 12, 2, 10, 0)
    h.open_disputes.add("D1")
    h.open_complaints.add("C1")
    d = CN.eligible(CALL, h, at)
    assert d.codes == (k.DISPUTE_OPEN, k.COMPLAINT_OPEN) and d.next_allowed_at is None
    h.open_disputes.clear()
    h.open_complaints.clear()
    assert CN.eligible(CALL, h, at).allowed
    calls(h, "d1", at, ["refused"])
    assert CN.eligible(CALL, h, at + timedelta(days=400)).codes == (k.CONTACT_REFUSED,)
    assert CN.eligible(ContactRequest("d2"), h, at + timedelta(days=1)).allowed


def test_opt_out_and_agreed_window() -> None:
    h = ContactHistory("Asia/Shanghai")
    h.opt_out("d1", "sms")
    assert CN.eligible(ContactRequest("d1", channel="sms"), h, local(SH, 2026, 12, 2, 10)).codes == (k.OPTED_OUT,)
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 10)).allowed
    h.agree(AgreedWindow("d1", time(22, 0), time(23, 30)))
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 22, 30)).allowed
    assert CN.eligible(CALL, h, local(SH, 2026, 12, 2, 23, 30)).codes == (k.QUIET_HOURS,)
    assert CN.eligible(ContactRequest("d2"), h, local(SH, 2026, 12, 2, 22, 30)).codes == (k.QUIET_HOURS,)


def test_us_seven_calls_in_seven_days_and_the_week_after_a_conversation() -> None:
    h = ContactHistory("America/New_York")
    for day in range(1, 8):
        calls(h, "d1", local(NY, 2026, 6, day, 10, 0), ["unanswered"])
    d = US.eligible(CALL, h, local(NY, 2026, 6, 7, 15, 0))
    assert d.codes == (k.ROLLING_CAP,) and d.next_allowed_at == local(NY, 2026, 6, 8, 8, 0)
    assert US.eligible(ContactRequest("d2"), h, local(NY, 2026, 6, 7, 15, 0)).allowed
    calls(h, "d2", local(NY, 2026, 6, 10, 10, 0), ["connected"])
    d = US.eligible(ContactRequest("d2"), h, local(NY, 2026, 6, 16, 20, 0))
    assert d.codes == (k.AFTER_CONVERSATION,) and d.next_allowed_at == local(NY, 2026, 6, 17, 8, 0)


def test_the_seven_day_interval_is_off_by_default_and_works_when_set() -> None:
    h = ContactHistory("Asia/Shanghai")
    calls(h, "d1", local(SH, 2026, 12, 2, 9, 0), ["connected"])
    later = local(SH, 2026, 12, 5, 10, 0)
    assert CN.policy.contact_interval_days is None and CN.eligible(CALL, h, later).allowed
    strict = ConductEngine(replace(CN.policy, contact_interval_days=7))
    d = strict.eligible(ContactRequest("d2", channel="sms"), h, later)
    assert d.codes == (k.CONTACT_INTERVAL,) and d.next_allowed_at == local(SH, 2026, 12, 9, 8, 0)


def test_bad_input_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as e:
        CN.eligible(CALL, ContactHistory("Asia/Shanghai"), datetime(2026, 12, 2, 10, 0))
    assert e.value.field == "now"
    for bad in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(ValidationError) as e:
            ContactHistory(bad)
        assert e.value.field == "zone"
    with pytest.raises(ValidationError) as e:
        ContactRequest("d1", channel="fax")
    assert e.value.field == "channel"
    with pytest.raises(ValidationError) as e:
        ContactAttempt("a", "d1", "debtor", "call", datetime(2026, 1, 1, tzinfo=UTC), "delivered")
    assert e.value.field == "outcome"


def _doc() -> dict:
    return json.loads(Path(conduct_policy.__code__.co_filename).with_name("policies").joinpath(
        "conduct_cn_v1.json").read_text("utf-8"))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"retention_years": 1}, "retention_years"),
        ({"contact_hours": {"from": "22:00", "until": "08:00", "channels": ["call"]}}, "contact_hours.from"),
        ({"contact_hours": {"from": "8am", "until": "22:00", "channels": ["call"]}}, "contact_hours.from"),
        ({"channels": ["sms", "fax"]}, "channels"),
        ({"rolling_call_max": 7}, "rolling_call_max"),
        ({"max_connected_call_per_day": 3}, "max_connected_call_per_day"),
    ],
)
def test_policy_documents_are_checked_field_by_field(change: dict, field: str, tmp_path: Path) -> None:
    doc = {**_doc(), **change}
    with pytest.raises(ValidationError) as e:
        read_conduct_policy(doc)
    assert e.value.field == field
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(ValidationError):
        load_conduct_policy(path)
    with pytest.raises(ValidationError) as e:
        conduct_policy("xx")
    assert e.value.field == "jurisdiction"
