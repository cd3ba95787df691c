"""ECL inputs read from a data directory on an ibis engine: the monthly panel rows and the transition counts.

The transition counts are the analytics' own ``rolls.transition_counts`` (one definition, run on DuckDB or
Spark); the panel rows are the snapshot columns staging needs. Both come back as plain Python values for the pure
ECL code (``portfolio.ecl``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from creditloop.adapters.analytics.engines import rows, snapshots
from creditloop.portfolio.analytics.panel import AnalyticsInputError, monthly_state
from creditloop.portfolio.analytics.rolls import transition_counts
from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.payment_chain import NEVER_PAID, PAID
from creditloop.portfolio.ecl.run import TransitionCount
from creditloop.portfolio.ecl.term_structure import CO_INDEX

STAGING_COLUMNS = ("past_due_minor", "limit_minor", "restructured")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


SEGMENTS = ("utilisation", "payment")
AUTO = "auto"  # the default chain: ``payment`` where the snapshots carry payments, else ``none`` (the count chain)


def resolve_segment_by(con: Any, data_dir: Path, segment_by: str) -> str:
    """The PD chain ``segment_by`` stands for on ``data_dir``: ``auto`` is ``payment`` when the snapshots carry
    ``paid_minor`` (the chain the back-test supports, docs/risk.md) and ``none`` otherwise; others stay as given."""
    if segment_by != AUTO:
        return segment_by
    return "payment" if "paid_minor" in snapshots(con, data_dir).columns else "none"


# Utilisation bands (drawn / limit at the month end): the PD of a nearly unused line differs from a full one's,
# and the EAD adds a CCF of the undrawn part, so the PD should come from lines of the same utilisation.
UTILISATION_EDGES = (0.3, 0.7)


def utilisation_band(balance: Any, limit: Any) -> Any:
    """``u<30``, ``u30-70`` or ``u70+`` (works on ibis columns and on plain numbers alike)."""
    import ibis

    if isinstance(balance, int | float):
        share = balance / limit if limit > 0 else 1.0
        low, high = UTILISATION_EDGES
        return "u<30" if share < low else ("u30-70" if share < high else "u70+")
    share = ibis.ifelse(limit > 0, balance.cast("float64") / limit.cast("float64"), 1.0)
    return ibis.cases((share < UTILISATION_EDGES[0], "u<30"), (share < UTILISATION_EDGES[1], "u30-70"), else_="u70+")


def _segment_counts(state: Any) -> list[TransitionCount]:
    p = state.filter(state.next_state_index.notnull())
    p = p.mutate(segment=utilisation_band(p.balance_minor, p.limit_minor))
    g = p.group_by(["month_end_on", "segment", "state_index", "next_state_index"]).aggregate(lines=p.line_id.count())
    return [
        TransitionCount(_day(r["month_end_on"]), str(r["segment"]), int(r["state_index"]), int(r["next_state_index"]),
                        int(r["lines"]))
        for r in rows(g)
    ]  # fmt: skip


def _payment_counts(state: Any, raw: Any) -> list[TransitionCount]:
    """Per month: (layer, state) at t -> (layer, state) at t + 1 with lines, drawn and undrawn at t; the layer is
    ``paid`` once the line's payments so far are positive, else ``never_paid`` (``ecl.payment_chain``)."""
    import ibis

    t = state.join(_paid_so_far(raw), ["line_id", "month_end_on"])
    line = ibis.window(group_by="line_id", order_by="month_end_on")
    t = t.mutate(_next_paid=t.paid_so_far.lead().over(line))
    p = t.filter(t.next_state_index.notnull() & (t.state_index < CO_INDEX))
    drawn = ibis.greatest(p.balance_minor, 0)
    p = p.mutate(
        segment=ibis.ifelse(p.paid_so_far > 0, PAID, NEVER_PAID),
        to_segment=ibis.ifelse(p._next_paid.fill_null(0) > 0, PAID, NEVER_PAID),
        drawn=drawn,
        undrawn=ibis.greatest(p.limit_minor - drawn, 0),
    )
    g = p.group_by(["month_end_on", "segment", "state_index", "to_segment", "next_state_index"]).aggregate(
        lines=p.line_id.count(), drawn_minor=p.drawn.sum(), undrawn_minor=p.undrawn.sum()
    )
    return [
        TransitionCount(_day(r["month_end_on"]), str(r["segment"]), int(r["state_index"]), int(r["next_state_index"]),
                        int(r["lines"]), str(r["to_segment"]), int(r["drawn_minor"]), int(r["undrawn_minor"]))
        for r in rows(g)
    ]  # fmt: skip


def _paid_so_far(raw: Any) -> Any:
    """``line_id, month_end_on, paid_so_far``: each line's payments up to and including that month."""
    import ibis

    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_end_on")
    return raw.select("line_id", "month_end_on", paid_so_far=raw.paid_minor.fill_null(0).sum().over(so_far))


def _payment_layers(raw: Any) -> dict[tuple[str, date], str]:
    """``{(line_id, month end): layer}`` of every panel row (``paid`` once the payments so far are positive)."""
    t = _paid_so_far(raw)
    return {
        (str(r["line_id"]), _day(r["month_end_on"])): PAID if int(r["paid_so_far"] or 0) > 0 else NEVER_PAID
        for r in rows(t)
    }


def origination_pds(con: Any, data_dir: Path) -> dict[str, float]:
    """``{customer_id: PD}`` of the approved applications that carry a scorecard PD (the latest per customer);
    empty when the data directory has no ``applications.parquet`` or it carries no ``pd``."""
    path = data_dir / "applications.parquet"
    if not path.is_file():
        return {}
    apps = con.read_parquet(str(path.resolve()))
    if not {"customer_id", "approved", "pd", "applied_on"} <= set(apps.columns):
        return {}
    apps = apps.filter(apps.approved & apps.pd.notnull()).select("customer_id", "applied_on", "pd")
    out: dict[str, float] = {}
    for r in sorted(rows(apps), key=lambda r: str(r["applied_on"])):
        out[str(r["customer_id"])] = float(r["pd"])
    return out


def read_inputs(
    con: Any, data_dir: Path, segment_by: str | None = None
) -> tuple[list[PanelRow], list[TransitionCount]]:
    """Panel rows (with their roll state) and per-month transition counts of ``data_dir/snapshots.parquet``; with
    ``segment_by="utilisation"`` the counts carry the utilisation band at t and each row its band; with
    ``segment_by="payment"`` the counts carry the payment layer at t and t + 1 and each row its layer (``None`` or
    ``"none"``: unsegmented; resolve ``auto`` first with ``resolve_segment_by``)."""
    segment_by = None if segment_by == "none" else segment_by
    if segment_by not in (None, *SEGMENTS):
        raise AnalyticsInputError(f"segment_by: must be one of none, {', '.join(SEGMENTS)}, got {segment_by!r}")
    raw = snapshots(con, data_dir)
    if segment_by == "payment" and "paid_minor" not in raw.columns:
        raise AnalyticsInputError("snapshots: missing column paid_minor (rule: --segment-by payment needs payments)")
    missing = [c for c in STAGING_COLUMNS if c not in raw.columns]
    if missing:
        raise AnalyticsInputError(f"snapshots: missing column(s) {', '.join(missing)} (rule: ECL staging needs them)")
    state = monthly_state(raw)
    has_customer = "customer_id" in raw.columns
    extra = raw.select("line_id", "month_end_on", "past_due_minor", "restructured",
                       *(["customer_id"] if has_customer else []))  # fmt: skip
    joined = state.join(extra, ["line_id", "month_end_on"])
    panel = joined.select(
        "line_id", "month_end_on", "status", "state_index", "dpd", "past_due_minor", "balance_minor",
        "limit_minor", "restructured", *(["customer_id"] if has_customer else []),
    )  # fmt: skip
    pds = origination_pds(con, data_dir) if has_customer else {}
    layers = _payment_layers(raw) if segment_by == "payment" else {}
    panel_rows = [
        PanelRow(
            line_id=str(r["line_id"]),
            month_end_on=_day(r["month_end_on"]),
            status=str(r["status"]),
            state_index=int(r["state_index"]),
            dpd=int(r["dpd"]),
            past_due_minor=int(r["past_due_minor"]),
            balance_minor=int(r["balance_minor"]),
            limit_minor=int(r["limit_minor"]),
            restructured=bool(r["restructured"]),
            segment=_segment(segment_by, r, layers),
            pd_at_origination=pds.get(str(r["customer_id"])) if has_customer else None,
        )
        for r in rows(panel)
    ]
    counts = [
        TransitionCount(_day(r["month_end_on"]), "", int(r["from_index"]), int(r["to_index"]), int(r["lines"]))
        for r in rows(transition_counts(state))
    ]
    if segment_by == "payment":
        counts += _payment_counts(state, raw)
    elif segment_by is not None:
        counts += _segment_counts(state)
    return panel_rows, counts


def _segment(segment_by: str | None, r: Any, layers: dict[tuple[str, date], str]) -> str:
    if segment_by == "payment":
        return layers.get((str(r["line_id"]), _day(r["month_end_on"])), NEVER_PAID)
    if segment_by:
        return str(utilisation_band(int(r["balance_minor"]), int(r["limit_minor"])))
    return ""
