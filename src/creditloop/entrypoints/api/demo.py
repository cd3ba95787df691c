"""``creditloop serve --seed-demo``: a small demo book and one API key per role, printed once (stored hashed).

The book: six lines opened 120 days ago, each with a three-month purchase; some customers pay, one pays part, the
rest do not, so the collections queue and the early-warning list have something in them. Seeding is idempotent
(command ids are fixed); the keys are new on every start and the previous demo keys are revoked.
"""

from __future__ import annotations

from datetime import date, timedelta

from creditloop.app import commands as c
from creditloop.app.views import line_summary
from creditloop.core.errors import NotFound
from creditloop.entrypoints.api.authz import ROLES
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo_profiles import seed_profiles
from creditloop.entrypoints.api.keys import issue

DEMO_LABEL = "demo"
DEMO_CUSTOMER = "C-DEMO-1"
# customer number -> share of what is due that the customer pays each month (percent)
PAYERS = {1: 100, 2: 100, 3: 50, 4: 0, 5: 0, 6: 100}


def seed_book(be: Backend) -> int:
    """Open and use the demo lines (skipped when they exist) and store each demo customer's synthetic profile;
    returns how many lines were opened."""
    seed_profiles(be, PAYERS)
    today = be.today()
    opened = today - timedelta(days=120)
    made = 0
    for n, share in PAYERS.items():
        line_id = f"L-DEMO-{n}"
        try:
            be.read(line_summary, line_id)
            continue
        except NotFound:
            pass
        be.send(c.OpenLine(line_id, f"C-DEMO-{n}", 1_000_000, opened))
        be.send(c.Purchase(f"demo-p{n}", line_id, 300_000 + 10_000 * n, 3, opened + timedelta(days=2)))
        _pay(be, line_id, share, today)
        made += 1
    if made:  # close the days since, so the lines that did not pay are overdue as of yesterday
        be.send(c.RunDayEnd(today - timedelta(days=1)))
        _alert(be, "L-DEMO-4", today)
    return made


def _pay(be: Backend, line_id: str, share: int, today: date) -> None:
    schedule = be.read(line_summary, line_id).schedule
    for k, row in enumerate(schedule):
        due = date.fromisoformat(str(row["due_on"]))
        amount = (int(row["principal_minor"]) + int(row["fee_minor"])) * share // 100
        if amount > 0 and due <= today:
            be.send(c.Repay(f"demo-pay{k}", line_id, amount, due - timedelta(days=1)))


def _alert(be: Backend, line_id: str, today: date) -> None:
    be.send(c.RaiseAlert("demo-alert-1", line_id, "demo_missed_payment", "demo", "1", today, "high",
                         ("missed_payment",), (("dpd", float(be.read(line_summary, line_id).dpd)),)))  # fmt: skip


def issue_keys(be: Backend) -> dict[str, str]:
    """A fresh key per role (the customer's bound to C-DEMO-1); the previous demo keys stop working."""
    now = be.clock.now()
    be.keys.revoke_label(DEMO_LABEL, now)
    return {role: issue(be.keys, role, DEMO_LABEL, now, DEMO_CUSTOMER if role == "customer" else None)
            for role in ROLES}  # fmt: skip
