"""``creditloop products``: the packaged product catalog a line can be opened on (``line open --product``)."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def _bps_pct(bps: int) -> str:
    return f"{bps / 100:.2f}%"


def products(as_json: Annotated[bool, typer.Option("--json", help="Print the catalog as JSON.")] = False) -> None:
    """List the catalog: each product's installment plans and monthly fees, minimum payment and penalty."""
    from creditloop.core.money import format_major
    from creditloop.products.catalog import catalog_entries, describe

    rows = [describe(e) for e in catalog_entries()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:  # plain lines, not a table: the bilingual names would be cut in a narrow terminal
        m = r["minimum_payment"]
        minimum = "none, every bill is due in full / 无，账单须全额还款"
        if m is not None:
            floor = format_major(m["floor_minor"])
            minimum = f"{_bps_pct(m['percent_bps'])} of the pay-next-month balance, at least {floor} yuan; "
            minimum += f"the rest revolves at {m['revolving_daily_rate']}/day"
        typer.echo(f"{r['product']}  {r['name_en']}")
        typer.echo(f"  {r['name_zh']}")
        typer.echo(
            "  plans (monthly fee): "
            + ", ".join(f"{i['periods']} ({_bps_pct(i['monthly_fee_bps'])})" for i in r["installments"])
        )
        typer.echo(f"  minimum payment: {minimum}")
        cycle = f"statement day {r['statement_day']}, due {r['due_days_after_statement']} days later"
        typer.echo(f"  penalty: {r['penalty_daily_rate']}/day; {cycle}")


def register(app: typer.Typer) -> None:
    app.command("products")(products)
