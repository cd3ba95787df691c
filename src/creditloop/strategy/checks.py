"""Application checks: fabricated or inconsistent data, velocity and identity reuse (CONTRACT; see helper brief).

Each check has a stable code (``CheckCode``), reads the form, the derived facts and the velocity snapshot, and
yields an outcome: pass, refer (a person looks) or decline. Thresholds live in a versioned policy document
(``policies/checks_v1.json``). The result carries what was observed and the threshold, for the audit trace,
but never a personal value (no ID number, phone or name in ``observed``; not even a birth date: "mismatch").

``run_checks`` is pure and cheap (one application in a few tens of microseconds): no regex is compiled per
call, no pydantic round trip, integer comparisons against thresholds the policy precomputed. Every check
yields a result, in a fixed order (``CheckCode`` order, velocity windows ascending within each kind), so the
trace of two decisions lines up column by column. docs/origination/checks.md lists each check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from creditloop.core.errors import DomainError
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.check_codes import (
    CHECK_REASON_TEXTS,
    OUTCOME_RANK,
    CheckCode,
    Outcome,
    base_code,
    check_reason_text,
)
from creditloop.strategy.check_policy import (
    CheckPolicy,
    IncomeTable,
    default_check_policy,
    load_check_policy,
    packaged_check_policy,
)
from creditloop.strategy.idcard import ID_BIRTH_DATE, ID_CHECK_DIGIT, ID_FORMAT, ID_REGION, IdProblem, parse_resident_id
from creditloop.strategy.velocity import (
    CLUSTER_IDENTITIES,
    CLUSTER_INCOME_NEAR,
    CLUSTER_INCOME_NEAR_PCT,
    CLUSTER_PHONE_BLOCK,
    CLUSTER_WINDOW_DAYS,
    VelocitySnapshot,
    WindowCounts,
)

if TYPE_CHECKING:  # underwriting imports CheckResult from here; ``facts.derive_facts`` builds ApplicantFacts
    from creditloop.strategy.underwriting import ApplicantFacts

__all__ = [
    "CHECK_REASON_TEXTS",
    "OUTCOME_RANK",
    "CheckCode",
    "CheckPolicy",
    "CheckResult",
    "IncomeTable",
    "Outcome",
    "base_code",
    "check_reason_text",
    "default_check_policy",
    "flags",
    "load_check_policy",
    "packaged_check_policy",
    "run_checks",
    "worst",
]

BPS = 10_000


@dataclass(frozen=True, slots=True)
class CheckResult:
    code: str  # stable, e.g. ID_CHECK_DIGIT, VELOCITY_DEVICE_30D
    outcome: Outcome
    observed: str  # no personal data: counts, ratios, "invalid", ...
    threshold: str


_PASS = Outcome.PASS  # an enum member read through its class costs a descriptor call: read it once


def worst(results: tuple[CheckResult, ...]) -> Outcome:
    """The strongest outcome over all checks (decline > refer > pass)."""
    best = _PASS
    for r in results:
        if r.outcome is not _PASS and OUTCOME_RANK[r.outcome] > OUTCOME_RANK[best]:
            best = r.outcome
    return best


def flags(results: tuple[CheckResult, ...]) -> tuple[str, ...]:
    """Codes of the checks that did not pass, in check order (the ``check_flags`` column)."""
    return tuple(r.code for r in results if r.outcome is not _PASS)


# ------------------------------------------------------------------------------------------------ the checks

_PHONE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_SEPARATORS = str.maketrans("", "", " -()\u3000")
_NOT_EVALUATED = "not evaluated"
_MEMO_MAX = 4096  # results kept per policy; observed values are small counts and words, so this is rarely hit
C = CheckCode
_VELOCITY_KINDS = (("identity", C.VELOCITY_IDENTITY), ("phone", C.VELOCITY_PHONE), ("device", C.VELOCITY_DEVICE))


def phone_ok(phone: str) -> bool:
    """A CN mobile number, 1[3-9] and 9 more digits, after dropping spaces, dashes, brackets and +86 / 0086."""
    text = phone.translate(_PHONE_SEPARATORS)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return _PHONE.fullmatch(text) is not None


def _ratio(numerator: int, denominator: int) -> str:
    """numerator / denominator to two decimals, floored, from integers (replays byte for byte)."""
    if denominator <= 0:
        return "inf" if numerator > 0 else "0.00"
    hundredths = numerator * 100 // denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}"


class _Plan:
    """A policy's fixed texts and its memo of results: most results (a pass with a count of 0, "valid") repeat
    from one application to the next, and a frozen result can be shared, so they are built once."""

    __slots__ = ("outcome", "policy", "results", "threshold", "where")

    def __init__(self, p: CheckPolicy) -> None:
        self.policy = p
        self.outcome: dict[str, Outcome] = dict(p.outcomes)
        self.threshold: dict[str, str] = {
            C.ID_FORMAT: "18 characters: 17 digits and 0-9 or X",
            C.ID_REGION: "province-level code and structure (GB/T 2260)",
            C.ID_BIRTH_DATE: "a real date from 1900-01-01 to the application date",
            C.ID_CHECK_DIGIT: "ISO 7064 MOD 11-2 (GB 11643)",
            C.BIRTH_DATE_MISMATCH: "stated = ID birth date",
            C.AGE_BELOW_MIN: f">={p.min_age}",
            C.AGE_ABOVE_MAX: f"<={p.max_age}",
            C.PHONE_FORMAT: "CN mobile 1[3-9] and 9 digits",
            C.CONSENT_BUREAU_MISSING: "consent to a bureau query",
            C.INCOME_UNVERIFIED: f"stated/verified <={_ratio(p.income_unverified_bps, BPS)}",
            C.DEBT_INCOME_INCONSISTENT: (
                f"payments need lenders; >={p.lenders_without_payments_min} lenders need payments; payments < income"
            ),
            C.DUPLICATE_SUBMISSION: "no earlier application with the same inputs hash",
            C.IDENTITY_REUSE_PHONE: f"<{p.reuse_min_identities_phone} other identities in {p.reuse_window_days}d",
            C.IDENTITY_REUSE_DEVICE: f"<{p.reuse_min_identities_device} other identities in {p.reuse_window_days}d",
            C.IDENTITY_REUSE_EMPLOYER_ADDRESS: (
                f"<{p.reuse_min_identities_employer_address} other identities in {p.reuse_window_days}d"
            ),
            C.MULTI_PHONE_IDENTITY: f"<{p.multi_min_phones} other phones",
            C.MULTI_DEVICE_IDENTITY: f"<{p.multi_min_devices} other devices",
            C.EMPLOYER_INCOME_OUTLIER: (
                f"<={_ratio(p.employer_outlier_bps, BPS)}x peers' median when >={p.employer_min_peers} peers"
            ),
            C.EMPLOYER_APPLICATION_CLUSTER: (
                f"not (>={p.cluster_min_identities} other identities at the employer in {CLUSTER_WINDOW_DAYS}d and "
                f"(>={p.cluster_min_same_phone_block} on this phone block or >={p.cluster_min_income_near} and "
                f">={_ratio(p.cluster_income_near_bps, BPS)} of them with income within {CLUSTER_INCOME_NEAR_PCT}%, "
                f"not a multiple of {p.cluster_round_income_minor // 100}))"
            ),
        }
        for kind, base in (
            ("identity", C.VELOCITY_IDENTITY),
            ("phone", C.VELOCITY_PHONE),
            ("device", C.VELOCITY_DEVICE),
        ):
            for days, most in p.velocity_max[kind]:
                self.outcome[f"{base}_{days}D"] = p.outcomes[base]
                self.threshold[f"{base}_{days}D"] = f"<={most} in {days}d"
        self.where: dict[tuple[str, int], tuple[str, str, str]] = {}
        self.results: dict[tuple[str, str], CheckResult] = {}

    def result(self, code: str, hit: bool, observed: str) -> CheckResult:
        """The result of a check whose outcome follows from ``observed`` (so it can be memoised)."""
        key = (code, observed)
        found = self.results.get(key)
        if found is None:
            found = CheckResult(code, self.outcome[code] if hit else Outcome.PASS, observed, self.threshold[code])
            if len(self.results) < _MEMO_MAX:
                self.results[key] = found
        return found

    def fresh(self, code: str, hit: bool, observed: str, threshold: str | None = None) -> CheckResult:
        outcome = self.outcome[code] if hit else Outcome.PASS
        return CheckResult(code, outcome, observed, self.threshold[code] if threshold is None else threshold)

    def income_texts(self, sector: str, tier: int) -> tuple[str, str, str]:
        """("median <sector> tier <n>", INCOME_IMPLAUSIBLE threshold, AGE_SECTOR_INCONSISTENT threshold)."""
        texts = self.where.get((sector, tier))
        if texts is None:
            p = self.policy
            where = f"median {p.income_table.sector(sector)} tier {tier}"
            texts = (
                where,
                f"<={p.income_high_multiple}x {where}",
                f"not age <{p.young_age_below} with >{p.young_income_multiple}x {where}; "
                f"student <={p.student_max_age}; retired >={p.retired_min_age}",
            )
            self.where[(sector, tier)] = texts
        return texts


_PLANS: dict[int, tuple[CheckPolicy, _Plan]] = {}


def _plan(policy: CheckPolicy) -> _Plan:
    entry = _PLANS.get(id(policy))
    if entry is None or entry[0] is not policy:  # the policy is kept in the entry, so its id is not reused
        if len(_PLANS) >= 64:  # a process uses a handful of policies; tests build many
            _PLANS.clear()
        entry = (policy, _Plan(policy))
        _PLANS[id(policy)] = entry
    return entry[1]


def _identity_checks(form: ApplicationForm, facts: ApplicantFacts, plan: _Plan, out: list[CheckResult]) -> None:
    parsed = parse_resident_id(form.id_number, facts.applied_on)
    problems = parsed.problems if isinstance(parsed, IdProblem) else ()
    bad_format = ID_FORMAT in problems
    for code in (ID_FORMAT, ID_REGION, ID_BIRTH_DATE, ID_CHECK_DIGIT):
        if code is not ID_FORMAT and bad_format:
            out.append(plan.result(code, False, _NOT_EVALUATED))
        else:
            hit = code in problems
            out.append(plan.result(code, hit, "invalid" if hit else "valid"))
    id_birth = parsed.birth_date
    if id_birth is None:
        out.append(plan.result(C.BIRTH_DATE_MISMATCH, False, _NOT_EVALUATED))
    else:
        hit = id_birth != form.birth_date
        out.append(plan.result(C.BIRTH_DATE_MISMATCH, hit, "mismatch" if hit else "match"))


def _debt_problem(facts: ApplicantFacts, policy: CheckPolicy) -> str:
    debt, lenders = facts.monthly_debt_payments_minor, facts.other_lenders
    if debt > 0 and lenders == 0:
        return "payments without lenders"
    if debt == 0 and lenders >= policy.lenders_without_payments_min:
        return "lenders without payments"
    if debt > 0 and debt >= facts.monthly_income_minor:
        return "payments >= income"
    return ""


def _form_checks(form: ApplicationForm, facts: ApplicantFacts, plan: _Plan, out: list[CheckResult]) -> None:
    p, age, income = plan.policy, facts.age, facts.monthly_income_minor
    observed = str(age)
    out.append(plan.result(C.AGE_BELOW_MIN, age < p.min_age, observed))
    out.append(plan.result(C.AGE_ABOVE_MAX, age > p.max_age, observed))
    ok = phone_ok(form.phone)
    out.append(plan.result(C.PHONE_FORMAT, not ok, "valid" if ok else "invalid"))
    consent = facts.consent_bureau
    out.append(plan.result(C.CONSENT_BUREAU_MISSING, not consent, "given" if consent else "missing"))
    median, high, young = p.income_bound(facts.sector, facts.city_tier)
    where, high_text, young_text = plan.income_texts(facts.sector, facts.city_tier)
    observed = f"{_ratio(income, median)}x {where}"
    out.append(plan.fresh(C.INCOME_IMPLAUSIBLE, income > high, observed, high_text))
    verified = facts.verified_income_minor
    if verified is None:
        out.append(plan.result(C.INCOME_UNVERIFIED, False, "no verified income"))
    else:
        hit = income * BPS > p.income_unverified_bps * verified
        out.append(plan.fresh(C.INCOME_UNVERIFIED, hit, f"stated/verified={_ratio(income, verified)}"))
    problem = _debt_problem(facts, p)
    out.append(plan.result(C.DEBT_INCOME_INCONSISTENT, bool(problem), problem or "consistent"))
    row = p.income_table.sector(facts.sector)
    hit = (
        (age < p.young_age_below and income > young)
        or (row == "student" and age > p.student_max_age)
        or (row == "retired" and age < p.retired_min_age)
    )
    out.append(plan.fresh(C.AGE_SECTOR_INCONSISTENT, hit, f"age {age}; {observed}", young_text))


_BY = {kind: f"by_{kind}" for kind, _ in _VELOCITY_KINDS}


@cache
def _window_code(base: str, days: int) -> str:
    return f"{base}_{days}D"


def _velocity_checks(facts: ApplicantFacts, v: VelocitySnapshot, plan: _Plan, out: list[CheckResult]) -> None:
    p = plan.policy
    dup = v.duplicate_of
    if dup is None:
        out.append(plan.result(C.DUPLICATE_SUBMISSION, False, "first"))
    else:  # an application id is not personal data
        out.append(plan.fresh(C.DUPLICATE_SUBMISSION, True, f"duplicate of {dup}"))
    windows = _windows(v, p)
    for kind, base in _VELOCITY_KINDS:
        attr = _BY[kind]
        for days, most in p.velocity_max[kind]:
            count = getattr(windows[days], attr)
            out.append(plan.result(_window_code(base, days), count > most, str(count)))
    for code, count, least in (
        (C.IDENTITY_REUSE_PHONE, v.identities_per_phone, p.reuse_min_identities_phone),
        (C.IDENTITY_REUSE_DEVICE, v.identities_per_device, p.reuse_min_identities_device),
        (C.IDENTITY_REUSE_EMPLOYER_ADDRESS, v.identities_per_employer_address, p.reuse_min_identities_employer_address),
        (C.MULTI_PHONE_IDENTITY, v.phones_per_identity, p.multi_min_phones),
        (C.MULTI_DEVICE_IDENTITY, v.devices_per_identity, p.multi_min_devices),
    ):
        out.append(plan.result(code, count >= least, str(count)))
    out.append(_employer_outlier(facts, v, plan))
    if CLUSTER_IDENTITIES in v.extra:  # a snapshot stored before the cluster counts existed: no result (replay)
        out.append(_employer_cluster(facts, v.extra, plan))


def _employer_cluster(facts: ApplicantFacts, extra: dict[str, int], plan: _Plan) -> CheckResult:
    """Agency packaging (中介包装): a burst of identities at one employer alone is a large employer hiring; it
    flags only with phones from one SIM batch, or with incomes bunched at a figure people do not round to.
    ``observed`` determines the outcome (it says whether the income is round), so the result can be memoised."""
    p, code = plan.policy, C.EMPLOYER_APPLICATION_CLUSTER
    identities = extra[CLUSTER_IDENTITIES]
    if identities == 0:  # most applications: nobody else at this employer this week
        return plan.result(code, False, "identities=0")
    block, near = extra.get(CLUSTER_PHONE_BLOCK, 0), extra.get(CLUSTER_INCOME_NEAR, 0)
    round_income = facts.monthly_income_minor % p.cluster_round_income_minor == 0
    bunched = (
        near >= p.cluster_min_income_near and near * BPS >= p.cluster_income_near_bps * identities and not round_income
    )
    hit = identities >= p.cluster_min_identities and (block >= p.cluster_min_same_phone_block or bunched)
    observed = (
        f"identities={identities}; phone block={block}; income near={near}; {'round' if round_income else 'not round'}"
    )
    return plan.result(code, hit, observed)


def _employer_outlier(facts: ApplicantFacts, v: VelocitySnapshot, plan: _Plan) -> CheckResult:
    p, code = plan.policy, C.EMPLOYER_INCOME_OUTLIER
    peers, median = v.employer_peers, v.employer_median_income_minor
    if peers < p.employer_min_peers or median <= 0:
        return plan.result(code, False, f"peers={peers}")
    income = facts.monthly_income_minor
    hit = income * BPS > p.employer_outlier_bps * median
    return plan.fresh(code, hit, f"{_ratio(income, median)}x peers' median; peers={peers}")


def _windows(v: VelocitySnapshot, p: CheckPolicy) -> dict[int, WindowCounts]:
    found = {w.days: w for w in v.windows}
    for days in p.velocity_windows_days:
        if days not in found:
            raise DomainError(
                f"velocity snapshot has no {days}-day window; the check policy needs {list(p.velocity_windows_days)}",
                code="velocity_window_missing",
            )
    return found


def run_checks(
    form: ApplicationForm, facts: ApplicantFacts, velocity: VelocitySnapshot, policy: CheckPolicy
) -> tuple[CheckResult, ...]:
    """Every check, in a fixed order: identity number, form plausibility, then duplicate / velocity / reuse.

    ``facts`` must be ``strategy.facts.derive_facts(form)`` (the age and the application date come from it);
    ``velocity`` must carry one window per ``policy.velocity_windows_days`` (else ``velocity_window_missing``)."""
    plan = _plan(policy)
    out: list[CheckResult] = []
    _identity_checks(form, facts, plan, out)
    _form_checks(form, facts, plan, out)
    _velocity_checks(facts, velocity, plan, out)
    return tuple(out)
