"""Hypothesis strategies shared by the behaviour-engine parity tests: random panels (nulls in optional columns,
zero denominators, bool and str columns) and small random feature sets covering every op and aggregate."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from creditloop.monitoring.panel import PANEL_COLUMNS

ARROW_TYPES = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
PANEL_SCHEMA = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in PANEL_COLUMNS])
NUM_COLUMNS = [c.name for c in PANEL_COLUMNS if c.kind == "int"]


def month_end(index: int) -> date:
    """The last day of month ``index`` counted from January 2024."""
    year, month = 2024 + index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def panel_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=PANEL_SCHEMA)


def _maybe(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), inner, inner)


AMOUNT = st.sampled_from([0, 0, 1, 100, 999, 5_000, 20_000, 1_000_000]) | st.integers(0, 2_000_000)


@st.composite
def account_rows(draw: st.DrawFn, account_id: str) -> list[dict[str, Any]]:
    start, n = draw(st.integers(0, 11)), draw(st.integers(1, 20))
    rows = []
    for i in range(n):
        on = month_end(start + i)
        rows.append(
            {
                "account_id": account_id,
                "month_end_on": on,
                "dpd": draw(st.sampled_from([0, 0, 0, 5, 30, 61, 95])),
                **{c: draw(_maybe(AMOUNT)) for c in NUM_COLUMNS if c not in ("dpd", "new_plans", "payments")},
                "new_plans": draw(_maybe(st.integers(0, 2))),
                "payments": draw(_maybe(st.integers(0, 3))),
                "last_payment_on": draw(_maybe(st.integers(0, 90).map(lambda d, on=on: on - timedelta(days=d)))),
                "payment_source": draw(_maybe(st.sampled_from(["a", "b", "c"]))),
                "shock": draw(_maybe(st.booleans())),
                "other_lenders": draw(_maybe(st.integers(0, 5))),
            }
        )
    return rows


@st.composite
def panels(draw: st.DrawFn, max_accounts: int = 4) -> list[dict[str, Any]]:
    n = draw(st.integers(1, max_accounts))
    return [row for k in range(n) for row in draw(account_rows(f"A{k:02d}"))]


# ------------------------------------------------------------------------------------- feature sets


def _num_leaf(derived_num: list[str]) -> st.SearchStrategy[Any]:
    cols = NUM_COLUMNS + derived_num
    return st.one_of(
        st.sampled_from(cols),
        st.sampled_from([0, 1, 2, 0.5, 1.05, 1000]),
        st.builds(lambda c, n: {"op": "lag", "args": [c], "n": n}, st.sampled_from(cols), st.integers(1, 3)),
    )


def num_expr(derived_num: list[str], derived_bool: list[str], depth: int = 2) -> st.SearchStrategy[Any]:
    leaf = _num_leaf(derived_num)
    if depth == 0:
        return leaf
    sub = num_expr(derived_num, derived_bool, depth - 1)
    cond = bool_expr(derived_num, derived_bool, depth - 1)
    binary = st.builds(
        lambda op, a, b: {"op": op, "args": [a, b]},
        st.sampled_from(["add", "sub", "mul", "div", "div", "least", "greatest", "coalesce"]),
        sub,
        sub,
    )
    branch = st.builds(lambda c, a, b: {"op": "if", "args": [c, a, b]}, cond, sub, sub)
    return st.one_of(leaf, binary, branch)


def bool_expr(derived_num: list[str], derived_bool: list[str], depth: int = 2) -> st.SearchStrategy[Any]:
    leaves = ["shock", *derived_bool]
    leaf = st.one_of(
        st.sampled_from(leaves),
        st.builds(lambda c: {"op": "lag", "args": [c], "n": 1}, st.sampled_from(leaves)),
        st.builds(
            lambda op: {"op": op, "args": ["payment_source", {"op": "lag", "args": ["payment_source"], "n": 1}]},
            st.sampled_from(["eq", "ne", "lt"]),
        ),
        st.builds(lambda op: {"op": op, "args": ["last_payment_on", "month_end_on"]}, st.sampled_from(["lt", "ge"])),
    )
    if depth == 0:
        return leaf
    num = num_expr(derived_num, derived_bool, depth - 1)
    sub = bool_expr(derived_num, derived_bool, depth - 1)
    cmp = st.builds(
        lambda op, a, b: {"op": op, "args": [a, b]}, st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne"]), num, num
    )
    logic = st.builds(lambda op, a, b: {"op": op, "args": [a, b]}, st.sampled_from(["and", "or"]), sub, sub)
    negate = st.builds(lambda a: {"op": "not", "args": [a]}, sub)
    return st.one_of(leaf, cmp, logic, negate)


@st.composite
def feature_sets(draw: st.DrawFn) -> dict[str, Any]:
    """A feature set document: two or three derived rows, then one feature per aggregate (or more)."""
    rows: list[dict[str, Any]] = []
    nums: list[str] = []
    bools: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        is_bool = draw(st.booleans())
        expr = draw(bool_expr(nums, bools, 1) if is_bool else num_expr(nums, bools, 1))
        rows.append({"name": f"r{i}", "expr": expr})
        (bools if is_bool else nums).append(f"r{i}")
    months = st.integers(1, 4)
    features = []
    for agg in ("latest", "mean", "sum", "min", "max", "change", "mean_change", "spike", "first_where"):
        f: dict[str, Any] = {"name": f"f_{agg}", "agg": agg, "expr": draw(num_expr(nums, bools, 1))}
        if agg not in ("latest", "first_where"):
            f["months"] = draw(months)
        if agg in ("mean", "sum", "min", "max"):
            f["offset"] = draw(st.integers(0, 2))
        if agg == "first_where":
            f["where"] = draw(bool_expr(nums, bools, 1))
        features.append(f)
    for agg in ("count", "streak"):
        f = {"name": f"f_{agg}", "agg": agg, "expr": draw(bool_expr(nums, bools, 1))}
        if agg == "count":
            f["months"], f["offset"] = draw(months), draw(st.integers(0, 2))
        else:
            f["months"] = draw(st.none() | months)
        features.append(f)
    features.append({"name": "f_latest_bool", "agg": "latest", "expr": draw(bool_expr(nums, bools, 1))})
    features.append({"name": "f_first_bool", "agg": "first_where", "expr": draw(bool_expr(nums, bools, 0)),
                     "where": draw(bool_expr(nums, bools, 0))})  # fmt: skip
    features.append(
        {"name": "f_days", "agg": "days_since", "expr": draw(st.sampled_from(["last_payment_on", "month_end_on"]))}
    )
    return {"feature_set_id": "gen", "version": "1", "rows": rows, "features": features}


STATUS_DPD = st.sampled_from([0, 0, 0, 15, 15, 45, 75, 105, 180])  # Card Approval's buckets, current most often


@st.composite
def status_panels(draw: st.DrawFn, max_accounts: int = 4) -> list[dict[str, Any]]:
    """Status-only panels (Credit Card Approval's shape): a dpd per month, every amount column null; up to 26
    months so the 6- and 12-month status windows and the 3-vs-3 trend slide."""
    rows = []
    for k in range(draw(st.integers(1, max_accounts))):
        start, dpds = draw(st.integers(0, 11)), draw(st.lists(STATUS_DPD, min_size=1, max_size=26))
        rows += [
            {"account_id": f"S{k:02d}", "month_end_on": month_end(start + i), "dpd": d} for i, d in enumerate(dpds)
        ]
    return rows
