"""Day-end reports what it changed from the lines' domain events (issue 12, item 2: jobs subscribe to events
instead of scanning line state): dues missed, bucket moves and charge-offs per business date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from creditloop.app.movements import DayMovements
from creditloop.entrypoints.cli.main import app
from creditloop.servicing.events import BucketChanged, ChargedOff, DueMissed, PaymentApplied


def ok(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args else res.stdout


def test_day_end_reports_dues_missed_bucket_moves_and_charge_offs(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "ledger")]
    for line, amount in (("L1", "100"), ("L2", "50")):
        ok("line", "open", "--line-id", line, "--customer-id", f"C-{line}", "--limit", "500", "--on", "2024-01-05", *d)
        ok("line", "purchase", "--line-id", line, "--amount", amount, "--purchase-id", "b1", "--on", "2024-01-06", *d)
    ok("line", "repay", "--line-id", "L2", "--amount", "50", "--payment-id", "p1", "--on", "2024-02-08", *d)
    ok("day-end", "--on", "2024-01-31", *d)
    moved = ok("day-end", "--on", "2024-09-20", "--json", *d)["movements"]
    # L1 (100 yuan, never paid) misses its 10 Feb due date, ages one bucket a month, is charged off at 180 days;
    # L2 paid on time and moves nothing.
    assert moved["2024-02-11"] == {
        "dues_missed": 1,
        "bucket_moves": {"M0->M1": 1},
        "charged_off": 0,
        "charged_off_minor": 0,
    }
    assert [m["bucket_moves"] for m in moved.values() if m["bucket_moves"]] == [
        {"M0->M1": 1},
        {"M1->M2": 1},
        {"M2->M3": 1},
        {"M3->M4": 1},
        {"M4->M5": 1},
        {"M5->M6": 1},
    ]
    charged = [(day, m["charged_off_minor"]) for day, m in moved.items() if m["charged_off"]]
    assert len(charged) == 1 and charged[0][1] > 10000  # principal plus 180 days of penalty
    again = ok("day-end", "--on", "2024-09-20", "--json", *d)  # a re-run closes nothing and reports nothing
    assert (again["business_dates"], again["movements"]) == ([], {})


def test_movements_count_by_date_and_ignore_other_events() -> None:
    m = DayMovements()
    day = date(2024, 2, 11)
    for event in (
        DueMissed("L1", day, date(2024, 2, 10), 100),
        BucketChanged("L1", day, "M0", "M1", 1),
        BucketChanged("L2", day, "M0", "M1", 1),
        ChargedOff("L3", day, 25),
        PaymentApplied("L4", day, "p", 5, 0, 0),
    ):
        for subscriber in m.subscribers().get(type(event), []):
            subscriber(event)
    assert m.to_dict() == {
        "2024-02-11": {"dues_missed": 1, "bucket_moves": {"M0->M1": 2}, "charged_off": 1, "charged_off_minor": 25}
    }
