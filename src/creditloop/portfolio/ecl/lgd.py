"""Loss given default from recoveries: calibration on loan outcomes and the packaged, versioned parameters.

Calibration (``calibrate``; ``tools/calibrate_lgd.py`` runs it on the Lending Club 2015 outcomes): for each
charged-off loan, the exposure at charge-off is the funded amount less the principal repaid (``total_rec_prncp``);
the funded amount is the present value of the 36 level instalments at the loan's rate (every loan of that file is
a 36-month loan: the same formula gives ``total_rec_prncp`` of the fully paid loans to the cent for 99.95 % of
them). The recovery is ``recoveries`` less the ``collection_recovery_fee`` paid to collect it, discounted at the
loan's own rate (its effective interest rate) over ``recovery_lag_months`` (the file has no recovery dates: an
assumption, stated in the parameter file). The portfolio LGD is exposure-weighted:

    LGD = 1 - sum(net recovery x DF) / sum(exposure at charge-off)

The packaged result (``data/lgd_v1.json``) carries its provenance: source file and SHA-256, rows used, method,
assumptions, and the LGD by grade.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.portfolio.risk_inputs import fraction

PACKAGED = "lgd_v1.json"
TERM_MONTHS = 36


@dataclass(frozen=True, slots=True)
class LgdParameters:
    version: str
    lgd: float
    by_grade: Mapping[str, float] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fraction(self.lgd, "lgd")
        for grade, value in self.by_grade.items():
            fraction(value, f"by_grade.{grade}")


def funded_amount(installment: float, annual_rate_percent: float, months: int = TERM_MONTHS) -> float:
    """Present value of ``months`` level instalments at ``annual_rate_percent`` / 12 a month."""
    r = annual_rate_percent / 1200.0
    return installment * months if r == 0 else installment * (1.0 - (1.0 + r) ** -months) / r


@dataclass(slots=True)
class _Sums:
    loans: int = 0
    exposure: float = 0.0
    recovered_pv: float = 0.0

    def lgd(self) -> float:
        return 1.0 - self.recovered_pv / self.exposure if self.exposure > 0 else 1.0


def calibrate(rows: Iterable[Mapping[str, str]], recovery_lag_months: int = 12) -> dict[str, Any]:
    """Exposure-weighted LGD of the charged-off loans in ``rows`` (Lending Club outcome columns), overall and by
    grade, with counts; loans with no exposure left at charge-off are skipped (counted in ``skipped``)."""
    if not 0 <= recovery_lag_months <= 120:
        raise ValidationError(f"recovery_lag_months must be 0..120, got {recovery_lag_months}", field="lag")
    total, skipped = _Sums(), 0
    grades: dict[str, _Sums] = defaultdict(_Sums)
    for row in rows:
        if row["loan_status"] != "Charged Off":
            continue
        rate = float(row["int_rate"])
        exposure = funded_amount(float(row["installment"]), rate) - float(row["total_rec_prncp"])
        if exposure <= 0.5:
            skipped += 1
            continue
        net = max(0.0, float(row["recoveries"]) - float(row["collection_recovery_fee"] or 0.0))
        pv = min(exposure, net * (1.0 + rate / 1200.0) ** -recovery_lag_months)
        for sums in (total, grades[row["grade"]]):
            sums.loans += 1
            sums.exposure += exposure
            sums.recovered_pv += pv
    if total.loans == 0:
        raise ValidationError("no charged-off loans with exposure left in the input", field="rows")
    return {
        "lgd": round(total.lgd(), 6),
        "charged_off_loans": total.loans,
        "skipped_no_exposure": skipped,
        "exposure_at_charge_off": round(total.exposure, 2),
        "recovered_present_value": round(total.recovered_pv, 2),
        "by_grade": {g: round(s.lgd(), 6) for g, s in sorted(grades.items())},
        "loans_by_grade": {g: s.loans for g, s in sorted(grades.items())},
    }


def parse(doc: Mapping[str, Any], source: str = PACKAGED) -> LgdParameters:
    try:
        return LgdParameters(
            version=str(doc["version"]),
            lgd=float(doc["lgd"]),
            by_grade={str(k): float(v) for k, v in doc.get("by_grade", {}).items()},
            provenance=dict(doc.get("provenance", {})),
        )
    except KeyError as exc:
        raise ValidationError(f"{source}: missing key {exc.args[0]!r}", field=str(exc.args[0])) from None


def load(path: Path | None = None) -> LgdParameters:
    """The packaged LGD parameters, or those of ``path``."""
    if path is None:
        text = resources.files("creditloop.portfolio.ecl").joinpath("data", PACKAGED).read_text("utf-8")
        return parse(json.loads(text))
    return parse(json.loads(path.read_text("utf-8")), str(path))


FULL_CREDIBILITY_LINES = 1082  # limited-fluctuation standard: within 5 % with 90 % probability (Poisson counts)


def own_experience(
    charged_off: Iterable[tuple[int, int]], prior: float, full_credibility_lines: int = FULL_CREDIBILITY_LINES
) -> dict[str, Any]:
    """The book's own LGD blended with ``prior`` (the Lending Club calibration) by credibility.

    ``charged_off`` holds one ``(gross charged off, recovered so far)`` pair in minor units per line charged off
    on or before the reporting date (point in time: recoveries after it are unknown). Own LGD = 1 - recovered /
    charged off (amount-weighted); credibility ``Z = min(1, sqrt(n / full_credibility_lines))`` with ``n`` the
    charged-off lines (limited-fluctuation credibility); LGD = Z x own + (1 - Z) x prior. A recent charge-off has
    had little time to recover, so the own LGD leans high on a young book: the credibility keeps that small."""
    fraction(prior, "prior")
    if isinstance(full_credibility_lines, bool) or not isinstance(full_credibility_lines, int):
        raise ValidationError("full_credibility_lines must be a positive integer", field="full_credibility_lines")
    if full_credibility_lines <= 0:
        raise ValidationError("full_credibility_lines must be a positive integer", field="full_credibility_lines")
    n = gross = recovered = 0
    for amount, back in charged_off:
        if amount <= 0:
            continue
        if not 0 <= back <= amount:
            raise ValidationError(f"recovered {back} must be within 0..{amount}", field="recovered_minor")
        n, gross, recovered = n + 1, gross + amount, recovered + back
    own = 1.0 - recovered / gross if gross else None
    z = min(1.0, (n / full_credibility_lines) ** 0.5)
    blended = prior if own is None else z * own + (1.0 - z) * prior
    return {"lgd": blended, "own_lgd": own, "credibility": z if own is not None else 0.0, "lines": n, "prior": prior}
