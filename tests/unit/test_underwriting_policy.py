"""Loading the underwriting policy, the living-cost table and the arm split: nested documents, and every bad
document refused naming the field path (``bands[2].max_pd``)."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.documents import Schema, Spec, read_document
from creditloop.core.errors import ValidationError
from creditloop.products.caps import CapRegime
from creditloop.strategy.affordability import packaged_living_costs, read_living_costs
from creditloop.strategy.arms import assign_arm, packaged_split, read_split
from creditloop.strategy.underwriting import ApplicantFacts, ModelOutput, decide_application
from creditloop.strategy.underwriting_policy import (
    load_underwriting_policy,
    packaged_underwriting_policy,
    policy_named,
    read_underwriting_policy,
    with_cutoffs,
)


def packaged(name: str) -> dict[str, Any]:
    text = resources.files("creditloop.strategy").joinpath(f"policies/{name}.json").read_text("utf-8")
    return dict(json.loads(text))


V1_DOC = packaged("underwriting_v1")


def test_packaged_v1_reads_as_written() -> None:
    p = packaged_underwriting_policy()
    assert (p.policy_id, p.version, p.check_policy, p.on_check_refer) == ("underwriting", "1", "checks_v1", "refer")
    assert p.cap_regime is CapRegime.CN_LICENSED and str(p.effective_on) == "2026-01-01"
    assert [(m.model_id, m.version) for m in p.models] == [("app-scorecard", "1")]
    assert (p.approve_max_pd, p.decline_min_pd) == (0.10, 0.20)
    assert [b.name for b in p.bands] == ["A", "B", "C", "D", "E"]
    assert p.bands[0].limit_multiple == Decimal(6) and p.bands[-1].max_pd == 1.0
    assert (p.limits.step_minor, p.limits.min_limit_minor, p.limits.starter_line_minor) == (10_000, 30_000, 35_000)
    assert p.affordability.capacity_bps == 5000
    assert p.tier("prime").terms().option(12).monthly_fee_bps == 45
    assert p.tier("standard").terms().option(12).monthly_fee_bps == 60  # the catalog's own fee


def mutated(path: str, value: object) -> dict[str, Any]:
    """A copy of v1 with one value at a dotted path replaced (``bands.2.max_pd``); ``...`` deletes it."""
    doc = copy.deepcopy(V1_DOC)
    node: Any = doc
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    if value is ...:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("bands.2.max_pd", "0.01", "bands[2].max_pd", "must increase"),
        ("bands.2.max_pd", 0.07, "bands[2].max_pd", "decimal string"),
        ("bands.2.max_pd", "1.5", "bands[2].max_pd", "<= 1"),
        ("bands.1.limit_multiple", "7", "bands[1].limit_multiple", "must not increase"),
        ("bands.3.max_limit_minor", 9_000_000, "bands[3].max_limit_minor", "limits.max_limit_minor"),
        ("bands.3.price_tier", "gold", "bands[3].price_tier", "not one of price_tiers"),
        ("bands.4.max_pd", "0.5", "bands", "must be 1"),
        ("bands.0.colour", "red", "bands[0].colour", "unknown field"),
        ("bands.0.name", ..., "bands[0].name", "missing field"),
        ("bands", [], "bands", "at least 1"),
        ("bands", {"A": 1}, "bands", "list of objects"),
        ("models.0.version", ..., "models[0].version", "missing"),
        ("limits.starter_line_minor", 20_000, "limits.starter_line_minor", ">= 30000"),
        ("limits.min_limit_minor", 25_500, "limits.min_limit_minor", "multiple of step_minor"),
        ("affordability.capacity_bps", 12_000, "affordability.capacity_bps", "<= 10000"),
        ("affordability", "half", "affordability", "JSON object"),
        ("price_tiers.2.fees.0.periods", 9, "price_tiers[2].fees[0].periods", "not an option"),
        ("price_tiers.1.product", "no-such-product", "price_tiers[1].product", "unknown product"),
        ("approve_max_pd", "0.25", "decline_min_pd", "above approve_max_pd"),
        ("on_check_refer", "ignore", "on_check_refer", "one of refer, decline"),
        ("without_model", "rule_only", "rule_only_band", "must name one of bands"),
        ("effective_on", "2026-13-01", "effective_on", "ISO date"),
        ("cap_regime", "eu", "cap_regime", "one of"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field_path(path: str, value: object, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_underwriting_policy(mutated(path, value))
    assert err.value.field == field
    assert words in err.value.message


def test_a_price_tier_above_the_pricing_cap_is_refused_at_load() -> None:
    doc = mutated("price_tiers.3.fees.2.monthly_fee_bps", 120)  # 12 periods at 1.2 %/month: 24.41 % > 24 %
    with pytest.raises(ValidationError) as err:
        read_underwriting_policy(doc)
    assert err.value.field == "price_tiers[3]"
    assert "24.41%" in err.value.message and "24.00%" in err.value.message


def test_the_file_loader_names_the_file_and_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "uw.json"
    bad.write_text(json.dumps(mutated("bands.2.max_pd", "0.01")), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_underwriting_policy(bad)
    assert str(bad) in err.value.message and err.value.field == "bands[2].max_pd"
    good = tmp_path / "ok.json"
    good.write_text(json.dumps(V1_DOC), encoding="utf-8")
    assert load_underwriting_policy(good) == packaged_underwriting_policy()


def test_unknown_packaged_policy_is_refused() -> None:
    with pytest.raises(ValidationError):
        packaged_underwriting_policy("underwriting_v9")


def test_nested_error_inside_a_nested_list_names_the_whole_path() -> None:
    leaf: Schema[int] = Schema("leaf", (Spec("n", "int", lo=0),), lambda v: v["n"])
    mid: Schema[tuple[int, ...]] = Schema("mid", (Spec("leaves", "list", schema=leaf),), lambda v: v["leaves"])
    top: Schema[Any] = Schema("top", (Spec("groups", "list", schema=mid),), lambda v: v["groups"])
    assert read_document({"groups": [{"leaves": [{"n": 1}]}, {"leaves": []}]}, top) == ((1,), ())
    with pytest.raises(ValidationError) as err:
        read_document({"groups": [{"leaves": [{"n": 1}]}, {"leaves": [{"n": 2}, {"n": -1}]}]}, top)
    assert err.value.field == "groups[1].leaves[1].n"
    assert err.value.message == "groups[1].leaves[1].n must be >= 0, got -1"


def test_living_cost_table_figures_and_household_scale() -> None:
    table = packaged_living_costs()
    # NBS 2023: urban 32,994; national 26,796; rural 18,175; tier 1 = mean of Shanghai 52,508 and Beijing 47,586.
    assert [t.annual_per_capita_yuan for t in table.tiers] == [50_047, 32_994, 26_796, 18_175]
    assert (52_508 + 47_586) // 2 == 50_047
    assert table.monthly_minor(2, 1) == 274_950  # 32,994 / 12 = 2,749.50 yuan
    assert table.monthly_minor(1, 1) == 417_058  # 4,170.58
    assert table.monthly_minor(2, 2) == 412_425  # x 1.5
    assert table.monthly_minor(2, 4) == 687_375  # x 2.5
    assert table.monthly_minor(2, 30) == table.monthly_minor(2, 10)  # larger households count as the max
    with pytest.raises(ValidationError) as err:
        table.monthly_minor(5, 1)
    assert err.value.field == "city_tier"


def test_a_bad_living_cost_table_names_the_tier() -> None:
    doc = packaged("living_costs_v1")
    doc["tiers"][1]["city_tier"] = 1
    with pytest.raises(ValidationError) as err:
        read_living_costs(doc)
    assert err.value.field == "tiers[1].city_tier"
    doc = packaged("living_costs_v1")
    del doc["tiers"][3]["source"]
    with pytest.raises(ValidationError) as err:
        read_living_costs(doc)
    assert err.value.field == "tiers[3].source"  # every figure must say where it comes from


def test_arm_split_document() -> None:
    split = packaged_split()  # arms_v2: arms_v1's salt and shares on the policies using app-scorecard@2
    assert [(a.name, a.policy, a.share_bps) for a in split.arms] == [
        ("champion", "underwriting_v3", 9000),
        ("challenger", "underwriting_v4", 1000),
    ]
    assert split.policy_of("challenger") == "underwriting_v4"
    old = packaged_split("arms_v1")
    assert [a.policy for a in old.arms] == ["underwriting_v1", "underwriting_v2"] and old.salt == split.salt
    doc = packaged("arms_v1")
    doc["arms"][1]["share_bps"] = 1500
    with pytest.raises(ValidationError) as err:
        read_split(doc)
    assert err.value.field == "arms" and "sum to 10000" in err.value.message
    doc["arms"][1]["share_bps"] = -1
    with pytest.raises(ValidationError) as err:
        read_split(doc)
    assert err.value.field == "arms[1].share_bps"


def test_policy_named_takes_a_packaged_name_or_a_file(tmp_path: Path) -> None:

    assert policy_named("underwriting_v2").version == "2"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mutated("version", "7")), encoding="utf-8")
    assert policy_named(path).version == "7"
    assert policy_named("underwriting_v3").models[0].version == "2"  # app-scorecard@2: reasons in words
    with pytest.raises(ValidationError) as err:
        policy_named("underwriting_v9")
    assert err.value.field == "policy"
    with pytest.raises(ValidationError) as err:
        policy_named(tmp_path / "missing.json")
    assert err.value.field == "<document>"


def test_each_arm_decides_with_its_own_policy() -> None:

    split = packaged_split()
    seen = set()
    for n in range(40):
        app_id = f"APP-{n}"
        arm = assign_arm(app_id, split)
        policy = policy_named(split.policy_of(arm))
        facts = ApplicantFacts(
            app_id, date(2026, 3, 1), 30, 2, 1, "it", "app", 1_000_000, None, 0, 1, 9_000_000, True, True
        )
        d = decide_application(facts, (), ModelOutput("app-scorecard", "2", 0.01, None, ()), policy, arm=arm)
        seen.add((d.arm, d.policy_version, d.limit_minor))
    assert seen == {("champion", "3", 2_170_000), ("challenger", "4", 2_900_000)}


def test_with_cutoffs_for_a_frontier_sweep() -> None:
    p = with_cutoffs(packaged_underwriting_policy(), 0.05, 0.05000001)
    assert (p.approve_max_pd, p.decline_min_pd, p.bands) == (0.05, 0.05000001, packaged_underwriting_policy().bands)
    with pytest.raises(ValidationError) as err:
        with_cutoffs(p, 0.2, 0.1)
    assert err.value.field == "approve_max_pd"
