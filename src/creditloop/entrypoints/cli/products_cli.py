"""``creditloop products``: the packaged product catalog a line can be opened on (``line open --product``)."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def _bps_pct(bps: int) -> str:
    return f"{bps / 100:.2f}%"


def products(as_json: Annotated[bool, typer.Option("--json", help="Print the catalog as JSON.")] = False) -> None:
    """List the catalog: each product's installment plans and monthly fees, minimum payment and penalty."""
    from rich.console import Console
    from rich.table import Table

    from creditloop.core.money import format_major
    from creditloop.products.catalog import catalog_entries, describe

    rows = [describe(e) for e in catalog_entries()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="product catalog / 产品目录")
    for col in ("product", "installments (monthly fee)", "minimum payment", "penalty / day", "name"):
        table.add_column(col)
    for r in rows:
        plans = ", ".join(f"{i['periods']} ({_bps_pct(i['monthly_fee_bps'])})" for i in r["installments"])
        m = r["minimum_payment"]
        minimum = (
            "in full"
            if m is None
            else f"{_bps_pct(m['percent_bps'])}, at least {format_major(m['floor_minor'])}; "
            f"revolving {m['revolving_daily_rate']}/day"
        )
        table.add_row(r["product"], plans, minimum, r["penalty_daily_rate"], f"{r['name_en']}\n{r['name_zh']}")
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("products")(products)
