"""Consortium privacy core: pseudonyms, consent, thresholded answers, audit; no resident ID ever stored."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict
from datetime import date

import pytest

from creditloop.consortium.answers import INSUFFICIENT, REFUSED, AuditLog, Policy, query
from creditloop.consortium.pseudonym import ConsortiumKey, KeyRing, normalise_resident_id, pseudonym
from creditloop.consortium.signals import SHARING, ConsentRefused, Contribution, Registry, contribution
from creditloop.core.errors import ValidationError
from creditloop.strategy.idcard import make_resident_id

DAY = date(2026, 6, 1)
KEY = ConsortiumKey("k1", bytes(range(32)))
OTHER_KEY = ConsortiumKey("k2", bytes(range(1, 33)))
PERSON = make_resident_id("110105", date(1990, 3, 7), 123)
MEMBERS = frozenset({"asker", "m1", "m2", "m3", "m4"})


def registry_with(n_others: int, *, person: str = PERSON, key: ConsortiumKey = KEY) -> Registry:
    """``asker`` holds a line and query consent; ``n_others`` other members each contribute one line."""
    reg = Registry(MEMBERS)
    p = pseudonym(person, key)
    reg.grant("asker", key.key_id, p, "credit_application", DAY)
    for member in ["asker", *sorted(MEMBERS - {"asker"})[:n_others]]:
        reg.grant(member, key.key_id, p, SHARING, DAY)
        reg.contribute(
            contribution(
                member, key.key_id, p, open_lines=1, balance_fen=1_000_000, days_past_due=0,
                applications_30d=1, as_of=DAY,
            )
        )  # fmt: skip
    return reg


def test_pseudonym_is_hmac_of_normalised_id_and_ignores_case_and_spaces() -> None:
    lower = PERSON[:17] + PERSON[17].lower()
    assert pseudonym(f"  {lower} ", KEY) == pseudonym(PERSON, KEY)
    assert len(pseudonym(PERSON, KEY)) == 64


def test_bad_id_names_the_field_and_never_echoes_the_number() -> None:
    bad = PERSON[:17] + ("0" if PERSON[17] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        pseudonym(bad, KEY)
    assert err.value.field == "resident_id" and err.value.code == "ID_CHECK_DIGIT"
    assert bad not in str(err.value) and bad[:17] not in repr(err.value)
    with pytest.raises(ValidationError) as err:
        normalise_resident_id("12345", field="applicant_id")
    assert err.value.field == "applicant_id" and "12345" not in str(err.value)


def test_short_key_and_bad_key_id_refused_and_secret_not_in_repr() -> None:
    with pytest.raises(ValidationError) as err:
        ConsortiumKey("k", b"x" * 31)
    assert err.value.field == "secret"
    with pytest.raises(ValidationError):
        ConsortiumKey("bad id!", b"x" * 32)
    assert repr(bytes(range(32))) not in repr(KEY)
    assert len(ConsortiumKey.generate("g").secret) == 32


def test_same_id_under_two_keys_gives_unrelated_pseudonyms() -> None:
    a, b = pseudonym(PERSON, KEY), pseudonym(PERSON, OTHER_KEY)
    assert a != b
    differing_bits = bin(int(a, 16) ^ int(b, 16)).count("1")
    assert 80 < differing_bits < 176  # ~128 of 256 for independent values


def test_enumerating_ids_without_the_key_matches_nothing() -> None:
    target = {pseudonym(PERSON, KEY)}
    # A dictionary over a plausible slice of the ID space that contains the real person.
    ids = [make_resident_id("110105", date(1990, 3, d), s) for d in range(1, 11) for s in range(0, 1000, 7)]
    ids.append(PERSON)
    plain = {hashlib.sha256(i.encode()).hexdigest() for i in ids}
    wrong_key = {pseudonym(i, OTHER_KEY) for i in ids}
    unkeyed_hmac = {hmac.new(b"", i.encode(), hashlib.sha256).hexdigest() for i in ids}
    assert not target & plain and not target & wrong_key and not target & unkeyed_hmac
    assert target <= {pseudonym(i, KEY) for i in ids}  # with the key the same dictionary does match


def test_key_rotation_transition_window() -> None:
    ring = KeyRing(KEY).rotate(OTHER_KEY, transition_until=date(2026, 6, 30))
    both = ring.pseudonyms(PERSON, date(2026, 6, 30))
    assert list(both) == ["k2", "k1"] and both["k1"] == pseudonym(PERSON, KEY)
    assert list(ring.pseudonyms(PERSON, date(2026, 7, 1))) == ["k2"]
    # Contributions made under the old key still answer a query made during the window.
    reg = registry_with(3)
    reg.grant("asker", "k2", both["k2"], "credit_application", DAY)
    assert query(reg, AuditLog(), "asker", "credit_application", both, DAY).lenders_with_open_lines == 3


def test_no_id_in_any_contribution_or_audit_record() -> None:
    reg, log = registry_with(3), AuditLog()
    p = pseudonym(PERSON, KEY)
    query(reg, log, "asker", "credit_application", {"k1": p}, DAY)
    stored = [asdict(c) for c in reg.contributions({"k1": p}, DAY).values()]
    dump = json.dumps([stored, [asdict(r) for r in log.records]], default=str)
    assert PERSON not in dump and PERSON[:17] not in dump and PERSON[6:14] not in dump
    assert log.records[0].pseudonym_prefix == p[:8] and p not in json.dumps(
        [asdict(r) for r in log.records], default=str
    )


def test_answer_counts_and_bands_excluding_the_asker() -> None:
    reg, log = registry_with(3), AuditLog()
    answer = query(reg, log, "asker", "credit_application", {"k1": pseudonym(PERSON, KEY)}, DAY)
    assert answer.kind == "answer"
    assert answer.lenders_with_open_lines == 3  # the asker's own line is not counted
    assert answer.applications_30d == 3
    assert answer.worst_bucket == "current"
    # Each balance (10,000 yuan) is sent as band 5000-20000; the total is the band of 3 floors, 15,000.03 yuan.
    assert answer.total_balance_band == "5000-20000"
    assert [r.kind for r in log.records] == ["answer"]


def test_below_threshold_answer_is_byte_identical_for_0_1_2() -> None:
    p = {"k1": pseudonym(PERSON, KEY)}
    blobs = {query(registry_with(n), AuditLog(), "asker", "credit_application", p, DAY).to_json() for n in (0, 1, 2)}
    assert len(blobs) == 1
    (blob,) = blobs
    assert (
        json.loads(blob)["kind"] == INSUFFICIENT
        and blob
        == b'{"applications_30d":null,"kind":"insufficient",'
        b'"lenders_with_open_lines":null,"total_balance_band":null,"worst_bucket":null}'
    )
    # A stricter policy turns an answer into the same insufficient bytes.
    strict = query(registry_with(3), AuditLog(), "asker", "credit_application", p, DAY, Policy(min_members=4))
    assert strict.to_json() == blob


def test_revoked_consent_refuses_query_and_is_audited() -> None:
    reg, log = registry_with(3), AuditLog()
    p = pseudonym(PERSON, KEY)
    reg.revoke("asker", "k1", p, "credit_application", date(2026, 6, 10))
    assert query(reg, log, "asker", "credit_application", {"k1": p}, date(2026, 6, 9)).kind == "answer"
    with pytest.raises(ConsentRefused) as err:
        query(reg, log, "asker", "credit_application", {"k1": p}, date(2026, 6, 10))
    assert err.value.code == "consent_refused" and "credit_application" in err.value.message
    with pytest.raises(ConsentRefused):  # consent is purpose-bound
        query(reg, log, "asker", "early_warning", {"k1": p}, DAY)
    assert [r.kind for r in log.records] == ["answer", REFUSED, REFUSED]


def test_revoked_sharing_consent_drops_that_members_signals() -> None:
    reg = registry_with(3)
    p = pseudonym(PERSON, KEY)
    reg.revoke("m1", "k1", p, SHARING, date(2026, 6, 5))
    assert query(reg, AuditLog(), "asker", "credit_application", {"k1": p}, date(2026, 6, 5)).kind == INSUFFICIENT


def test_stale_contributions_ignored() -> None:
    reg = registry_with(3)
    p = {"k1": pseudonym(PERSON, KEY)}
    assert query(reg, AuditLog(), "asker", "credit_application", p, date(2026, 7, 6)).kind == "answer"  # 35 days
    assert query(reg, AuditLog(), "asker", "credit_application", p, date(2026, 7, 7)).kind == INSUFFICIENT


def test_malformed_requests_refused_naming_the_field_and_not_stored() -> None:
    reg, log = registry_with(0), AuditLog()
    p = pseudonym(PERSON, KEY)
    cases = [
        (lambda: query(reg, log, "stranger", "credit_application", {"k1": p}, DAY), "member_id"),
        (lambda: query(reg, log, "asker", "marketing", {"k1": p}, DAY), "purpose"),
        (lambda: query(reg, log, "asker", "credit_application", {"k1": PERSON}, DAY), "pseudonym"),
        (lambda: query(reg, log, "asker", "credit_application", {}, DAY), "pseudonyms"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == field and PERSON not in str(err.value)
    assert log.records == []
    with pytest.raises(ValidationError) as err:
        Contribution("m1", "k1", p, -1, "0", "current", 0, DAY)
    assert err.value.field == "open_lines"
    with pytest.raises(ConsentRefused):  # no sharing consent for m2 under this pseudonym
        reg.contribute(Contribution("m2", "k1", pseudonym(make_resident_id("110105", DAY, 1), KEY),
                                    1, "0-5000", "current", 0, DAY))  # fmt: skip


def test_consent_history_kept_across_revoke_and_regrant() -> None:
    reg, log = registry_with(3), AuditLog()
    p = pseudonym(PERSON, KEY)
    reg.revoke("asker", "k1", p, "credit_application", date(2026, 6, 10))
    with pytest.raises(ValidationError):  # nothing in force to revoke
        reg.revoke("asker", "k1", p, "credit_application", date(2026, 6, 11))
    reg.grant("asker", "k1", p, "credit_application", date(2026, 6, 20))
    with pytest.raises(ValidationError):  # already in force
        reg.grant("asker", "k1", p, "credit_application", date(2026, 6, 21))
    history = reg.consent_history("asker", "k1", p, "credit_application")
    assert [(r.granted_on, r.revoked_on) for r in history] == [
        (DAY, date(2026, 6, 10)),
        (date(2026, 6, 20), None),
    ]
    with pytest.raises(ConsentRefused):  # in the gap between revocation and the new grant
        query(reg, log, "asker", "credit_application", {"k1": p}, date(2026, 6, 15))
    assert query(reg, log, "asker", "credit_application", {"k1": p}, date(2026, 6, 20)).kind == "answer"


def test_answer_aggregates_mixed_contributions() -> None:
    reg = Registry(MEMBERS)
    p = pseudonym(PERSON, KEY)
    reg.grant("asker", "k1", p, "limit_review", DAY)
    figures = {"m1": (2, 3_000_000, 45, 2), "m2": (0, 0, 0, 1), "m3": (1, 100, 0, 0), "asker": (5, 10**9, 200, 9)}
    for member, (lines, balance, dpd, apps) in figures.items():
        reg.grant(member, "k1", p, SHARING, DAY)
        reg.contribute(
            contribution(
                member, "k1", p, open_lines=lines, balance_fen=balance, days_past_due=dpd,
                applications_30d=apps, as_of=DAY,
            )
        )  # fmt: skip
    answer = query(reg, AuditLog(), "asker", "limit_review", {"k1": p}, DAY)
    # m2 contributes (counts toward the threshold) but holds no open line; the asker's 91+ line is excluded.
    assert (answer.kind, answer.lenders_with_open_lines, answer.worst_bucket, answer.applications_30d) == (
        "answer", 2, "31-60", 3,
    )  # fmt: skip
    # Floors: band 20000-50000 -> 20,000.01 yuan; band 0-5000 -> 0.01 yuan; band 0 -> 0.
    assert answer.total_balance_band == "20000-50000"
