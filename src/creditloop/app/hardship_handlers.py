"""Handlers of the hardship workflow (issue 15): request → options → accept → track.

Every step is audited (kinds ``hardship_request``, ``hardship_options``, ``hardship_accept``, ``hardship_plan``),
with hashed inputs and never the customer's text. Restructurings run through ``handlers.restructure_line`` (the
``Restructure`` command: its pricing-cap check and disclosure included). A refusal raises before anything is
written, and the bus rolls the transaction back on any error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any, cast

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.ewi_handlers import short_id
from creditloop.app.handlers import Policies, change_line
from creditloop.app.hardship_options import (
    current_payments,
    line_payments,
    option_dict,
    options_case,
    original_eir,
    plan_facts,
    plan_id_of,
    preview_facts,
    preview_id_of,
)
from creditloop.app.hardship_store import HardshipStore, HardshipUnitOfWork, StoredPlan, StoredRequest
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.collections.hardship_requests import HARDSHIP, ReasonClassifier, RequestFacts
from creditloop.collections.hardship_requests import understand as understand_request
from creditloop.collections.hardship_text import reason_classifier
from creditloop.collections.options import (
    Candidate,
    OptionValue,
    PlanFacts,
    candidates,
    present_value,
    present_value_at,
    rank,
    value,
    within_authority,
)
from creditloop.collections.options_policy import ROLES, OptionsPolicy, default_options_policy
from creditloop.collections.plans import (
    ACTIVE,
    BROKEN,
    COMPLETED,
    broken_marks,
    diminished_obligation_bps,
    granted_marks,
    track,
)
from creditloop.core.errors import DomainError, NotFound, ValidationError
from creditloop.core.money import round_minor
from creditloop.servicing.credit_line import fingerprint
from creditloop.servicing.model import LineStatus

# Stable codes of the refusals specific to this workflow.
REQUEST_ROUTED = "hardship_request_routed"
OPTIONS_NOT_GENERATED = "hardship_options_not_generated"
UNKNOWN_OPTION = "unknown_hardship_option"
OPTION_UNAVAILABLE = "hardship_option_unavailable"
PAST_AUTHORITY = "concession_exceeds_authority"
ALREADY_ACCEPTED = "hardship_plan_already_accepted"


def _store(uow: UnitOfWork) -> HardshipStore:
    if not hasattr(uow, "hardship"):
        raise TypeError(f"{type(uow).__name__} has no hardship store")
    return cast(HardshipUnitOfWork, uow).hardship


def options_policy(policies: Policies) -> OptionsPolicy:
    return getattr(policies, "hardship_options", None) or default_options_policy()


def classifier(policies: Policies) -> ReasonClassifier:
    found = getattr(policies, "reason_classifier", None)
    return found if found is not None else reason_classifier()  # the packaged text model (hardship-reason@2)


def _audit(uow: UnitOfWork, record: AuditRecord) -> None:
    if uow.audit.get(record.decision_id) is None:
        uow.audit.record(record)


# ----------------------------------------------------------------------------- request


def submit_request(cmd: h.SubmitHardshipRequest, uow: UnitOfWork, policies: Policies) -> StoredRequest:
    """Record the request; without consent the text is dropped unread. A retry returns the stored request."""
    text = cmd.text if cmd.consent and cmd.text is not None else None
    facts = RequestFacts(
        cmd.channel, cmd.category, cmd.monthly_income_minor, cmd.monthly_expenses_minor, cmd.consent, text,
        cmd.lang,  # type: ignore[arg-type]  # checked by RequestFacts
    )  # fmt: skip
    store = _store(uow)
    known = store.get_request(cmd.request_id)
    line = uow.lines.get(cmd.line_id)  # NotFound before anything is written
    found = understand_request(facts, classifier(policies))
    request = StoredRequest(
        cmd.request_id, line.line_id, cmd.channel, cmd.category, found.category, found.source, found.vulnerabilities,
        cmd.consent, text, cmd.lang, cmd.monthly_income_minor, cmd.monthly_expenses_minor, cmd.on, found.outcome,
    )  # fmt: skip
    if known is not None:
        store.add_request(request)  # the same request: a no-op; another under its id: IdempotencyConflict
        return known
    store.add_request(request)
    hashed = {k: v for k, v in vars_of(request).items() if k not in ("text", "options", "options_on")}
    _audit(
        uow,
        AuditRecord(
            f"hardship_request/{cmd.request_id}", "hardship_request", line.line_id, cmd.on, "hardship_request",
            "1", fingerprint(hashed), found.outcome, (found.category, *found.vulnerabilities),
            ({"category_source": found.source, "text_kept": text is not None},),
        ),
    )  # fmt: skip
    return request


def vars_of(request: StoredRequest) -> dict[str, Any]:
    return {k: getattr(request, k) for k in request.__dataclass_fields__}


def _request(uow: UnitOfWork, request_id: str) -> StoredRequest:
    request = _store(uow).get_request(request_id)
    if request is None:
        raise NotFound(f"no hardship request {request_id!r}", field="request_id")
    if request.outcome != HARDSHIP:
        raise DomainError(
            f"request {request_id!r} was routed out of the hardship path ({request.outcome})",
            code=REQUEST_ROUTED,
            field="request_id",
        )
    return request


# ----------------------------------------------------------------------------- options


@dataclass(frozen=True, slots=True)
class OptionsResult:
    request_id: str
    on: date
    ranked: tuple[OptionValue, ...]  # available options, best first
    unavailable: tuple[OptionValue, ...]  # with the reason code
    status_quo: OptionValue  # the current schedule valued the same way
    present_top: int
    policy_version: str

    @property
    def presented(self) -> tuple[OptionValue, ...]:
        return self.ranked[: self.present_top]


def generate_options(cmd: h.GenerateHardshipOptions, uow: UnitOfWork, policies: Policies) -> OptionsResult:
    request = _request(uow, cmd.request_id)
    policy = options_policy(policies)
    line = uow.lines.get(request.line_id)
    case = options_case(line, request, cmd.on)
    todo, skipped = candidates(case, policy)
    values = []
    for cand in todo:
        facts, _ = preview_facts(
            uow, policies, case, cand, preview_id_of(request.request_id, cand.option_id, cmd.on), apply=False
        )
        values.append(value(cand, facts, case, policy))
    ranked = rank(values, policy)
    unavailable = tuple(sorted([v for v in values if not v.available] + skipped, key=lambda v: v.option_id))
    quo = value(Candidate("CURRENT", "status_quo", ()), PlanFacts(current_payments(line, case)), case, policy)
    result = OptionsResult(
        request.request_id, cmd.on, tuple(ranked), unavailable, quo, policy.present_top, policy.version
    )
    offer = tuple(option_dict(v, k + 1) for k, v in enumerate(ranked)) + tuple(
        option_dict(v, None) for v in unavailable
    )
    _store(uow).set_options(request.request_id, offer, cmd.on)
    trace = tuple(
        {"option_id": v.option_id, "rank": k + 1, "npv_minor": v.npv_minor, "affordable": v.affordable}
        for k, v in enumerate(ranked)
    ) + tuple({"option_id": v.option_id, "reason": v.reason} for v in unavailable)
    _audit(
        uow,
        AuditRecord(
            f"hardship_options/{request.request_id}/{cmd.on.isoformat()}", "hardship_options", line.line_id, cmd.on,
            policy.policy_id, policy.version, fingerprint(asdict(case)),
            "offered" if ranked else "no_option", tuple(v.option_id for v in result.presented), trace,
        ),
    )  # fmt: skip
    return result


# ----------------------------------------------------------------------------- accept


@dataclass(frozen=True, slots=True)
class AcceptResult:
    plan: StoredPlan
    required_role: str | None
    disclosure: dict[str, object] | None


def accept_option(cmd: h.AcceptHardshipOption, uow: UnitOfWork, policies: Policies) -> AcceptResult:
    if cmd.role not in ROLES:
        raise ValidationError(f"role must be one of {list(ROLES)}, got {cmd.role!r}", field="role")
    request = _request(uow, cmd.request_id)
    policy = options_policy(policies)
    store = _store(uow)
    plan_id = plan_id_of(request.request_id, cmd.option_id)
    known = store.get_plan(plan_id)
    if known is not None:  # a retry: the same acceptance answers with the plan; another is refused
        if (known.approved_by, known.accepted_on) != (cmd.role, cmd.on):
            raise DomainError(
                f"option {cmd.option_id!r} was already accepted", code=ALREADY_ACCEPTED, field="option_id"
            )
        return AcceptResult(known, known.approved_by, None)
    offered = _offered(request, cmd.option_id)
    if any(p.request_id == request.request_id for p in store.plans(line_id=request.line_id)):
        raise DomainError("an option of this request was already accepted", code=ALREADY_ACCEPTED, field="request_id")
    line = uow.lines.get(request.line_id)
    case = options_case(line, request, cmd.on)
    cand = Candidate(cmd.option_id, str(offered["kind"]), tuple(dict(offered["params"]).items()))
    facts, _ = preview_facts(uow, policies, case, cand, plan_id, apply=False)
    if facts.refused is not None:
        raise DomainError(
            f"option {cmd.option_id!r} cannot be applied today: {facts.refused}", code=OPTION_UNAVAILABLE,
            field="option_id",
        )  # fmt: skip
    figures = value(cand, facts, case, policy)
    authority = next(a for a in policy.approval if a.role == cmd.role)
    if not within_authority(
        authority.max_concession_minor, authority.max_concession_share_bps, figures.concession_minor, case.balance_minor
    ):
        needed = figures.required_role or "nobody (past every role's authority)"
        raise DomainError(
            f"a concession of {figures.concession_minor} fen ({figures.concession_share_bps} bp of the balance) is "
            f"past the authority of {cmd.role}; it needs {needed}",
            code=PAST_AUTHORITY,
            field="role",
        )
    # The diminished financial obligation: the contractual payments' PV before against the plan's, both at the
    # line's original effective rate (EBA); at the cost of funds only for a line without a purchase plan.
    eir = original_eir(line)
    if eir is None:
        pv_before = round_minor(present_value(current_payments(line, case), case.on, policy.cost_of_funds_bps))
        pv_after = figures.pv_minor
    else:
        pv_before = round_minor(present_value_at(current_payments(line, case), case.on, eir))
        pv_after = round_minor(present_value_at(facts.payments, case.on, eir))
    dfo = diminished_obligation_bps(pv_before, pv_after)
    _, applied = preview_facts(uow, policies, case, cand, plan_id, apply=True)
    assert applied is not None
    applied_facts = plan_facts(case, cand, applied)
    marks = granted_marks(cand.kind, case.dpd, cmd.on, case.disaster, policy, dfo_bps=dfo)
    plan = StoredPlan(
        plan_id, request.request_id, line.line_id, cmd.option_id, cand.kind, dict(offered["params"]), cmd.on,
        cmd.role, applied_facts.concession_minor, applied_facts.payments, marks, tracked_on=cmd.on,
    )  # fmt: skip
    store.add_plan(plan)
    _audit(
        uow,
        AuditRecord(
            f"hardship_accept/{plan_id}", "hardship_accept", line.line_id, cmd.on, policy.policy_id, policy.version,
            fingerprint({"request": request.request_id, "option": cmd.option_id, "role": cmd.role}), "accepted",
            (cmd.option_id, cand.kind),
            ({"role": cmd.role, "required_role": figures.required_role, "concession_minor": plan.concession_minor,
              "params": plan.params, "marks": plan.marks},),
        ),
    )  # fmt: skip
    return AcceptResult(plan, figures.required_role, applied.disclosure)


def _offered(request: StoredRequest, option_id: str) -> dict[str, Any]:
    if not request.options:
        raise DomainError(
            f"no options were generated for request {request.request_id!r}", code=OPTIONS_NOT_GENERATED,
            field="request_id",
        )  # fmt: skip
    found = next((o for o in request.options if o["option_id"] == option_id), None)
    if found is None:
        offered = [o["option_id"] for o in request.options if o.get("available")]
        raise ValidationError(
            f"option {option_id!r} was not offered; offered: {offered}", code=UNKNOWN_OPTION, field="option_id"
        )
    if not found.get("available"):
        raise DomainError(
            f"option {option_id!r} is not available: {found.get('reason')}", code=OPTION_UNAVAILABLE, field="option_id"
        )
    return found


# ----------------------------------------------------------------------------- tracking


def track_plans(cmd: h.TrackHardshipPlans, uow: UnitOfWork, policies: Policies) -> list[StoredPlan]:
    """Each active plan's progress as of ``on``; a plan that breaks is marked, audited and its line treated per
    the policy (concessions retained, the line frozen). Returns the plans as tracked."""
    store, policy = _store(uow), options_policy(policies)
    if cmd.plan is not None:
        one = store.get_plan(cmd.plan)
        if one is None:
            raise NotFound(f"no hardship plan {cmd.plan!r}", field="plan")
        plans = [one]
    else:
        plans = store.plans(status=ACTIVE, after=cmd.after, limit=cmd.limit)
    out = []
    for plan in plans:
        if plan.status != ACTIVE or cmd.on < plan.accepted_on:
            out.append(plan)
            continue
        line = uow.lines.get(plan.line_id)
        progress = track(plan.schedule, line_payments(line, plan.accepted_on, cmd.on), cmd.on, policy.broken)
        moved = replace(
            plan, status=progress.status, tracked_on=cmd.on, paid_minor=progress.paid_minor, missed=progress.missed,
            days_late=progress.days_late,
        )  # fmt: skip
        if progress.status == BROKEN:
            moved = replace(moved, broken_on=cmd.on, marks=broken_marks(plan.marks, cmd.on, policy))
            if policy.broken.line_action == "freeze" and line.status is LineStatus.ACTIVE:
                change_line(c.ChangeLine(short_id("HB", plan.plan_id), line.line_id, "freeze", cmd.on), uow, policies)
        store.update_plan(moved)
        if progress.status in (BROKEN, COMPLETED):
            _audit(
                uow,
                AuditRecord(
                    f"hardship_plan/{plan.plan_id}/{progress.status}", "hardship_plan", line.line_id, cmd.on,
                    policy.policy_id, policy.version, fingerprint({"plan": plan.plan_id, "on": cmd.on.isoformat()}),
                    progress.status, (plan.option_id, plan.kind),
                    ({"missed": progress.missed, "days_late": progress.days_late, "paid_minor": progress.paid_minor,
                      "scheduled_minor": progress.scheduled_minor, "concession": policy.broken.concession,
                      "line_action": policy.broken.line_action if progress.status == BROKEN else "none"},),
                ),
            )  # fmt: skip
        out.append(moved)
    return out


HARDSHIP_HANDLERS: dict[type, Callable[..., Any]] = {
    h.SubmitHardshipRequest: submit_request,
    h.GenerateHardshipOptions: generate_options,
    h.AcceptHardshipOption: accept_option,
    h.TrackHardshipPlans: track_plans,
}
