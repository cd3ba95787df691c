"""The packaged product catalog: one JSON document per product version (see docs/servicing.md, "Products").

``catalog_product`` picks a catalog product by name for a new line (``line open --product``); ``describe``
is what ``creditloop products`` lists. A line stores its product as ``id@version``, so later commands and
day-ends keep using the terms it was opened on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.products.terms import Product


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    product: Product
    name_zh: str
    name_en: str
    file: str


@cache
def catalog_entries() -> tuple[CatalogEntry, ...]:
    """Every packaged product version, by product id then version (read once: the files ship with the code)."""
    entries: list[CatalogEntry] = []
    for item in resources.files(__name__).iterdir():
        if item.name.endswith(".json"):
            doc = json.loads(item.read_text("utf-8"))
            entries.append(
                CatalogEntry(
                    Product.from_dict(doc), str(doc.get("name_zh", "")), str(doc.get("name_en", "")), item.name
                )
            )
    return tuple(sorted(entries, key=lambda e: (e.product.product_id, e.product.version)))


def catalog_names() -> list[str]:
    """The names ``catalog_product`` accepts: each product id (its latest version) and each ``id@version``."""
    entries = catalog_entries()
    return sorted({e.product.product_id for e in entries} | {e.product.key for e in entries})


def catalog_product(name: str) -> Product:
    """A catalog product by ``id`` (its latest version) or ``id@version``; anything else is refused by name."""
    entries = catalog_entries()
    matches = [e.product for e in entries if name in (e.product.key, e.product.product_id)]
    if not matches:
        ids = ", ".join(sorted({e.product.product_id for e in entries}))
        raise ValidationError(
            f"unknown product {name!r}; the catalog offers {ids} (or ID@VERSION for one version)", field="product"
        )
    return max(matches, key=lambda p: p.version)


def describe(entry: CatalogEntry) -> dict[str, Any]:
    """A product's terms as plain data: installment plans and fees, minimum payment, penalty, statement cycle."""
    p = entry.product
    minimum = p.minimum_payment
    return {
        "product": p.key,
        "product_id": p.product_id,
        "version": p.version,
        "name_zh": entry.name_zh,
        "name_en": entry.name_en,
        "currency": p.currency,
        "statement_day": p.statement_day,
        "due_days_after_statement": p.due_days_after_statement,
        "installments": [{"periods": o.periods, "monthly_fee_bps": o.monthly_fee_bps} for o in p.installment_options],
        "minimum_payment": None
        if minimum is None
        else {
            "percent_bps": minimum.percent_bps,
            "floor_minor": minimum.floor_minor,
            "revolving_daily_rate": str(minimum.revolving_daily_rate),
        },
        "penalty_daily_rate": str(p.penalty.daily_rate),
        "charge_off_dpd": p.charge_off_dpd,
    }
