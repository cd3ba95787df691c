"""The simulator's hardship outreach (moved out of runner.py): which lines are offered help on the outreach day, and
the offer itself by the strategy's path — the old one-step ``RequestHardship`` term extension, or the issue 15
workflow (simulate/hardship_flow.py). hardship.parquet has one row per offer either way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from creditloop.app import commands as c
from creditloop.servicing.credit_line import LineStatus
from creditloop.simulate import behaviour as b
from creditloop.simulate.hardship_flow import reason_of

if TYPE_CHECKING:
    from creditloop.simulate.runner import Simulation


def hardship_outreach(sim: Simulation, day: date, m: int) -> None:
    policy = sim.bus.policies.hardship
    for customer_id, line_id in sim.line_of.items():
        line = sim._line(line_id)
        line.close_through(day - timedelta(days=1))
        if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN) or line.restructured_on is not None:
            continue
        if sim.flow is not None and line_id in sim.flow.lines_with_plan:
            continue  # one plan per line, as the old path's restructured line
        usual = max(policy.min_dpd, sim.strategy.hardship_outreach_dpd)
        early = sim.ewi is not None and sim.ewi.hardship_early(line_id, m) and policy.min_dpd <= line.dpd < usual
        if not (early or usual <= line.dpd <= policy.max_dpd):
            continue
        cu = sim.by_id[customer_id]
        row: dict[str, Any] = {
            "request_id": f"{'HE' if early else 'H'}-{line_id}-{day.isoformat()}",  # HE: brought forward by an alert
            "line_id": line_id,
            "offered_on": day,
            "month_index": m,
            "balance_minor": line.balance_minor,
        }
        if sim.flow is not None:
            category = reason_of(cu, m, sim.cfg.scenario)
            offer = sim.flow.offer(
                row["request_id"], line_id, day, cu, sim.income[customer_id], category, sim.rng_answer
            )
            if offer is not None:
                kind = offer.accepted.kind if offer.accepted else "none"
                sim.hardship_rows.append(
                    row
                    | {
                        "option": kind,
                        "periods": offer.periods,
                        "eligible": offer.eligible,
                        "accepted": offer.accepted is not None,
                    }
                )
            continue
        result = sim._submit(
            c.RequestHardship(
                row["request_id"],
                line_id,
                day,
                sim.income[customer_id],
                cu.other_debt_minor,
                accept=b.accepts_hardship(cu, sim.rng_answer),
            )
        )
        if result is None:
            continue
        offer_te = result.assessment.offer
        sim.hardship_rows.append(
            row
            | {
                "option": "term_extension",
                "periods": offer_te.periods if offer_te else 0,
                "eligible": result.assessment.eligible,
                "accepted": result.applied is not None,
            }
        )
