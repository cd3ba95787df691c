"""Bin labels in words (reason_style "words") and the packaged app-scorecard@2 that opts in."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd
import pytest

from creditloop.core.errors import ValidationError
from creditloop.scoring.artifact import scorecard_from_json, scorecard_to_json
from creditloop.scoring.reason_words import label_in_words, statement_in_words
from creditloop.scoring.reasons import DESCRIPTIONS, ReasonText, describe
from creditloop.scoring.runtime import ScorecardRuntime


@pytest.mark.parametrize(
    ("label", "percent", "en", "zh"),
    [
        ("[15658, inf)", False, "15,658 or more", "不低于15,658"),
        ("[-inf, 3390)", False, "below 3,390", "低于3,390"),
        ("[3390, 4362)", False, "from 3,390 to under 4,362", "3,390至4,362（不含）"),
        ("[1234.5, 2e+06)", False, "from 1,234.5 to under 2,000,000", "1,234.5至2,000,000（不含）"),
        ("[0.0595238, 0.118164)", True, "from 6% to under 12%", "6%至12%（不含）"),
        ("[-inf, 0.854871)", True, "below 85%", "低于85%"),
        ("[1.93336, inf)", True, "193% or more", "不低于193%"),
        ("[-inf, inf)", False, "any value", "任意值"),
        ("= 0", True, "exactly 0%", "等于0%"),
        ("Missing", False, "not provided", "未提供"),
        ("Special", True, "special value", "特殊值"),
        ("A11, A12", False, "A11, A12", "A11, A12"),
    ],
)
def test_a_bin_label_reads_in_words_in_both_languages(label: str, percent: bool, en: str, zh: str) -> None:
    assert label_in_words(label, percent=percent) == ReasonText(en, zh)


def test_a_ratio_feature_reads_as_a_percentage_in_its_statement() -> None:
    desc = describe("debt_to_income")
    assert desc == DESCRIPTIONS["debt_to_income"]
    text = statement_in_words("debt_to_income", desc, "[0.313051, inf)")
    assert text == ReasonText(
        "Monthly debt payments as a share of income: 31% or more", "月还款额占收入比例：不低于31%"
    )


def _packaged(version: int) -> dict[str, object]:
    text = resources.files("creditloop.models").joinpath(f"app_scorecard_v{version}.json").read_text("utf-8")
    doc: dict[str, object] = json.loads(text)
    return doc


ROWS = [
    {"debt_to_income": 0.3, "stated_to_verified_income": None, "requested_to_income": 2.0, "monthly_income_yuan": 3000},
    {"debt_to_income": 0.1, "stated_to_verified_income": 1.0, "requested_to_income": 1.0, "monthly_income_yuan": 20000},
    {
        "debt_to_income": None,
        "stated_to_verified_income": 1.2,
        "requested_to_income": None,
        "monthly_income_yuan": None,
    },
]


@pytest.mark.parametrize("row", ROWS)
def test_app_scorecard_v2_scores_as_v1_with_reasons_in_words(row: dict[str, object]) -> None:
    v1, v2 = ScorecardRuntime(_packaged(1)), ScorecardRuntime(_packaged(2))
    s1, s2 = v1.score_one(row), v2.score_one(row)
    assert (v2.model_id, v2.model_version) == ("app-scorecard", "2")
    assert (s1.score, s1.pd) == (s2.score, s2.pd)
    assert s1.reasons == s2.reasons and s2.reasons
    for zh, en in s2.reason_texts:
        assert "income" not in zh and "inf" not in zh and "[" not in en


def test_app_scorecard_v1_keeps_its_interval_texts() -> None:
    row = {
        "debt_to_income": 0.1,
        "stated_to_verified_income": None,
        "requested_to_income": 1.0,
        "monthly_income_yuan": 20000,
    }
    texts = [zh for zh, _ in ScorecardRuntime(_packaged(1)).score_one(row).reason_texts]
    assert "monthly income yuan：[15658, inf)" in texts


def test_an_unknown_reason_style_is_refused_by_name() -> None:
    doc = {**_packaged(2), "reason_style": "poetry"}
    with pytest.raises(ValidationError, match="reason_style must be one of label, words") as err:
        ScorecardRuntime(doc)
    assert err.value.field == "reason_style"


@pytest.mark.parametrize("version", [1, 2])
def test_score_frame_gives_the_same_reason_texts_as_the_runtime_in_either_style(version: int) -> None:
    # app-scorecard@1 names bins by their interval ("label"), @2 in words: the batch path must say what a notice says.
    doc = _packaged(version)
    model = scorecard_from_json(json.dumps(doc))
    assert model.reason_style == ("words" if version == 2 else "label")
    frame = model.score_frame(pd.DataFrame(ROWS))
    runtime = ScorecardRuntime(doc)
    for i, row in enumerate(ROWS):
        one = runtime.score_one(row)
        got = [(frame.at[i, f"reason_{k}_zh"], frame.at[i, f"reason_{k}_en"]) for k in range(1, len(one.reasons) + 1)]
        assert one.reasons and got == list(one.reason_texts)
    first = str(frame.at[0, "reason_1_en"])
    assert ("[" in first) == (version == 1)  # label style: "[15658, inf)"; words: "15,658 or more"


def test_the_reason_style_survives_the_model_file_and_a_bad_one_is_refused_by_name() -> None:
    doc = _packaged(2)
    again = json.loads(scorecard_to_json(scorecard_from_json(json.dumps(doc))))
    assert again["reason_style"] == "words"
    assert "reason_style" not in json.loads(scorecard_to_json(scorecard_from_json(json.dumps(_packaged(1)))))
    with pytest.raises(ValidationError, match="reason_style must be one of label, words") as err:
        scorecard_from_json(json.dumps({**doc, "reason_style": "poetry"}))
    assert err.value.field == "reason_style"
