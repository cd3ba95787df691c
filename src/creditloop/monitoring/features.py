"""Behaviour features as data: one definition, read by a reference evaluator here (the online path and the
tests) and compiled to SQL window queries for the nightly batch (``adapters/warehouse/behaviour_sql.py``).

A feature set (``feature_sets/behaviour_v1.json``) has two parts:

- ``rows``: derived columns, evaluated on each panel row in order (each may use the panel's columns, the
  derived columns before it, and ``lag``);
- ``features``: one window aggregate each, evaluated as of a month end over the account's rows up to it —
  never a later one (point in time by construction).

Expressions (JSON): a string names a column; a number is a constant; an object is ``{"op": OP, "args": [...]}``.

| op | meaning | null rule |
|---|---|---|
| ``add sub mul`` | arithmetic | null if any argument is null |
| ``div`` | a / b as a float | null if either is null or b is 0 |
| ``least greatest`` | smaller / larger of two | null if any is null |
| ``lt le gt ge eq ne`` | comparison, a boolean | **false** if any is null (booleans are never null) |
| ``and or not`` | on booleans | — |
| ``coalesce`` | the first argument that is not null | |
| ``if`` | ``[cond, then, else]`` | |
| ``lag`` | ``{"op": "lag", "args": [NAME], "n": 1}``: the column n rows (months) earlier | null before the first row |

Aggregates, as of row t, over the window W = the rows ``t-offset-months+1 .. t-offset`` that exist (``offset``,
default 0, applies to mean sum min max count; an account's months are contiguous, so rows are months):

| agg | value | null rule |
|---|---|---|
| ``latest`` | E at t (a boolean as 1.0 / 0.0) | null if E is |
| ``mean sum min max`` | over the non-null values of E in W | null if there are none |
| ``count`` | rows of W where the boolean E holds | never null (0.0) |
| ``streak`` | consecutive rows ending at t where E holds (at most ``months`` when given) | never null |
| ``change`` | E(t) − E(t−months) | null if that row does not exist or either is null |
| ``mean_change`` | mean of E over the last ``months`` rows − mean over the ``months`` before | null if either is |
| ``spike`` | E(t) / mean of E over the ``months`` rows before t | null if E(t) or that mean is null, or the mean is 0 |
| ``days_since`` | days from the date E at t to the row's ``month_end_on`` | null if E is |
| ``first_where`` | E at the first row (up to t) where the boolean ``where`` holds | null if there is none |

Every feature's value is a float or None. Features carry a reason code and zh/en texts: what an alert or a
score's reason shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.monitoring.panel import COLUMNS_BY_NAME

Expr = Any  # str | int | float | dict: kept as the decoded JSON, checked by ``check_expr``

ARITHMETIC = frozenset({"add", "sub", "mul", "div", "least", "greatest"})
COMPARISONS = frozenset({"lt", "le", "gt", "ge", "eq", "ne"})
LOGIC = frozenset({"and", "or", "not"})
OPS = ARITHMETIC | COMPARISONS | LOGIC | {"coalesce", "if", "lag"}
AGGS = frozenset(
    {"latest", "mean", "sum", "min", "max", "count", "streak", "change", "mean_change", "spike", "days_since"}
    | {"first_where"}
)
NEEDS_MONTHS = frozenset({"mean", "sum", "min", "max", "count", "change", "mean_change", "spike"})


@dataclass(frozen=True, slots=True)
class RowColumn:
    name: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    agg: str
    expr: Expr
    months: int | None = None
    offset: int = 0
    where: Expr = None  # first_where only
    reason: str = ""  # the reason code an alert or a score shows for this feature
    text_zh: str = ""
    text_en: str = ""


@dataclass(frozen=True, slots=True)
class FeatureSet:
    feature_set_id: str
    version: str
    rows: tuple[RowColumn, ...]
    features: tuple[Feature, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def history_months(self) -> int:
        """How many trailing rows the latest value of every feature needs (what the online path keeps), apart
        from ``first_where``, which reads from the first row, and ``streak`` without ``months`` (unbounded): both
        are carried as state. A feature needs its span of rows plus how far back its expression reads through
        ``lag``, chains of derived columns included (a lag of a column that itself lags reads both distances)."""
        reach: dict[str, int] = {}
        for r in self.rows:
            reach[r.name] = _lag_reach(r.expr, reach)
        need = 1
        for f in self.features:
            m = f.months or 1
            span = {"mean_change": 2 * m, "change": m + 1, "spike": m + 1}.get(f.agg, m) + f.offset
            where = 1 + _lag_reach(f.where, reach) if f.agg == "first_where" else 0  # the carried state's test
            need = max(need, span + _lag_reach(f.expr, reach), where)
        return need

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise ValidationError(f"unknown feature {name!r} in {self.feature_set_id}@{self.version}", field="feature")


def _lag_reach(expr: Expr, reach: Mapping[str, int]) -> int:
    """How many rows before the current one ``expr`` reads (``reach``: that of the derived columns before it)."""
    if isinstance(expr, str):
        return reach.get(expr, 0)
    if isinstance(expr, dict):
        if expr.get("op") == "lag":
            return int(expr.get("n", 1)) + reach.get(expr["args"][0], 0)
        return max((_lag_reach(a, reach) for a in expr.get("args", ())), default=0)
    return 0


# ------------------------------------------------------------------------------------------------ loading


def check_expr(expr: Expr, known: frozenset[str], where: str) -> None:
    """Refuse an expression that names an unknown column or op, or has the wrong number of arguments."""
    if isinstance(expr, bool):
        raise ValidationError(f"{where}: use 1 or 0, not a JSON boolean", field=where)
    if isinstance(expr, int | float):
        return
    if isinstance(expr, str):
        if expr not in known:
            raise ValidationError(f"{where}: unknown column {expr!r}", field=where)
        return
    if not isinstance(expr, dict) or "op" not in expr:
        raise ValidationError(f"{where}: an expression is a column name, a number or {{'op', 'args'}}", field=where)
    op, args = expr["op"], expr.get("args")
    if op not in OPS:
        raise ValidationError(f"{where}: unknown op {op!r} (one of {', '.join(sorted(OPS))})", field=where)
    if not isinstance(args, list) or not args:
        raise ValidationError(f"{where}: op {op!r} needs a non-empty list 'args'", field=where)
    arity = {"not": 1, "lag": 1, "if": 3}.get(op, 2 if op in ARITHMETIC | COMPARISONS else None)
    if arity is not None and len(args) != arity:
        raise ValidationError(f"{where}: op {op!r} takes {arity} argument(s), got {len(args)}", field=where)
    if op == "lag":
        if not isinstance(args[0], str):
            raise ValidationError(f"{where}: lag takes a column name", field=where)
        n = expr.get("n", 1)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 24:
            raise ValidationError(f"{where}: lag n must be an integer 1..24", field=where)
    for i, a in enumerate(args):
        check_expr(a, known, f"{where}.args[{i}]")


def feature_set_from_dict(doc: Mapping[str, Any], source: str = "feature set") -> FeatureSet:
    for key in ("feature_set_id", "version", "rows", "features"):
        if key not in doc:
            raise ValidationError(f"{source}: missing {key!r}", field=key)
    known = set(COLUMNS_BY_NAME)
    rows = []
    for i, r in enumerate(doc["rows"]):
        name = r.get("name")
        if not isinstance(name, str) or not name or name in known:
            raise ValidationError(f"{source}: rows[{i}].name must be a new column name", field=f"rows[{i}].name")
        check_expr(r.get("expr"), frozenset(known), f"rows[{i}].expr")
        known.add(name)
        rows.append(RowColumn(name, r["expr"]))
    names: set[str] = set()
    features = []
    for i, f in enumerate(doc["features"]):
        at = f"features[{i}]"
        name, agg = f.get("name"), f.get("agg")
        if not isinstance(name, str) or not name or name in names:
            raise ValidationError(f"{source}: {at}.name must be a new feature name", field=f"{at}.name")
        if agg not in AGGS:
            allowed = ", ".join(sorted(AGGS))
            raise ValidationError(f"{source}: {at}.agg {agg!r} is not one of {allowed}", field=f"{at}.agg")
        months = f.get("months")
        if agg in NEEDS_MONTHS and months is None:
            raise ValidationError(f"{source}: {at}: agg {agg!r} needs 'months'", field=f"{at}.months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 36):
            raise ValidationError(f"{source}: {at}.months must be an integer 1..36", field=f"{at}.months")
        offset = f.get("offset", 0)
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 24:
            raise ValidationError(f"{source}: {at}.offset must be an integer 0..24", field=f"{at}.offset")
        check_expr(f.get("expr"), frozenset(known), f"{at}.expr")
        if agg == "first_where":
            check_expr(f.get("where"), frozenset(known), f"{at}.where")
        if agg == "days_since" and not (isinstance(f["expr"], str) and _is_date(f["expr"])):
            raise ValidationError(f"{source}: {at}: days_since takes a date column", field=f"{at}.expr")
        texts = f.get("texts", {})
        names.add(name)
        features.append(
            Feature(
                name, agg, f["expr"], months, offset, f.get("where"), f.get("reason", ""),
                texts.get("zh", ""), texts.get("en", ""),
            )
        )  # fmt: skip
    return FeatureSet(str(doc["feature_set_id"]), str(doc["version"]), tuple(rows), tuple(features))


def _is_date(name: str) -> bool:
    column = COLUMNS_BY_NAME.get(name)
    return column is not None and column.kind == "date"


def load_feature_set(path: str | Path) -> FeatureSet:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{p}: cannot read the feature set: {exc}", field="feature_set") from None
    return feature_set_from_dict(doc, str(p))


def default_feature_set() -> FeatureSet:
    """The packaged ``feature_sets/behaviour_v1.json``."""
    text = resources.files("creditloop.monitoring").joinpath("feature_sets/behaviour_v1.json").read_text("utf-8")
    return feature_set_from_dict(json.loads(text), "behaviour_v1")


# ------------------------------------------------------------------------------ the reference evaluator

Value = Any  # float | int | bool | str | date | None
Row = Mapping[str, Value]


def derive_rows(rows: Sequence[Row], fs: FeatureSet) -> list[dict[str, Value]]:
    """The panel rows of one account (in month order) with the derived columns added."""
    out: list[dict[str, Value]] = []
    for t, row in enumerate(rows):
        current = dict(row)
        out.append(current)
        for col in fs.rows:
            current[col.name] = _eval(col.expr, out, t)
    return out


def _eval(expr: Expr, rows: Sequence[Mapping[str, Value]], t: int) -> Value:
    if isinstance(expr, str):
        return rows[t].get(expr)
    if not isinstance(expr, dict):
        return expr
    op, args = expr["op"], expr["args"]
    if op == "lag":
        i = t - int(expr.get("n", 1))
        return rows[i].get(args[0]) if i >= 0 else None
    if op == "if":
        return _eval(args[1], rows, t) if _eval(args[0], rows, t) is True else _eval(args[2], rows, t)
    if op == "coalesce":
        for a in args:
            v = _eval(a, rows, t)
            if v is not None:
                return v
        return None
    values = [_eval(a, rows, t) for a in args]
    if op in LOGIC:
        if op == "not":
            return values[0] is not True
        return all(v is True for v in values) if op == "and" else any(v is True for v in values)
    a, b = values
    if a is None or b is None:
        return False if op in COMPARISONS else None
    if op in COMPARISONS:
        return COMPARE[op](a, b)
    if op == "div":
        return None if b == 0 else a / b
    return _ARITH[op](a, b)


COMPARE: dict[str, Callable[[Any, Any], bool]] = {  # the comparison ops, shared with the alert rules
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "least": min,
    "greatest": max,
}


def _num(v: Value) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v)


def feature_value(f: Feature, rows: Sequence[Mapping[str, Value]], t: int) -> float | None:
    """One feature as of row t of one account's derived rows (``derive_rows``)."""
    agg = f.agg
    if agg == "latest":
        return _num(_eval(f.expr, rows, t))
    if agg == "days_since":
        v = _eval(f.expr, rows, t)
        return None if not isinstance(v, date) else float((rows[t]["month_end_on"] - v).days)
    if agg == "first_where":
        for i in range(t + 1):
            if _eval(f.where, rows, i) is True:
                return _num(_eval(f.expr, rows, i))
        return None
    if agg in ("streak", "change", "spike", "mean_change"):
        return _sequence_value(f, rows, t)
    end, months = t - f.offset, f.months or 1
    window = range(max(0, end - months + 1), end + 1)
    if agg == "count":
        return float(sum(1 for i in window if _eval(f.expr, rows, i) is True))
    values = [v for v in (_num(_eval(f.expr, rows, i)) for i in window) if v is not None]
    if not values:
        return None
    if agg == "mean":
        return sum(values) / len(values)
    if agg == "sum":
        return sum(values)
    return min(values) if agg == "min" else max(values)


def _sequence_value(f: Feature, rows: Sequence[Mapping[str, Value]], t: int) -> float | None:
    """The aggregates that compare the latest row with the ones before it."""
    months = f.months or 1

    def e(i: int) -> float | None:
        return _num(_eval(f.expr, rows, i))

    if f.agg == "streak":
        n, i = 0, t
        limit = f.months if f.months is not None else t + 1
        while i >= 0 and n < limit and _eval(f.expr, rows, i) is True:
            n, i = n + 1, i - 1
        return float(n)
    if f.agg == "change":
        if t - months < 0:
            return None
        a, b = e(t), e(t - months)
        return None if a is None or b is None else a - b
    if f.agg == "spike":
        now, prior = e(t), _mean([e(i) for i in range(max(0, t - months), t)])
        return None if now is None or prior is None or prior == 0 else now / prior
    last = _mean([e(i) for i in range(max(0, t - months + 1), t + 1)])
    before = _mean([e(i) for i in range(max(0, t - 2 * months + 1), max(0, t - months + 1))])
    return None if last is None or before is None else last - before


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def account_features(rows: Sequence[Row], fs: FeatureSet) -> list[dict[str, float | None]]:
    """Every feature as of every month of one account (rows in month order): the reference the batch and the
    online paths are tested against."""
    derived = derive_rows(rows, fs)
    return [{f.name: feature_value(f, derived, t) for f in fs.features} for t in range(len(derived))]


def latest_features(rows: Sequence[Row], fs: FeatureSet) -> dict[str, float | None]:
    """Every feature as of the last of ``rows`` (at least ``fs.history_months`` of them, or all there are;
    ``first_where`` features need the account's whole history)."""
    derived = derive_rows(rows, fs)
    t = len(derived) - 1
    return {f.name: feature_value(f, derived, t) for f in fs.features}
