"""The simulator subscribes to domain events (issue 12, item 2): its reminder pass reads the lines that may be
past due from DueMissed / BucketChanged / PaymentReturned / RestructureBooked instead of scanning every line.
The set must never miss a delinquent line, and the run must be the one the scan gave."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario


def test_the_event_fed_set_holds_every_delinquent_line_at_every_reminder_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[int] = []
    original = Simulation._remind

    def remind(self: Simulation, day: date, m: int) -> None:
        delinquent = set()
        for line_id in self.line_of.values():
            line = self._line(line_id)
            line.close_through(day)
            if line.dpd > 0:
                delinquent.add(line_id)
        assert delinquent <= self.maybe_delinquent, sorted(delinquent - self.maybe_delinquent)[:5]
        checked.append(len(delinquent))
        original(self, day, m)

    monkeypatch.setattr(Simulation, "_remind", remind)
    system = build_memory()
    config = SimConfig(400, 12, 5, load_scenario("pandemic").with_shock_month(3))
    Simulation(config, system.bus, tmp_path).run()
    assert len(checked) == 12 and sum(checked) > 0  # every month's pass, with delinquent lines to remind
