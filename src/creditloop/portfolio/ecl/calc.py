"""ECL per account and for the portfolio (IFRS 9 5.5.3, 5.5.5, 5.5.17).

For an account in stage 1 the horizon is 12 months, in stage 2 its lifetime (``lifetime_months``); under each
scenario ``s`` with cumulative PD curve ``PD_s(k)``:

    ECL_s = sum over k = 1..H of (PD_s(k) - PD_s(k - 1)) x LGD_s x EAD x DF(k)

and the account's ECL is ``sum_s weight_s x ECL_s``, rounded once to the fen. A credit-impaired account (stage 3)
gets the lifetime sum too, on its drawn balance only (it is frozen): the loss event of the term structure is the
charge-off, so its PD is the chance that the default ends in a charge-off rather than a cure; an account already at
or past the loss state has ``ECL = sum_s weight_s x LGD_s x EAD``. EAD is held at today's value over the horizon
(no amortisation: a revolving BNPL line is redrawn as it is repaid).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from creditloop.core.errors import ValidationError
from creditloop.core.money import round_minor
from creditloop.portfolio.ecl.discount import factors
from creditloop.portfolio.ecl.ead import ead_minor
from creditloop.portfolio.ecl.scenarios import EclParameters
from creditloop.portfolio.ecl.term_structure import TermStructure
from creditloop.portfolio.risk_inputs import fraction

TWELVE_MONTHS = 12


@dataclass(frozen=True, slots=True)
class AccountInput:
    line_id: str
    stage: int
    state_index: int  # roll state at the reporting date (M0..M7)
    drawn_minor: int
    limit_minor: int
    segment: str = ""


@dataclass(frozen=True, slots=True)
class AccountEcl:
    line_id: str
    stage: int
    segment: str
    ead_minor: int
    pd_12m: float  # baseline (unscaled) cumulative 12-month PD
    pd_lifetime: float
    ecl_minor: int
    ecl_12m_minor: int  # the 12-month ECL whatever the stage (the back-test compares it with 12-month losses)


def discounted_loss_rate(curve: Sequence[float], lgd: float, discount: Sequence[float]) -> float:
    """``sum_k (PD(k) - PD(k-1)) x LGD x DF(k)`` for a cumulative ``curve`` (months 1..len)."""
    fraction(lgd, "lgd")
    total, previous = 0.0, 0.0
    for pd, df in zip(curve, discount, strict=False):
        fraction(pd, "pd")
        total += max(0.0, pd - previous) * lgd * df
        previous = max(previous, pd)
    return total


def expected_loss_minor(ead: int, rates: Iterable[tuple[float, float]]) -> int:
    """``EAD x sum(weight x loss rate)``, rounded once to the fen."""
    weighted = math.fsum(w * r for w, r in rates)
    return round_minor(Decimal(ead) * Decimal(repr(weighted)))


def _rates(
    ts: TermStructure, state: int, months: int, lgd: float, params: EclParameters, discount: Sequence[float]
) -> list[tuple[float, float]]:
    curve = ts.curve(state, months)
    return [
        (s.weight, discounted_loss_rate(s.pd_curve(curve, params.rho), s.lgd(lgd), discount)) for s in params.scenarios
    ]


def account_ecl(
    acc: AccountInput, ts: TermStructure, lgd: float, params: EclParameters, discount: Sequence[float] | None = None
) -> AccountEcl:
    if acc.stage not in (1, 2, 3):
        raise ValidationError(f"stage must be 1, 2 or 3, got {acc.stage!r}", field="stage")
    dfs = discount if discount is not None else factors(params.eir, params.lifetime_months)
    impaired = acc.stage == 3 or acc.state_index >= 4
    ead = ead_minor(acc.drawn_minor, acc.limit_minor, params.ccf, undrawn_usable=not impaired)
    if acc.state_index >= ts.default_from:
        loss = expected_loss_minor(ead, [(s.weight, s.lgd(lgd)) for s in params.scenarios])
        return AccountEcl(acc.line_id, acc.stage, acc.segment, ead, 1.0, 1.0, loss, loss)
    twelve = expected_loss_minor(ead, _rates(ts, acc.state_index, TWELVE_MONTHS, lgd, params, dfs))
    if acc.stage == 1 and not impaired:
        ecl = twelve
    else:
        ecl = expected_loss_minor(ead, _rates(ts, acc.state_index, params.lifetime_months, lgd, params, dfs))
    return AccountEcl(
        line_id=acc.line_id,
        stage=acc.stage,
        segment=acc.segment,
        ead_minor=ead,
        pd_12m=ts.pd(acc.state_index, TWELVE_MONTHS),
        pd_lifetime=ts.pd(acc.state_index, params.lifetime_months),
        ecl_minor=ecl,
        ecl_12m_minor=twelve,
    )


def portfolio_ecl(
    accounts: Iterable[AccountInput],
    term_structures: Mapping[str, TermStructure],
    lgd: float,
    params: EclParameters,
) -> list[AccountEcl]:
    """Every account's ECL, with the term structure of its segment (``""``: the whole book)."""
    dfs = factors(params.eir, params.lifetime_months)
    out = []
    for acc in accounts:
        ts = term_structures.get(acc.segment) or term_structures.get("")
        if ts is None:
            raise ValidationError(f"no term structure for segment {acc.segment!r}", field="segment")
        out.append(account_ecl(acc, ts, lgd, params, dfs))
    return out


def by_stage(results: Iterable[AccountEcl]) -> dict[int, dict[str, int]]:
    """Accounts, EAD and ECL (fen) per stage 1..3 and ``0`` for the total; the totals are sums of the rows."""
    table = {s: {"accounts": 0, "ead_minor": 0, "ecl_minor": 0, "ecl_12m_minor": 0} for s in (1, 2, 3, 0)}
    for r in results:
        for key in (r.stage, 0):
            row = table[key]
            row["accounts"] += 1
            row["ead_minor"] += r.ead_minor
            row["ecl_minor"] += r.ecl_minor
            row["ecl_12m_minor"] += r.ecl_12m_minor
    return table
