"""A customer's personal data (``/customers/{id}/profile``) and lookup by ID number (``/customers/search``).

Stored encrypted; shown in clear only to the roles ``authz.json`` ``_pii_clear`` names (and to the customer),
masked to the others; every read is audited (``pii.py``). The ID number is found through its blind index, never by
decrypting the table. The ID number travels in a POST body, not in a URL (URLs end up in logs).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from creditloop.entrypoints.api.deps import Be, Caller, caller, own_customer
from creditloop.entrypoints.api.pii import reveal
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.schemas import Id
from creditloop.entrypoints.api.schemas_more import CustomerSearchBody

router = APIRouter(prefix="/customers", tags=["customers"], dependencies=[Depends(caller)])


@router.get("/{customer_id}/profile", operation_id="customer_profile", summary="The customer's personal data")
def profile(customer_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    own_customer(who, customer_id)
    with be.lock:
        sealed = be.pii_store.get(customer_id)
        if sealed is None:
            raise Problem(404, "not_found", "no such resource")
        shown = reveal(be, who, sealed, "customer_profile")
    return {"customer_id": customer_id, "application_id": sealed.application_id, **shown}


@router.post("/search", operation_id="find_customer", summary="Find customers by ID number (blind index)")
def search(body: CustomerSearchBody, who: Caller, be: Be) -> dict[str, Any]:
    with be.lock:
        found = be.pii_store.by_index(be.cipher.index(body.id_number))
        items = []
        for customer_id in found:
            sealed = be.pii_store.get(customer_id)
            if sealed is not None:
                items.append({"customer_id": customer_id, **reveal(be, who, sealed, "find_customer")})
    return {"items": items}
