"""Applications and decisions, and the checkout disclosure: ``/applications``, ``/decisions``, ``/disclosures``.

Submitting an application decides it at once (checks, model, limits) and returns the decision with its reasons
and the customer notice in Chinese and English. The form's name, ID number and phone go to the encrypted customer
store (``pii.py``); they are never echoed, logged or put in an error message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import ValidationError as PydanticError

from creditloop.app import commands as c
from creditloop.app.replay import stored_decision
from creditloop.app.underwriting import decision_from_json
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller
from creditloop.entrypoints.api.pii import seal_applicant
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.schemas_more import ApplicationBody, DisclosureBody
from creditloop.products.apr import Regime
from creditloop.products.disclosure import disclose_option
from creditloop.products.terms import load_catalog
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.notices import notice

router = APIRouter(dependencies=[Depends(caller)])
DecisionId = Annotated[str, Path(min_length=1, max_length=140, pattern=r"^[A-Za-z0-9._:/-]+$")]


def _form(body: ApplicationBody, now: datetime) -> ApplicationForm:
    try:
        form = ApplicationForm.model_validate(body.form)
    except PydanticError as exc:  # name the field, never echo the value (it may be personal data)
        first = exc.errors()[0]
        field = "form." + ".".join(str(p) for p in first.get("loc", ()))
        raise Problem(422, "invalid_input", f"{field}: {first.get('msg')}", field=field) from None
    if not now - timedelta(days=30) <= form.applied_at <= now + timedelta(minutes=5):
        raise Problem(422, "invalid_input", "form.applied_at: must be within the last 30 days and not in the future",
                      field="form.applied_at")  # fmt: skip
    return form


def decision_dict(d: Any, line_id: str | None) -> dict[str, Any]:
    return {
        "decision_id": f"underwriting/{d.application_id}", "application_id": d.application_id,
        "outcome": d.decision, "limit_minor": d.limit_minor, "line_id": line_id, "reasons": list(d.reasons),
        "score_band": d.score_band, "price_tier": d.price_tier, "pd": d.pd, "arm": d.arm,
        "policy": f"{d.policy_id}@{d.policy_version}",
        "model": None if d.model_id is None else f"{d.model_id}@{d.model_version}",
        "notice": {"zh": notice(d, "zh"), "en": notice(d, "en")},
    }  # fmt: skip


@router.post(
    "/applications", status_code=201, tags=["applications"], operation_id="submit_application",
    summary="Submit an application: the decision, with reasons",
)  # fmt: skip
def submit_application(body: ApplicationBody, who: Caller, be: Be, response: Response) -> dict[str, Any]:
    """Decided at once; an approval opens the line ``L-{customer_id}``. The application id is the idempotency key:
    the same form again returns the recorded decision, another form under the same id is 409."""
    form = _form(body, be.clock.now())
    # One transaction: a decision is never stored without its approved applicant's data, nor the reverse.
    command = c.DecideApplication(form, customer_id=body.customer_id)
    decision = be.submit_application(command, lambda: seal_applicant(be, body.customer_id, form))
    line_id = f"L-{body.customer_id}" if decision.decision == "approve" else None
    response.headers["Location"] = f"/api/v1/decisions/underwriting/{form.application_id}"
    return decision_dict(decision, line_id)


@router.get(
    "/decisions/{decision_id:path}", tags=["applications"], operation_id="get_decision",
    summary="A recorded decision, with reasons and the notice",
)  # fmt: skip
def get_decision(decision_id: DecisionId, who: Caller, be: Be) -> dict[str, Any]:
    stored = be.read(stored_decision, decision_id)
    return {**decision_dict(decision_from_json(stored.decision_json), stored.line_id),
            "decided_at": stored.decided_at.isoformat(), "applied_on": stored.applied_on.isoformat()}  # fmt: skip


def _product(ref: str) -> Any:
    """A catalog product by ``id@version`` or ``id`` (latest); never a file (the CLI's ``--product FILE``)."""
    catalog = load_catalog()
    versions = sorted((p for p in catalog.values() if p.product_id == ref), key=lambda p: p.version)
    found = catalog.get(ref) or (versions[-1] if versions else None)
    if found is None:
        raise Problem(422, "invalid_input", f"product: not in the catalog ({', '.join(sorted(catalog))})",
                      field="product")  # fmt: skip
    return found


@router.post(
    "/disclosures", tags=["disclosures"], operation_id="disclose", summary="Disclose an installment plan (APR, zh/en)"
)  # fmt: skip
def disclosure(body: DisclosureBody, who: Caller, be: Be) -> dict[str, Any]:
    """The schedule, the cost of credit and the annualised rate of ``periods`` installments of the product, as
    servicing will bill a purchase of ``amount_minor`` made on ``on``; the text in Chinese and English."""
    product = _product(body.product)
    result = disclose_option(product, body.periods, body.amount_minor, business_day(be, body.on),
                             regime=Regime(body.regime))  # fmt: skip
    return {"product": product.key, **result.to_dict()}
