"""Read views of the risk dashboard (issue 18 item 3): the portfolio overview from the month-end behaviour panel the
day-end stores, the customer 360 and the hardship requests awaiting approval. Plain values; nothing is changed.

The portfolio overview works on the stored panel (one row per line and closed month end), in Python: fine for the
books a single server shows; a large book goes through the analytics extra (``portfolio.analytics``) instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from creditloop.app.alert_views import alert_dict
from creditloop.app.collections_views import case_view
from creditloop.app.ports import UnitOfWork
from creditloop.app.views import line_summary
from creditloop.core.errors import NotFound

BUCKETS = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7")


def bucket_of(dpd: int) -> str:
    """M0 current, M1 1-30 DPD, M2 31-60 ... M7 181+ (README "Buckets")."""
    return "M0" if dpd <= 0 else BUCKETS[min(7, (dpd + 29) // 30)]


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 6)


def delinquency_by_month(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per month end: balance and count in each bucket, the balance-weighted 30+ rate (M2 and worse) and by count."""
    by_month: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        m, balance, b = by_month[r["month_end_on"]], int(r["balance_minor"] or 0), bucket_of(int(r["dpd"]))
        m[f"{b}_minor"] += balance
        m[f"{b}_lines"] += 1
        m["balance_minor"] += balance
        m["lines"] += 1
    out = []
    for month in sorted(by_month):
        m = by_month[month]
        late = sum(m[f"{b}_minor"] for b in BUCKETS[2:])
        late_lines = sum(m[f"{b}_lines"] for b in BUCKETS[2:])
        out.append({
            "month": month.isoformat()[:7], "month_end_on": month.isoformat(), "lines": m["lines"],
            "balance_minor": m["balance_minor"], "dpd30_minor": late,
            "dpd30_balance_rate": _share(late, m["balance_minor"]), "dpd30_count_rate": _share(late_lines, m["lines"]),
            "buckets": {b: m[f"{b}_minor"] for b in BUCKETS},
        })  # fmt: skip
    return out


def vintages(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per opening month (the line's first stored month) and month on book: the share of the balance then of the
    lines ever 30+ so far (balance-weighted), and by count."""
    series: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        series[r["account_id"]].append(r)
    cells: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # lines, ever, balance, ever balance
    for line_rows in series.values():
        ordered = sorted(line_rows, key=lambda r: r["month_end_on"])
        vintage, ever = ordered[0]["month_end_on"].isoformat()[:7], False
        for mob, r in enumerate(ordered, start=1):
            ever = ever or int(r["dpd"]) > 30
            balance = int(r["balance_minor"] or 0)
            c = cells[(vintage, mob)]
            c[0], c[1], c[2], c[3] = c[0] + 1, c[1] + ever, c[2] + balance, c[3] + (balance if ever else 0)
    return [
        {"vintage": v, "mob": mob, "lines": c[0], "ever30_count_rate": _share(c[1], c[0]),
         "ever30_balance_rate": _share(c[3], c[2])}
        for (v, mob), c in sorted(cells.items())
    ]  # fmt: skip


def roll_rates(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per bucket, over every pair of consecutive month ends: the balance (at t) that rolls to a worse bucket, stays
    or cures (to a better one) by t + 1, as shares of the bucket's balance at t."""
    by_line: dict[str, dict[date, Mapping[str, Any]]] = defaultdict(dict)
    for r in rows:
        by_line[r["account_id"]][r["month_end_on"]] = r
    months = sorted({r["month_end_on"] for r in rows})
    sums: dict[str, list[int]] = {b: [0, 0, 0, 0] for b in BUCKETS}  # balance, worse, same, better
    for line in by_line.values():
        for month, after in pairwise(months):
            now, nxt = line.get(month), line.get(after)
            if now is None or nxt is None:
                continue
            src, dst = BUCKETS.index(bucket_of(int(now["dpd"]))), BUCKETS.index(bucket_of(int(nxt["dpd"])))
            balance, s = int(now["balance_minor"] or 0), sums[BUCKETS[src]]
            s[0] += balance
            s[1 if dst > src else 2 if dst == src else 3] += balance
    return [
        {"bucket": b, "balance_minor": s[0], "roll_forward_rate": _share(s[1], s[0]), "stay_rate": _share(s[2], s[0]),
         "cure_rate": _share(s[3], s[0])}
        for b, s in sums.items() if s[0] > 0
    ]  # fmt: skip


def portfolio_overview(uow: UnitOfWork, events: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Delinquency by month (balance-weighted), vintages and roll rates from the stored panel; ``events`` (months
    to mark, e.g. a shock) are passed through; ``shock_months`` also lists months whose rows carry the shock flag."""
    with uow:
        store = getattr(uow, "panel", None)
        rows = store.rows(sorted(store.months())) if store is not None else []
    flagged = sorted({r["month_end_on"].isoformat()[:7] for r in rows if r.get("shock")})
    return {
        "schema": "creditloop.dashboard.portfolio/1",
        "delinquency": delinquency_by_month(rows),
        "vintages": vintages(rows),
        "rolls": roll_rates(rows),
        "events": [dict(e) for e in events],
        "shock_months": sorted({*flagged, *(str(e["month"]) for e in events if e.get("kind") == "shock")}),
    }


def hardship_queue(uow: UnitOfWork, after: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Hardship requests with options generated and none accepted yet: what awaits an approver, by request id;
    ``after`` (a request id) and ``limit`` page them in the store's own query."""
    with uow:
        store = getattr(uow, "hardship", None)
        if store is None:
            return []
        return [_request(r) for r in store.awaiting_approval(after=after, limit=limit)]


def _request(r: Any) -> dict[str, Any]:
    return {
        "request_id": r.request_id, "line_id": r.line_id, "category": r.category, "channel": r.channel,
        "requested_on": r.requested_on.isoformat(), "outcome": r.outcome,
        "options_on": None if r.options_on is None else r.options_on.isoformat(),
        "monthly_income_minor": r.monthly_income_minor, "monthly_expenses_minor": r.monthly_expenses_minor,
        "options": [dict(o) for o in r.options],
    }  # fmt: skip


def _plan(p: Any) -> dict[str, Any]:
    return {
        "plan_id": p.plan_id, "request_id": p.request_id, "option_id": p.option_id, "kind": p.kind,
        "accepted_on": p.accepted_on.isoformat(), "approved_by": p.approved_by, "concession_minor": p.concession_minor,
        "status": p.status, "paid_minor": p.paid_minor, "missed": p.missed,
    }  # fmt: skip


def customer_360(uow: UnitOfWork, customer_id: str) -> dict[str, Any]:
    """Every line of the customer with its schedule, statements and events (the timeline), alerts, hardship
    requests and plans, and the collections case's contacts. ``NotFound`` when the customer has no line."""
    from creditloop.app.collections_store import store_of

    with uow:
        ids = uow.lines.customer_line_ids(customer_id)  # the customer index (no scan of the book)
    if not ids:
        raise NotFound(f"no line of customer {customer_id!r}", field="customer_id")
    lines = []
    for line_id in ids:
        view = line_summary(uow, line_id)
        with uow:
            alerts = getattr(uow, "alerts", None)
            hardship = getattr(uow, "hardship", None)
            case = store_of(uow).get_case(line_id)
            contacts = store_of(uow).contacts_for(line_id)
            lines.append({
                "line": view.to_dict(),
                "alerts": [alert_dict(a) for a in alerts.for_line(line_id)] if alerts is not None else [],
                "hardship_requests": [_request(r) for r in hardship.requests(line_id=line_id)] if hardship else [],
                "plans": [_plan(p) for p in hardship.plans(line_id=line_id)] if hardship else [],
                "case": None if case is None else {"zone": case.zone, "jurisdiction": case.jurisdiction},
                "contacts": [_contact(r) for r in contacts],
            })  # fmt: skip
    return {"customer_id": customer_id, "lines": lines}


def _contact(r: Any) -> dict[str, Any]:
    return {"record_id": r.record_id, "party": r.party, "channel": r.channel, "at": r.at.isoformat(),
            "local_on": r.local_on.isoformat(), "allowed": r.allowed, "outcome": r.outcome,
            "codes": list(r.codes)}  # fmt: skip


def case_detail(uow: UnitOfWork, line_id: str) -> dict[str, Any]:
    """``collections_views.case_view`` plus the case's opaque contact ids by party, for the worklist's form."""
    from creditloop.app.collections_store import require_case

    out = case_view(uow, line_id)
    with uow:
        case = require_case(uow, line_id)
    out["parties"] = {"debtor": list(case.debtor_contacts), "third_party": list(case.third_parties)}
    return out
