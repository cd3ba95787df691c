"""Strategic default: who walks away, when, and who busts out first.

A strategic defaulter (``Customer.strategic``, 1.5 % of genuine applicants) is able to pay and one day stops for good.
Calibrated in session 12 against two real-data facts (docs/simulation.md, "Strategic default"), after the ECL back-test
showed that the earlier rule (spend to the limit without holding back, walk away at 80 % utilisation) put them almost
all in the first months on book and made them draw their whole limit:

- *When*: a constant monthly hazard from applying (``STRATEGIC_WALKAWAY_HAZARD``), so the walk-aways do not bunch
  at any months on book: the Credit Card Approval panel's roll-forward rates do not fall with months on book
  (STATUS 2: 0.295 / 0.304 / 0.339 at 0-6 / 7-12 / 13+, ``tools/ecl_seasoning.py --cca``). Its level keeps about as
  many strategic lines reaching 30+ DPD as the old rule had on the calibration seed (the data contradicted the old
  rule's timing and drawdown, not its level), with the calibration targets holding (docs/simulation.md).
- *How much they draw first*: they hold back like everyone else, except a bust-out share
  (``STRATEGIC_BUST_OUT_SHARE``) who spend freely in the ``BUST_OUT_MONTHS`` months before walking away. On UCI Taiwan,
  20.5 % of the defaulters drew 70 % or more of their undrawn limit over five months against 17.8 % of the others
  (24.7 % against 18.4 % among those clean five months before): bust-outs are a few per cent of the defaulters, not
  the strategic defaulters' whole population (``tools/real_drawdown.py``).

Who busts out and when each walks away is a hash of the seed and the customer id, not a draw from the world's stream,
so the world stream (incomes, shocks, purchase wishes) is the same as before the change; the payment and answer
streams shift because strategic customers now pay for longer.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

from creditloop.simulate.customer import Customer

STRATEGIC_WALKAWAY_HAZARD = 1 / 40  # per month on book; see the module docstring
STRATEGIC_BUST_OUT_SHARE = 0.25  # of strategic defaulters; see the module docstring
BUST_OUT_MONTHS = 3  # months of free spending before a bust-out walks away
BUST_OUT_SPEND = 0.6  # spending propensity while busting out (the fabricated applications' bust-out rate)


def _uniforms(seed: int, customer_id: str) -> tuple[float, float]:
    digest = hashlib.blake2b(f"{seed}|{customer_id}|strategic".encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:], "big") / 2**64


def assign_walkaways(customers: Iterable[Customer], seed: int) -> None:
    """Each strategic defaulter's months to walk-away (geometric, at least 1) and whether they bust out first."""
    log_survive = math.log(1 - STRATEGIC_WALKAWAY_HAZARD)
    for cu in customers:
        if not cu.strategic:
            continue
        u_when, u_bust = _uniforms(seed, cu.customer_id)
        cu.walkaway_after = 1 + int(math.log(1 - u_when) / log_survive)
        cu.bust_out = u_bust < STRATEGIC_BUST_OUT_SHARE


def month_start(cu: Customer, month: int) -> None:
    """At the start of a month: a bust-out starts spending freely; a walk-away month has come."""
    if not cu.strategic or cu.defaulted:
        return
    walk = cu.apply_month + cu.walkaway_after
    if cu.bust_out and month >= walk - BUST_OUT_MONTHS and not cu.spending_freely:
        cu.spending_freely = True
        cu.spend_propensity = max(cu.spend_propensity, BUST_OUT_SPEND)
    if month >= walk:
        cu.defaulted = True


__all__ = [
    "BUST_OUT_MONTHS",
    "BUST_OUT_SPEND",
    "STRATEGIC_BUST_OUT_SHARE",
    "STRATEGIC_WALKAWAY_HAZARD",
    "assign_walkaways",
    "month_start",
]
