"""The opt-in income-packaging fraudsters (``SimConfig.income_packaging``): agencies of 4-16 real people at one
shell employer, filed within days, incomes just under a round figure; the default population is unchanged."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from creditloop.simulate.population import generate_population


def test_agencies_file_rings_at_one_employer_and_the_default_population_is_unchanged() -> None:
    plain = generate_population(20_000, 12, np.random.default_rng(5))
    packed = generate_population(20_000, 12, np.random.default_rng(5), packaging=True)
    assert not any(c.fraud_kind == "income_packaging" for c in plain)
    rings: dict[int, list] = defaultdict(list)
    for before, after in zip(plain, packed, strict=True):
        if after.fraud_kind == "income_packaging":
            assert before.fraud_kind == "inflated_income"
            rings[after.farm].append(after)
        elif not after.fraud:  # genuine applicants are exactly who they were
            assert (after.name, after.id_number, after.stated_income_minor) == (
                before.name,
                before.id_number,
                before.stated_income_minor,
            )
    assert 80 <= sum(len(r) for r in rings.values()) <= 120  # half of the 1 % inflated income
    for ring in rings.values():
        assert len({(c.employer, c.employer_address, c.city) for c in ring}) == 1
        assert (
            len({c.apply_month for c in ring}) == 1
            and max(c.apply_day for c in ring) - min(c.apply_day for c in ring) <= 10
        )
        incomes = [c.stated_income_minor for c in ring]
        assert max(incomes) <= min(incomes) * 1.09 and all(i % 5_000 == 0 for i in incomes)
        assert all(not c.consent_sharing and c.verified_income_minor is None for c in ring)
    assert sum(len({c.phone[:7] for c in r}) == 1 for r in rings.values() if len(r) > 1) >= 1  # SIM batches
