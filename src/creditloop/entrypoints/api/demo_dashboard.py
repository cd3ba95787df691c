"""``creditloop serve --seed-demo``, the dashboard's part: a small portfolio with a shock, a collections case and
two hardship requests with options (one past an agent's authority), so every dashboard page has something real in it.

The portfolio: ``COHORT`` lines a month opened over the six months before today (``L-PF-<month>-<n>``), each with a
six-month installment purchase. Every customer pays in full until the shock month (three months back); from then on
the customers whose number is in ``STOPS`` pay nothing and those in ``HALF`` half. The shock month is recorded in
``portfolio_events.json`` in the data directory, which the portfolio view marks. Seeding is idempotent (fixed ids).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.collections_commands import OpenCollectionCase
from creditloop.app.views import line_summary
from creditloop.core.dates import add_months, month_end
from creditloop.core.errors import NotFound
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import seed_book
from creditloop.entrypoints.api.demo_profiles import seed_profiles

MONTHS = 6
COHORT = 4
STOPS = (1,)  # customer numbers (within a cohort) who stop paying at the shock
HALF = (2,)  # ... and who pay half
EVENTS_FILE = "portfolio_events.json"
CASE_LINE = "L-DEMO-4"
HARDSHIP_LINE = "L-DEMO-5"
HARDSHIP_REQUEST = "demo-hardship-1"
LARGE_LINE = "L-DEMO-7"  # its penalty waiver needs more than an agent's authority
LARGE_REQUEST = "demo-hardship-2"


def shock_month(today: date) -> date:
    return add_months(today.replace(day=1), -3)


def seed_all(be: Backend) -> int:
    """The API's demo book (``demo.seed_book``) with the dashboard's portfolio and cases; returns lines opened.

    The first day-end of a ledger closes one date only, so the portfolio's first month end is closed before the
    demo book's day-end catches every date up to yesterday (storing each month end's panel rows on the way)."""
    today = be.today()
    shock = shock_month(today)
    made = 0
    for m in range(MONTHS, 0, -1):
        month = add_months(today.replace(day=1), -m)
        for n in range(COHORT):
            made += _line(be, month, n, shock, today)
    if made:
        be.send(c.RunDayEnd(month_end(add_months(today.replace(day=1), -MONTHS))))
    made += seed_book(be)
    made += _large_line(be, today)
    seed_profiles(be, (7,))  # C-DEMO-7, the large line's customer
    be.send(c.RunDayEnd(today - timedelta(days=1)))
    seed_care(be)
    if be.data_dir is not None:  # the embedded ledger's directory (the only one --seed-demo seeds)
        events = [{"month": shock.isoformat()[:7], "kind": "shock", "zh": "收入冲击", "en": "Income shock"}]
        (be.data_dir / EVENTS_FILE).write_text(json.dumps(events, ensure_ascii=False), encoding="utf-8")
    return made


def _line(be: Backend, month: date, n: int, shock: date, today: date) -> int:
    line_id = f"L-PF-{month:%Y%m}-{n}"
    try:
        be.read(line_summary, line_id)
        return 0
    except NotFound:
        pass
    opened = month + timedelta(days=4 + n)
    be.send(c.OpenLine(line_id, f"C-PF-{month:%Y%m}-{n}", 1_500_000, opened))
    be.send(c.Purchase(f"pf-p-{line_id}", line_id, 400_000 + 50_000 * n, 6, opened + timedelta(days=1)))
    for k, row in enumerate(be.read(line_summary, line_id).schedule):
        due = date.fromisoformat(str(row["due_on"]))
        share = 100 if due < shock else (0 if n in STOPS else 50 if n in HALF else 100)
        amount = (int(row["principal_minor"]) + int(row["fee_minor"])) * share // 100
        if amount > 0 and due < today:
            be.send(c.Repay(f"pf-pay-{line_id}-{k}", line_id, amount, due - timedelta(days=1)))
    return 1


def _large_line(be: Backend, today: date) -> int:
    """``LARGE_LINE``: a 20,000-yuan purchase 120 days back, never paid: its penalty is past an agent's authority."""
    try:
        be.read(line_summary, LARGE_LINE)
        return 0
    except NotFound:
        pass
    opened = today - timedelta(days=120)
    be.send(c.OpenLine(LARGE_LINE, "C-DEMO-7", 3_000_000, opened))
    be.send(c.Purchase("demo-p7", LARGE_LINE, 2_000_000, 3, opened + timedelta(days=2)))
    return 1


def seed_care(be: Backend) -> None:
    """A collections case on ``CASE_LINE`` (a debtor and a third-party contact, China conduct rules) and a hardship
    request with its options generated on ``HARDSHIP_LINE`` (within an agent's authority) and on ``LARGE_LINE``
    (past it), awaiting approval. Idempotent."""
    today = be.today()
    be.send(OpenCollectionCase(CASE_LINE, "Asia/Shanghai", today, ("debtor-4",), ("third-party-4",), "cn"))
    be.send(h.SubmitHardshipRequest(HARDSHIP_REQUEST, HARDSHIP_LINE, today, "agent", "job_loss_or_pay_cut",
                                    300_000, 250_000, False))  # fmt: skip
    be.send(h.GenerateHardshipOptions(HARDSHIP_REQUEST, today))
    be.send(h.SubmitHardshipRequest(LARGE_REQUEST, LARGE_LINE, today, "agent", "illness_or_injury", 800_000, 500_000,
                                    False))  # fmt: skip
    be.send(h.GenerateHardshipOptions(LARGE_REQUEST, today))
