"""What the ``risk`` commands share: library field names as the options users typed, in one-line refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from creditloop.core.errors import ValidationError
from creditloop.entrypoints.cli._common import guarded

T = TypeVar("T")

OPTIONS = {
    "asset_class": "--class",
    "pd": "--pd",
    "lgd": "--lgd",
    "sales_m": "--sales-m",
    "maturity": "--maturity",
    "transactor": "--transactor",
    "el_best": "--el-best",
    "rho": "--rho",
    "z": "--z",
}


def checked(fn: Callable[[], T]) -> T:
    """``guarded`` with the options named: ``--pd: must be in [0, 1] ...`` rather than ``pd: pd must be ...``."""

    def call() -> T:
        try:
            return fn()
        except ValidationError as exc:
            field = exc.field or ""
            message = exc.message.removeprefix(f"{field} ")
            raise ValidationError(message, field=OPTIONS.get(field, field)) from None

    return guarded(call)
