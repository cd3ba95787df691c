"""SQL hardship store (``app.hardship_store.HardshipStore``) over ``hardship_requests`` and ``hardship_plans``,
inside the unit of work's transaction (a rollback discards its writes with everything else)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, code_point, to_json
from creditloop.adapters.sqlalchemy.tables import hardship_plans, hardship_requests
from creditloop.app.hardship_store import TRACKING, StoredPlan, StoredRequest, same_plan, same_request
from creditloop.core.errors import IdempotencyConflict, NotFound


def _day(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def _request(row: Any) -> StoredRequest:
    m = row._mapping
    requested = _day(m["requested_on"])
    assert requested is not None
    return StoredRequest(
        m["request_id"], m["line_id"], m["channel"], m["stated_category"], m["category"], m["category_source"],
        tuple(json.loads(m["vulnerabilities"])), bool(m["consent"]), m["text"], m["lang"],
        int(m["monthly_income_minor"]), int(m["monthly_expenses_minor"]), requested, m["outcome"],
        tuple(json.loads(m["options"])), _day(m["options_on"]),
    )  # fmt: skip


def _plan(row: Any) -> StoredPlan:
    m = row._mapping
    accepted = _day(m["accepted_on"])
    assert accepted is not None
    schedule = tuple((date.fromisoformat(d), int(a)) for d, a in json.loads(m["schedule"]))
    return StoredPlan(
        m["plan_id"], m["request_id"], m["line_id"], m["option_id"], m["kind"], json.loads(m["params"]), accepted,
        m["approved_by"], int(m["concession_minor"]), schedule, json.loads(m["marks"]), m["status"],
        _day(m["tracked_on"]), int(m["paid_minor"]), int(m["missed"]), int(m["days_late"]), _day(m["broken_on"]),
    )  # fmt: skip


def _tracking(plan: StoredPlan) -> dict[str, Any]:
    return {k: to_json(plan.marks) if k == "marks" else getattr(plan, k) for k in TRACKING}


class SqlHardshipStore:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add_request(self, request: StoredRequest) -> None:
        known = self.get_request(request.request_id)
        if known is not None:
            if not same_request(known, request):
                raise IdempotencyConflict(f"hardship request {request.request_id!r} is stored with another content")
            return
        row = {k: getattr(request, k) for k in request.__dataclass_fields__}
        row["vulnerabilities"] = to_json(list(request.vulnerabilities))
        row["options"] = to_json(list(request.options))
        self._connection().execute(hardship_requests.insert().values(**row))

    def get_request(self, request_id: str) -> StoredRequest | None:
        query = sa.select(hardship_requests).where(hardship_requests.c.request_id == request_id)
        row = self._connection().execute(query).first()
        return None if row is None else _request(row)

    def requests(self, *, line_id: str | None = None) -> list[StoredRequest]:
        query = sa.select(hardship_requests).order_by(hardship_requests.c.request_id)
        if line_id is not None:
            query = query.where(hardship_requests.c.line_id == line_id)
        return [_request(r) for r in self._connection().execute(query)]

    def set_options(self, request_id: str, options: tuple[dict[str, Any], ...], on: date) -> None:
        done = self._connection().execute(
            hardship_requests.update()
            .where(hardship_requests.c.request_id == request_id)
            .values(options=to_json(list(options)), options_on=on)
        )
        if done.rowcount != 1:
            raise NotFound(f"no hardship request {request_id!r}", field="request_id")

    def add_plan(self, plan: StoredPlan) -> None:
        known = self.get_plan(plan.plan_id)
        if known is not None:
            if not same_plan(known, plan):
                raise IdempotencyConflict(f"plan {plan.plan_id!r} is stored with another content")
            return
        row = {k: getattr(plan, k) for k in plan.__dataclass_fields__}
        row.update(
            params=to_json(plan.params),
            schedule=to_json([[d.isoformat(), a] for d, a in plan.schedule]),
            marks=to_json(plan.marks),
        )
        self._connection().execute(hardship_plans.insert().values(**row))

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        row = self._connection().execute(sa.select(hardship_plans).where(hardship_plans.c.plan_id == plan_id)).first()
        return None if row is None else _plan(row)

    def update_plan(self, plan: StoredPlan) -> None:
        done = self._connection().execute(
            hardship_plans.update().where(hardship_plans.c.plan_id == plan.plan_id).values(**_tracking(plan))
        )
        if done.rowcount != 1:
            raise NotFound(f"plan {plan.plan_id!r} is not stored", field="plan_id")

    def plans(
        self, *, status: str | None = None, line_id: str | None = None, after: str | None = None,
        limit: int | None = None,
    ) -> list[StoredPlan]:  # fmt: skip
        conn, c = self._connection(), hardship_plans.c
        key = code_point(conn, c.plan_id)
        query = sa.select(hardship_plans).order_by(key).limit(limit)
        if status is not None:
            query = query.where(c.status == status)
        if line_id is not None:
            query = query.where(c.line_id == line_id)
        if after is not None:
            query = query.where(key > after)
        return [_plan(r) for r in conn.execute(query)]

    def awaiting_approval(self, *, after: str | None = None, limit: int | None = None) -> list[StoredRequest]:
        conn, c = self._connection(), hardship_requests.c
        key = code_point(conn, c.request_id)
        accepted = sa.select(hardship_plans.c.request_id).where(hardship_plans.c.request_id == c.request_id)
        # Options are stored as the JSON of a tuple: none generated (or none valued) is "[]".
        query = sa.select(hardship_requests).where(c.options != to_json([]), ~accepted.exists())
        if after is not None:
            query = query.where(key > after)
        return [_request(r) for r in conn.execute(query.order_by(key).limit(limit))]
