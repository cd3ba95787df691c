"""Issue 15 item 5: hardship through the request/options workflow and collections inside the simulator.

One small pandemic run per collections strategy on one seed (300 applicants, 10 months, the shock in month 3); the
figures come from tools/collections_ab.py over 3,000 × 24 months (docs/performance.md)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import pytest

from creditloop.app.bus import MessageBus
from creditloop.bootstrap import build_memory
from creditloop.collections.conduct import ConductEngine
from creditloop.collections.conduct_history import ContactAttempt, ContactHistory, ContactRequest
from creditloop.collections.conduct_policy import conduct_policy
from creditloop.collections.scripts import DEFAULT_FOR, SCRIPTS
from creditloop.core.errors import ValidationError
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import BASELINE, get_strategy

SEED = 11


def _run(base: Path, name: str) -> tuple[Path, MessageBus, dict[str, Any]]:
    config = SimConfig(300, 10, SEED, load_scenario("pandemic").with_shock_month(3), strategy=get_strategy(name))
    bus = build_memory().bus
    out = base / name
    summary = Simulation(config, bus, out).run().summary
    return out, bus, summary


@pytest.fixture(scope="module")
def intensive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MessageBus, dict[str, Any]]:
    return _run(tmp_path_factory.mktemp("coll"), "collections-intensive")


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MessageBus, dict[str, Any]]:
    return _run(tmp_path_factory.mktemp("coll"), "collections-standard")


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    return duckdb.connect().execute(sql.replace("$f", f"read_parquet('{path}')")).fetchall()


def test_hardship_goes_through_request_options_and_accept(intensive: tuple[Path, MessageBus, Any]) -> None:
    out, bus, summary = intensive
    accepted = _rows(out / "hardship.parquet", "SELECT request_id, line_id, option FROM $f WHERE accepted")
    assert accepted, f"seed {SEED}: no plan accepted"
    store = bus.uow.hardship  # type: ignore[attr-defined]
    for request_id, line_id, kind in accepted:
        request = store.get_request(request_id)
        assert request is not None and request.line_id == line_id and request.channel == "agent" and request.consent
        assert request.options and any(o["available"] for o in request.options)
        (plan,) = [p for p in store.plans(line_id=line_id) if p.request_id == request_id]
        assert plan.kind == kind and plan.option_id in {o["option_id"] for o in request.options if o["available"]}
        for decision in (f"hardship_request/{request_id}", f"hardship_accept/{plan.plan_id}"):
            assert bus.uow.audit.get(decision) is not None, decision
        assert bus.uow.audit.get(f"hardship_options/{request_id}/{request.requested_on.isoformat()}") is not None
        assert bus.uow.lines.get(line_id).restructured_on is not None  # applied through the Restructure command
    plans = _rows(out / "hardship_plans.parquet", "SELECT status, count(*) FROM $f GROUP BY status")
    workflow = summary["hardship_workflow"]
    assert workflow["accepted"] == len(accepted) == sum(n for _, n in plans)
    assert {f"plans_{s}": n for s, n in plans} == {k: v for k, v in workflow.items() if k.startswith("plans_")}
    assert workflow["requests"] == _rows(out / "hardship.parquet", "SELECT count(*) FROM $f")[0][0]


def _replay(out: Path, bus: MessageBus) -> tuple[int, int]:
    """Every contacts.parquet row judged again by a fresh conduct engine over the run's own contacts (allowed ones
    before it) and the opt-outs open at its instant; (allowed, refused) rows checked."""
    engine = ConductEngine(conduct_policy("cn"))
    store = bus.uow.collections  # type: ignore[attr-defined]
    by_line: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in _rows(
        out / "contacts.parquet",
        'SELECT line_id, attempt_id, "at", zone, contact_id, channel, outcome, refused_rules FROM $f ORDER BY "at"',
    ):
        by_line[row[0]].append(row)
    checked = Counter[bool]()
    for line_id, rows in by_line.items():
        h = ContactHistory(rows[0][3])
        flags = store.flags_for(line_id)
        for _, attempt_id, at, _zone, contact, channel, outcome, codes in rows:
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
            for f in flags:  # the simulator never withdraws an opt-out: those opened by now stand
                if f.kind == "opt_out" and f.contact_id is not None and f.opened_at <= at:
                    h.opt_out(f.contact_id, f.channel or "*")
            script = DEFAULT_FOR.get(("debtor", channel))
            discloses = SCRIPTS[script].mentions_debt if script else True
            d = engine.eligible(ContactRequest(contact, "debtor", channel, "collect", discloses), h, at)
            assert d.allowed == (outcome is not None), (attempt_id, d.codes)
            assert ",".join(d.codes) == codes, attempt_id
            checked[d.allowed] += 1
            if d.allowed:
                h.add(ContactAttempt(attempt_id, contact, "debtor", channel, at, outcome))
    return checked[True], checked[False]


def test_no_simulated_contact_breaks_a_conduct_rule(intensive: tuple[Path, MessageBus, Any]) -> None:
    out, bus, summary = intensive
    allowed, refused = _replay(out, bus)
    assert allowed == summary["collections"]["made"] > 100 and refused == summary["collections"]["refused"]


def test_refused_contacts_are_counted_by_rule(intensive: tuple[Path, MessageBus, Any]) -> None:
    out, _, summary = intensive
    rows = _rows(out / "contacts.parquet", "SELECT refused_rules FROM $f WHERE outcome IS NULL")
    assert rows, f"seed {SEED}: the intensive dialer's follow-up calls were never refused"
    by_rule = Counter(code for (codes,) in rows for code in codes.split(","))
    assert dict(by_rule) == summary["contacts_refused_by_rule"]
    assert len(rows) == summary["collections"]["refused"]
    assert json.loads((out / "summary.json").read_text())["contacts_refused_by_rule"] == dict(by_rule)


def test_the_standard_ladder_plans_only_allowed_contacts_and_settles_promises(
    standard: tuple[Path, MessageBus, Any],
) -> None:
    out, bus, summary = standard
    allowed, refused = _replay(out, bus)
    assert refused == 0 and allowed == summary["collections"]["made"] > 50
    coll = summary["collections"]
    store = bus.uow.collections  # type: ignore[attr-defined]
    status = Counter(p.status for c in store.cases() for p in store.promises_for(c.line_id))
    assert (status["kept"], status["broken"]) == (coll.get("promises_kept", 0), coll.get("promises_broken", 0))
    assert sum(status.values()) == coll["promises"] >= 1
    channels = dict(_rows(out / "contacts.parquet", "SELECT channel, count(*) FROM $f GROUP BY channel"))
    assert channels["sms"] > channels.get("call", 0)  # the packaged early ladder texts first


def test_the_default_strategy_keeps_the_old_hardship_path_and_no_collections(tmp_path: Path) -> None:
    assert BASELINE.hardship_path == "term-extension" and BASELINE.collections is None
    config = SimConfig(120, 4, SEED, load_scenario("pandemic").with_shock_month(2))
    summary = Simulation(config, build_memory().bus, tmp_path).run().summary
    assert "collections" not in summary and "hardship_workflow" not in summary
    assert _rows(tmp_path / "contacts.parquet", "SELECT count(*) FROM $f") == [(0,)]
    for bad in ({"hardship_path": "nope"}, {"collections": "nope"}):
        with pytest.raises(ValidationError) as exc:
            replace(BASELINE, **bad)  # type: ignore[arg-type]
        assert exc.value.field in bad
