"""Retention and repair of negative credit records as dated rule documents (``reporting/rules/*.json``).

Two kinds of document, each versioned and loaded by ``rule_id@version``:

* ``retention`` — how long negative information is shown after the adverse behaviour ends
  (``retention_cn_v1.json``: 5 years, Credit Investigation Regulation Art. 16, DOMAIN.md §2.4.1);
* ``one_off_repair`` — a regulator's one-off relief (``repair_pboc_2025_v1.json``: the PBoC repair announced
  2025-12-22, DOMAIN.md §2.4.4): which overdue records qualify (generated in a window, a single overdue amount
  at most a threshold, repaid in full by a deadline) and when they stop being displayed (``display`` windows by
  repayment date: a fixed ``hidden_from`` date, or ``hidden_by_month_end_after`` months after repayment).

A future rule is a new document in that folder (or a file passed with ``--rule``), not new code. A bad document
raises ``ValidationError`` naming the file and the field (``display[1].repaid_from``); nothing is half-loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, get_str, read_document
from creditloop.core.errors import ValidationError
from creditloop.core.money import parse_major

AMOUNT_PARTS = ("principal", "interest", "fee", "penalty")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_IGNORED = frozenset({"description", "sources"})


def parse_day(value: Any, field: str) -> date:
    """A calendar date written exactly ``YYYY-MM-DD``; anything else names ``field``."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValidationError(f"{field} must be a date YYYY-MM-DD, got {value!r}", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} is not a calendar date: {value!r}", field=field) from None


@dataclass(frozen=True, slots=True)
class RuleHead:
    rule_id: str
    version: str
    name_en: str
    name_zh: str

    @property
    def key(self) -> str:
        return f"{self.rule_id}@{self.version}"

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True, slots=True)
class RetentionRule:
    head: RuleHead
    effective_from: date
    retention_years: int


@dataclass(frozen=True, slots=True)
class DisplayWindow:
    """Records repaid in [repaid_from, repaid_to] stop being displayed on ``hidden_from``, or by the end of the
    month ``hidden_by_month_end_after`` months after the repayment month."""

    repaid_from: date | None
    repaid_to: date
    hidden_from: date | None
    hidden_by_month_end_after: int | None


@dataclass(frozen=True, slots=True)
class RepairRule:
    head: RuleHead
    announced_on: date
    generated_from: date
    generated_to: date
    max_single_overdue_minor: int  # inclusive
    amount_includes: tuple[str, ...]
    repaid_by: date  # inclusive
    display: tuple[DisplayWindow, ...]


def _head(values: Mapping[str, Any], kind: str) -> RuleHead:
    if values["kind"] != kind:
        raise ValidationError(f"kind must be {kind!r}, got {values['kind']!r}", field="kind")
    return RuleHead(values["rule_id"], values["version"], values["name_en"], values["name_zh"])


_HEAD = (
    Spec("rule_id", "str"),
    Spec("version", "str"),
    Spec("kind", "str"),
    Spec("name_en", "str"),
    Spec("name_zh", "str"),
)


def _build_retention(v: dict[str, Any]) -> RetentionRule:
    return RetentionRule(_head(v, "retention"), parse_day(v["effective_from"], "effective_from"), v["retention_years"])


RETENTION_SCHEMA: Schema[RetentionRule] = Schema(
    "retention rule",
    (*_HEAD, Spec("effective_from", "str"), Spec("retention_years", "int", lo=1, hi=30)),
    build=_build_retention,
    ignored=_IGNORED,
)


def _build_window(v: dict[str, Any]) -> DisplayWindow:
    start = None if v["repaid_from"] is None else parse_day(v["repaid_from"], "repaid_from")
    end = parse_day(v["repaid_to"], "repaid_to")
    if start is not None and start > end:
        raise ValidationError("repaid_from must not be after repaid_to", field="repaid_from")
    fixed = None if v["hidden_from"] is None else parse_day(v["hidden_from"], "hidden_from")
    if (fixed is None) == (v["hidden_by_month_end_after"] is None):
        raise ValidationError(
            "give exactly one of hidden_from and hidden_by_month_end_after", field="hidden_by_month_end_after"
        )
    return DisplayWindow(start, end, fixed, v["hidden_by_month_end_after"])


WINDOW_SCHEMA: Schema[DisplayWindow] = Schema(
    "display window",
    (
        Spec("repaid_from", "str", default=None),
        Spec("repaid_to", "str"),
        Spec("hidden_from", "str", default=None),
        Spec("hidden_by_month_end_after", "int", lo=0, hi=24, default=None),
    ),
    build=_build_window,
)


def _amount_parts(text: str) -> tuple[str, ...]:
    parts = tuple(text.split("+"))
    for part in parts:
        if part not in AMOUNT_PARTS:
            raise ValidationError(
                f"amount_includes: unknown part {part!r} (parts joined by '+': {', '.join(AMOUNT_PARTS)})",
                field="amount_includes",
            )
    if "principal" not in parts or len(set(parts)) != len(parts):
        raise ValidationError("amount_includes must name principal, each part once", field="amount_includes")
    return parts


def _check_windows(windows: tuple[DisplayWindow, ...], repaid_by: date) -> None:
    """Windows in repayment order, each starting the day after the previous ends, the last ending on
    ``repaid_by``: every qualifying repayment date has exactly one display date."""
    for i, w in enumerate(windows):
        if i == 0:
            continue
        expected = windows[i - 1].repaid_to + timedelta(days=1)
        if w.repaid_from != expected:
            raise ValidationError(
                f"display[{i}].repaid_from must be {expected} (the day after display[{i - 1}].repaid_to)",
                field=f"display[{i}].repaid_from",
            )
    last = len(windows) - 1
    if windows[last].repaid_to != repaid_by:
        raise ValidationError(
            f"display[{last}].repaid_to must equal repaid_by ({repaid_by})", field=f"display[{last}].repaid_to"
        )


def _build_repair(v: dict[str, Any]) -> RepairRule:
    head = _head(v, "one_off_repair")
    days = {name: parse_day(v[name], name) for name in ("announced_on", "generated_from", "generated_to", "repaid_by")}
    if days["generated_from"] > days["generated_to"]:
        raise ValidationError("generated_from must not be after generated_to", field="generated_from")
    if days["repaid_by"] < days["generated_from"]:
        raise ValidationError("repaid_by must not be before generated_from", field="repaid_by")
    threshold = parse_major(str(v["max_single_overdue_amount"]), field="max_single_overdue_amount")
    if threshold <= 0:
        raise ValidationError("max_single_overdue_amount must be positive", field="max_single_overdue_amount")
    _check_windows(v["display"], days["repaid_by"])
    return RepairRule(
        head, days["announced_on"], days["generated_from"], days["generated_to"], threshold,
        _amount_parts(v["amount_includes"]), days["repaid_by"], v["display"],
    )  # fmt: skip


REPAIR_SCHEMA: Schema[RepairRule] = Schema(
    "repair rule",
    (
        *_HEAD,
        Spec("announced_on", "str"),
        Spec("generated_from", "str"),
        Spec("generated_to", "str"),
        Spec("max_single_overdue_amount", "decimal"),
        Spec("amount_includes", "str"),
        Spec("repaid_by", "str"),
        Spec("display", "list", lo=1, hi=12, schema=WINDOW_SCHEMA),
    ),
    build=_build_repair,
    ignored=_IGNORED,
)

Rule = RetentionRule | RepairRule
SCHEMAS: dict[str, Schema[Any]] = {"retention": RETENTION_SCHEMA, "one_off_repair": REPAIR_SCHEMA}


def read_rule(doc: Mapping[str, Any]) -> Rule:
    """A decoded rule document of either kind; the ``kind`` field picks the schema."""
    if not isinstance(doc, Mapping):
        raise ValidationError("rule document must be a JSON object", field="<document>")
    kind = get_str(doc, "kind")
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ValidationError(f"kind must be one of {', '.join(SCHEMAS)}, got {kind!r}", field="kind")
    rule: Rule = read_document(doc, schema)
    return rule


def _from_text(text: str, where: str) -> Rule:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"rule file {where} is not valid JSON: {exc}", field="<document>") from None
    try:
        return read_rule(doc)
    except ValidationError as exc:
        raise ValidationError(f"rule file {where}: {exc.message}", field=exc.field) from None


def load_rule(path: str | Path) -> Rule:
    """A rule document from a file; an error names the file and the field."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"rule file {source}: cannot be read ({exc})", field="<document>") from None
    return _from_text(text, str(source))


def _packaged_texts() -> Iterable[tuple[str, str]]:
    folder = resources.files("creditloop.reporting").joinpath("rules")
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name.endswith(".json"):
            yield f"creditloop.reporting/rules/{item.name}", item.read_text("utf-8")


@dataclass(frozen=True, slots=True)
class RuleBook:
    """Every known rule by ``id@version``; the checks use the latest version of each rule id."""

    rules: Mapping[str, Rule]

    def get(self, key: str) -> Rule:
        rule = self.rules.get(key)
        if rule is None:
            raise ValidationError(f"unknown rule {key!r} (known: {', '.join(sorted(self.rules))})", field="rule")
        return rule

    def _latest(self) -> list[Rule]:
        newest: dict[str, Rule] = {}
        for rule in self.rules.values():
            best = newest.get(rule.head.rule_id)
            if best is None or _version_key(rule.head.version) > _version_key(best.head.version):
                newest[rule.head.rule_id] = rule
        return list(newest.values())

    @property
    def retention(self) -> RetentionRule:
        """The retention rule in force: the latest effective of the latest versions."""
        found = [r for r in self._latest() if isinstance(r, RetentionRule)]
        if not found:
            raise ValidationError("no retention rule is loaded", field="rule")
        return max(found, key=lambda r: r.effective_from)

    @property
    def repairs(self) -> tuple[RepairRule, ...]:
        """Every one-off repair (latest version of each), oldest announcement first."""
        found = [r for r in self._latest() if isinstance(r, RepairRule)]
        return tuple(sorted(found, key=lambda r: (r.announced_on, r.head.rule_id)))


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)


def rule_book(extra: Iterable[str | Path] = ()) -> RuleBook:
    """The packaged rules plus ``extra`` rule files; the same ``id@version`` twice is refused."""
    loaded: list[tuple[str, Rule]] = [(where, _from_text(text, where)) for where, text in _packaged_texts()]
    loaded += [(str(path), load_rule(path)) for path in extra]
    rules: dict[str, Rule] = {}
    for where, rule in loaded:
        if rule.head.key in rules:
            raise ValidationError(f"rule file {where}: rule {rule.head.key} is already defined", field="version")
        rules[rule.head.key] = rule
    return RuleBook(rules)
