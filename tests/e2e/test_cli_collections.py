"""``creditloop collections`` end to end on a SQLite ledger: a case, contacts allowed and refused (a contact at
22:00 local is one line naming the rule, exit 2, and no contact is recorded as made), a plan, a promise to pay
settled at day-end, a dispute that holds the case, the queue, and bad input refused with the option named."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from creditloop.app import commands as c
from creditloop.app.collections_views import case_view
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.entrypoints.cli.main import app


def book(data_dir: Path) -> Any:
    bus = build(Settings(data_dir=data_dir)).bus
    bus.handle(c.OpenLine("L-1", "C1", 500_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b1", "L-1", 120_000, 6, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(date(2024, 3, 1)))
    return bus


def cli(data: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["collections", *args, "--data-dir", str(data)])


def test_collections_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    res = cli(
        data,
        "case",
        "--line-id",
        "L-1",
        "--zone",
        "Asia/Shanghai",
        "--contact",
        "ph1",
        "--third-party",
        "ref1",
        "--on",
        "2024-03-01",
    )
    assert res.exit_code == 0, res.output
    ok = cli(
        data,
        "contact",
        "--line-id",
        "L-1",
        "--contact-id",
        "ph1",
        "--channel",
        "call",
        "--outcome",
        "connected",
        "--at",
        "2024-03-02T21:59+08:00",
        "--attempt-id",
        "a1",
        "--json",
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {
        "attempt_id": "a1",
        "allowed": True,
        "outcome": "connected",
        "local_on": "2024-03-02",
        "policy": "conduct_cn@1",
    }
    late = cli(
        data,
        "contact",
        "--line-id",
        "L-1",
        "--contact-id",
        "ph1",
        "--channel",
        "call",
        "--outcome",
        "connected",
        "--at",
        "2024-03-02T14:00Z",
        "--attempt-id",
        "a2",
    )  # 22:00 in Shanghai
    assert late.exit_code == 2
    lines = late.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: conduct.quiet_hours: ")
    assert "2024-03-03T08:00:00+08:00" in lines[0] and "Traceback" not in late.output
    contacts = case_view(bus.uow, "L-1")["contacts"]
    assert [(r["record_id"], r["allowed"], r["outcome"]) for r in contacts] == [
        ("a1", True, "connected"),
        ("a2", False, None),
    ]
    plan = cli(data, "plan", "--line-id", "L-1", "--at", "2024-03-02T23:30+08:00", "--json")
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["plan"] == {
        "channel": "sms",
        "contact_id": "ph1",
        "at": "2024-03-03T00:00:00+00:00",
        "script": "debtor_reminder",
    }
    ptp = cli(
        data,
        "ptp",
        "record",
        "--line-id",
        "L-1",
        "--amount",
        "300.00",
        "--due",
        "2024-03-05",
        "--on",
        "2024-03-01",
        "--promise-id",
        "p1",
        "--json",
    )
    assert ptp.exit_code == 0 and json.loads(ptp.stdout)["amount_minor"] == 30_000
    settled = cli(data, "ptp", "settle", "--on", "2024-03-05", "--json")
    assert json.loads(settled.stdout) == {"on": "2024-03-05", "kept": 0, "broken": 1, "open": 0}
    queue = cli(data, "queue", "--on", "2024-03-05", "--json")
    item = json.loads(queue.stdout)["items"][0]
    assert (item["line_id"], item["segment"], item["reasons"][0], item["case"]) == ("L-1", "early", "ptp_broken", True)
    assert (
        cli(
            data, "dispute", "open", "--line-id", "L-1", "--dispute-id", "D1", "--at", "2024-03-06T09:00+08:00"
        ).exit_code
        == 0
    )
    held = cli(
        data,
        "contact",
        "--line-id",
        "L-1",
        "--contact-id",
        "ph1",
        "--channel",
        "sms",
        "--outcome",
        "delivered",
        "--at",
        "2024-03-06T10:00+08:00",
    )
    assert held.exit_code == 2 and held.stderr.startswith("error: conduct.dispute_open: ")
    assert json.loads(cli(data, "queue", "--on", "2024-03-06", "--json").stdout)["held"] == ["L-1"]
    text = cli(data, "queue", "--on", "2024-03-06")
    assert text.exit_code == 0 and "held (dispute or complaint open): L-1" in text.stdout


def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    assert cli(data, "case", "--line-id", "L-1", "--zone", "Asia/Shanghai", "--contact", "ph1").exit_code == 0
    cases = [
        (("--channel", "fax", "--outcome", "delivered", "--at", "2024-03-02T10:00+08:00"), "--channel: "),
        (("--channel", "call", "--outcome", "connected", "--at", "2024-03-02T10:00"), "--at: "),
        (("--channel", "call", "--outcome", "connected", "--at", "yesterday"), "--at: "),
        (("--channel", "call", "--outcome", "delivered", "--at", "2024-03-02T10:00+08:00"), "--outcome: "),
    ]
    for args, start in cases:
        res = cli(data, "contact", "--line-id", "L-1", "--contact-id", "ph1", *args)
        assert res.exit_code == 2, (args, res.output)
        assert res.stderr.count("\n") == 1 and res.stderr.startswith(f"error: {start}"), res.stderr
    bad_zone = cli(data, "case", "--line-id", "L-1", "--zone", "Mars/Base", "--contact", "ph1")
    assert bad_zone.exit_code == 2 and bad_zone.stderr.startswith("error: --zone: ")
    unknown = cli(
        data,
        "contact",
        "--line-id",
        "L-9",
        "--contact-id",
        "ph1",
        "--channel",
        "call",
        "--outcome",
        "connected",
        "--at",
        "2024-03-02T10:00+08:00",
    )
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error: not_found: no collections case for line 'L-9'")
    assert case_view(bus.uow, "L-1")["contacts"] == [] and case_view(bus.uow, "L-1")["zone"] == "Asia/Shanghai"
