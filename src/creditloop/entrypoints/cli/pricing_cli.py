"""``creditloop schedule | apr | disclose``: pricing schedules, annualised rates and checkout disclosures.

Only parses, calls ``creditloop.products`` and renders (Rich tables for people, ``--json`` for programs). Input
errors are one line on stderr with exit 2; a domain refusal (a pricing cap breach) exits 1. File formats are in
docs/pricing-and-apr.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major
from creditloop.entrypoints.cli._common import fail, guarded, out
from creditloop.products.apr import AprResult, EuTimeBasis, Flows, Regime, UnitPeriod, annual_rate, percent
from creditloop.products.caps import CapRegime, check_cap
from creditloop.products.disclosure import Disclosure, disclose_option, installment_dict
from creditloop.products.inputs import amount_minor, iso_date
from creditloop.products.pricing import Charge, PlanTerms, build_schedule
from creditloop.products.schedule import ScheduledInstallment
from creditloop.products.terms import resolve_product

T = TypeVar("T")
EXIT_USAGE = 2
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # business dates of the packaged CNY product

InputOpt = Annotated[Path, typer.Option("--input", help="Path to the JSON input file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


def _fail(message: str, code: int = EXIT_USAGE) -> Any:
    return fail(message, code)


def _guarded(fn: Callable[[], T], option_of_field: dict[str, str] | None = None) -> T:
    """``main.guarded`` with library field names turned into the option or JSON path the user wrote."""

    def call() -> T:
        try:
            return fn()
        except ValidationError as exc:
            field = (option_of_field or {}).get(exc.field or "", exc.field)
            raise ValidationError(exc.message, field=field) from None

    return guarded(call)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_json(path: Path) -> Any:
    if not path.exists():
        _fail(f"--input: file not found: {path}")
    if not path.is_file():
        _fail(f"--input: {path} is not a file")
    try:
        text = path.read_text("utf-8-sig")  # a leading byte-order mark is harmless
    except (UnicodeDecodeError, OSError) as exc:
        _fail(f"--input: cannot read {path}: {exc}")
    if not text.strip():
        _fail(f"--input: {path} is empty")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _fail(f"--input: {path} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        _fail(f"--input: {path} is nested too deeply to be a pricing input")
    except ValueError as exc:  # NaN / Infinity literals, integers of thousands of digits
        _fail(f"--input: {path} is not valid JSON ({exc})")


def _date(value: object, field: str) -> date:
    return iso_date(value, field)


def _echo_json(doc: dict[str, Any]) -> None:
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))


# ------------------------------------------------------------------------------------------------ schedule


def _parse_schedule_input(doc: Any) -> tuple[int, PlanTerms, date, date | None, list[Charge]]:
    if not isinstance(doc, dict):
        raise ValidationError("expected a JSON object with amount, disbursed_on and terms", field="input")
    for key in ("amount", "disbursed_on", "terms"):
        if key not in doc:
            raise ValidationError(f"{key} is required", field=key)
    amount = amount_minor(doc["amount"], "amount")
    disbursed_on = _date(doc["disbursed_on"], "disbursed_on")
    first_due_on = _date(doc["first_due_on"], "first_due_on") if doc.get("first_due_on") is not None else None
    try:
        terms = PlanTerms.from_dict(doc["terms"])
    except ValidationError as exc:
        raise ValidationError(exc.message, field=f"terms.{exc.field}") from None
    raw_charges = doc.get("charges") or []
    if not isinstance(raw_charges, list):
        raise ValidationError("must be a list of {date, amount} objects", field="charges")
    charges = []
    for k, raw in enumerate(raw_charges):
        if not isinstance(raw, dict):
            raise ValidationError("must be an object with date and amount", field=f"charges[{k}]")
        charge_minor = amount_minor(raw.get("amount"), f"charges[{k}].amount")
        charges.append(Charge(_date(raw.get("date"), f"charges[{k}].date"), charge_minor))
    return amount, terms, disbursed_on, first_due_on, charges


def _schedule_table(title: str, rows: list[ScheduledInstallment], amount_minor: int) -> Table:
    table = Table(title=title)
    for name in ("#", "due", "principal", "interest", "fee", "total", "balance"):
        table.add_column(name, justify="right" if name not in ("due",) else "left")
    balance = amount_minor
    for i in rows:
        balance -= i.principal_minor
        table.add_row(
            f"{i.seq}{' DP' if i.is_down_payment else ''}",
            i.due_on.isoformat(),
            format_major(i.principal_minor),
            format_major(i.interest_minor),
            format_major(i.fee_minor),
            format_major(i.total_minor),
            format_major(balance),
        )
    table.add_row(
        "Σ",
        "",
        format_major(sum(i.principal_minor for i in rows)),
        format_major(sum(i.interest_minor for i in rows)),
        format_major(sum(i.fee_minor for i in rows)),
        format_major(sum(i.total_minor for i in rows)),
        "",
    )
    return table


def schedule(input_path: InputOpt, as_json: JsonOpt = False) -> None:
    """Print the installment schedule for the terms, amount and dates in a terms.json file."""
    doc = _read_json(input_path)
    amount, terms, disbursed_on, first_due_on, charges = _guarded(lambda: _parse_schedule_input(doc))
    rows = _guarded(
        lambda: build_schedule(amount, terms, disbursed_on, first_due_on, charges=charges),
        {"first_due_on": "first_due_on", "principal_minor": "amount"},
    )
    if as_json:
        _echo_json(
            {
                "amount_minor": amount,
                "disbursed_on": disbursed_on.isoformat(),
                "terms": terms.to_dict(),
                "installments": [installment_dict(i) for i in rows],
                "total_principal_minor": sum(i.principal_minor for i in rows),
                "total_interest_minor": sum(i.interest_minor for i in rows),
                "total_fee_minor": sum(i.fee_minor for i in rows),
                "total_minor": sum(i.total_minor for i in rows),
            }
        )
        return
    title = f"{terms.method.value} · {terms.periods} × {terms.every} {terms.frequency.value} · {terms.day_count.value}"
    out.print(_schedule_table(title, rows, amount))


# ------------------------------------------------------------------------------------------------ apr


def _apr_from_doc(doc: Any, regime: Regime, unit_period: str | None) -> tuple[Flows, AprResult]:
    flows = Flows.from_dict(doc)
    unit_text = unit_period or (doc.get("unit_period") if isinstance(doc, dict) else None)
    unit = None
    if unit_text is not None and unit_text != "":
        try:
            unit = UnitPeriod(str(unit_text))
        except ValidationError as exc:
            raise ValidationError(exc.message, field="--unit-period" if unit_period else "unit_period") from None
    basis_text = str(doc.get("time_basis", EuTimeBasis.CALENDAR.value))
    # The labels the official worked examples use (vectors/apr.json) name the same two conventions.
    labels = {"calendar days / 365": EuTimeBasis.DAYS_365.value, "whole years": EuTimeBasis.CALENDAR.value}
    basis_text = labels.get(basis_text.strip().lower(), basis_text)
    try:
        basis = EuTimeBasis(basis_text)
    except ValueError:
        raise ValidationError(
            f"time_basis must be one of {[b.value for b in EuTimeBasis]}, got {basis_text!r}", field="time_basis"
        ) from None
    return flows, annual_rate(flows, regime, unit_period=unit, eu_time_basis=basis)


def apr(
    regime: Annotated[str, typer.Option("--regime", help="pboc | reg-z | eu")],
    input_path: InputOpt,
    unit_period: Annotated[
        str | None,
        typer.Option(
            "--unit-period",
            help="Reg Z unit period: day|week|biweek|semimonth|month|quarter|semiannual|year|N-week|N-month "
            "(default: Appendix J (b)(4) picks it from the flows).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Solve the annualised rate of dated advances and payments (flows.json) under a regime."""
    try:
        chosen = Regime(regime)
    except ValueError:
        _fail(f"--regime: must be one of {', '.join(r.value for r in Regime)}; got {regime!r}")
    doc = _read_json(input_path)
    flows, rate = _guarded(lambda: _apr_from_doc(doc, chosen, unit_period))
    try:
        result = rate.to_dict()
    except (ArithmeticError, ValueError):  # a rate beyond any printable precision (e.g. 100 % in one day)
        _fail("rate_out_of_range: the annualised rate of these flows is too large to state", code=1)
    result["total_advanced_minor"] = flows.total_advanced_minor
    result["total_paid_minor"] = flows.total_paid_minor
    result["cost_minor"] = flows.total_paid_minor - flows.total_advanced_minor
    if as_json:
        _echo_json(result)
        return
    table = Table(title=f"annualised rate · {chosen.value}", show_header=False)
    headline = {Regime.PBOC: "年化利率 / annualised (IRR × 12)", Regime.REG_Z: "APR (nominal)", Regime.EU: "APRC"}
    table.add_row(headline[chosen], f"[bold]{percent(rate.headline)}%[/bold]")
    table.add_row(f"rate per {rate.unit_period.value}", f"{percent(rate.period_rate, 4)}%")
    table.add_row("nominal (× periods a year)", f"{percent(rate.nominal)}%")
    table.add_row("effective (compounded)", f"{percent(rate.effective)}%")
    table.add_row(
        "advanced / repaid", f"{format_major(flows.total_advanced_minor)} / {format_major(flows.total_paid_minor)}"
    )
    out.print(table)


# ------------------------------------------------------------------------------------------------ disclose


def disclose(
    periods: Annotated[int, typer.Option("--periods", help="Number of installments offered by the product.")],
    amount: Annotated[str, typer.Option("--amount", help="Purchase amount in yuan, e.g. 1000.00.")],
    on: Annotated[str | None, typer.Option("--on", help="Purchase date YYYY-MM-DD (default: today, Beijing).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh | en")] = "zh",
    regime: Annotated[str, typer.Option("--regime", help="pboc | reg-z | eu")] = "pboc",
    cap: Annotated[str, typer.Option("--cap", help="cn_licensed | cn_private_lending | none")] = "cn_licensed",
    as_json: JsonOpt = False,
    product_ref: Annotated[
        str, typer.Option("--product", help="Product id[@version] from the catalog, or a product .json file.")
    ] = "baitiao-standard",
) -> None:
    """Disclose an installment option of the packaged product: schedule, cost, annualised rate, bilingual text."""
    if lang not in ("zh", "en"):
        _fail(f"--lang: must be zh or en; got {lang!r}")
    try:
        chosen = Regime(regime)
    except ValueError:
        _fail(f"--regime: must be one of {', '.join(r.value for r in Regime)}; got {regime!r}")
    if cap != "none" and cap not in {c.value for c in CapRegime}:
        _fail(f"--cap: must be one of {', '.join([*(c.value for c in CapRegime), 'none'])}; got {cap!r}")
    purchased_on = _guarded(lambda: iso_date(on, "--on")) if on is not None else datetime.now(LOCAL_TZ).date()
    amount_minor = _guarded(lambda: _positive_amount(amount))
    product = _guarded(lambda: resolve_product(product_ref), {"product": "--product"})
    options = {"periods": "--periods", "amount_minor": "--amount", "amount": "--amount"}
    result: Disclosure = _guarded(
        lambda: disclose_option(product, periods, amount_minor, purchased_on, regime=chosen), options
    )
    if cap != "none":
        pboc = (
            result.rate if chosen is Regime.PBOC else disclose_option(product, periods, amount_minor, purchased_on).rate
        )
        _guarded(lambda: check_cap(pboc, purchased_on, cap))
    if as_json:
        _echo_json(result.to_dict())
        return
    text = result.text(lang)
    headline, _, rest = text.partition("\n")
    out.print(f"[bold]{headline}[/bold]", highlight=False, soft_wrap=True)
    out.print(rest, highlight=False, markup=False, soft_wrap=True)
    title = (
        f"{product.key} · {periods} 期 / installments" if lang == "zh" else f"{product.key} · {periods} installments"
    )
    out.print(_schedule_table(title, list(result.schedule), amount_minor))


def _positive_amount(text: str) -> int:
    try:
        return amount_minor(text, "--amount")
    except ValidationError as exc:
        raise ValidationError(exc.message, field="--amount") from None


def register(app: typer.Typer) -> None:
    """Add ``schedule``, ``apr`` and ``disclose`` to the main ``creditloop`` app."""
    app.command("schedule")(schedule)
    app.command("apr")(apr)
    app.command("disclose")(disclose)
