"""``creditloop products`` and ``line open --product``: the catalog, a line on each product, an unknown name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_cli import as_a_user, run_in_process


def cl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args], capture_output=True, text=True, timeout=300, check=False
    )


def ok(*args: str) -> Any:
    """The command succeeds (run in-process, tests/e2e/ledger_cli.py); refusals below run as a subprocess."""
    res = cl(*args) if as_a_user() else run_in_process(*args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout) if "--json" in args else res.stdout


def test_products_lists_the_catalog() -> None:
    rows = {r["product_id"]: r for r in ok("products", "--json")}
    assert set(rows) == {"baitiao-installment", "baitiao-revolving", "baitiao-standard"}
    assert [i["periods"] for i in rows["baitiao-installment"]["installments"]] == [1, 3, 6, 12, 24]
    assert rows["baitiao-revolving"]["minimum_payment"] == {
        "percent_bps": 1000,
        "floor_minor": 1000,
        "revolving_daily_rate": "0.0005",
    }
    assert rows["baitiao-standard"]["minimum_payment"] is None
    text = ok("products")
    assert "baitiao-installment@1" in text and "24 (0.55%)" in text and "白条" in text


@pytest.mark.parametrize(
    ("product", "periods"),
    [("baitiao-installment", ("3", "6", "12", "24")), ("baitiao-standard@1", ("3", "12")), ("baitiao-revolving", ())],
)
def test_line_open_on_a_catalog_product_keeps_it(tmp_path: Path, product: str, periods: tuple[str, ...]) -> None:
    d = str(tmp_path / "ledger")
    opened = ok("line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05",
                "--product", product, "--data-dir", d, "--json")  # fmt: skip
    key = product if "@" in product else f"{product}@1"
    assert opened["product"] == key
    for n in periods:
        plan = ok("line", "purchase", "--line-id", "L1", "--purchase-id", f"p{n}", "--amount", "120.00",
                  "--periods", n, "--on", "2024-01-06", "--data-dir", d, "--json")  # fmt: skip
        assert len(plan["installments"]) == int(n)
    if product == "baitiao-standard@1":  # 24 periods is the installment product's plan, not this one's
        res = cl("line", "purchase", "--line-id", "L1", "--purchase-id", "p24", "--amount", "120.00",
                 "--periods", "24", "--on", "2024-01-06", "--data-dir", d)  # fmt: skip
        assert res.returncode == 2 and "--periods" in res.stderr and "3, 6, 12" in res.stderr


def test_a_revolving_line_bills_its_minimum_payment_across_commands(tmp_path: Path) -> None:
    """Each command is its own process: the line reloads its product from the ledger for the day-end."""
    d = str(tmp_path / "ledger")
    ok("line", "open", "--line-id", "R1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05",
       "--product", "baitiao-revolving", "--data-dir", d)  # fmt: skip
    ok("line", "purchase", "--line-id", "R1", "--purchase-id", "b", "--amount", "1000.00", "--periods", "1",
       "--on", "2024-01-06", "--data-dir", d)  # fmt: skip
    ok("day-end", "--date", "2024-02-09", "--data-dir", d)
    st = ok("line", "statement", "--line-id", "R1", "--data-dir", d, "--json")
    assert (st["due_on"], st["total_due_minor"], st["minimum_due_minor"]) == ("2024-02-10", 100_000, 10_000)
    ok("line", "repay", "--line-id", "R1", "--payment-id", "min", "--amount", "100.00", "--on", "2024-02-10",
       "--data-dir", d)  # fmt: skip
    ok("day-end", "--date", "2024-02-20", "--data-dir", d)
    shown = ok("line", "show", "--line-id", "R1", "--data-dir", d, "--json")
    assert shown["dpd"] == 0  # the minimum was paid: the rest revolves instead of falling past due


def test_an_unknown_product_is_refused_naming_the_option(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    res = cl("line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05",
             "--product", "baitiao-gold", "--data-dir", str(d))  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert "--product" in res.stderr and "'baitiao-gold'" in res.stderr and "baitiao-installment" in res.stderr
    assert "Traceback" not in res.stderr and not (d / "ledger.sqlite").exists()  # refused before creating a ledger
