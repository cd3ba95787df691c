"""Identifier-like columns never become model inputs, and none of their values reach the model file (issue 11,
item 7)."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.scoring import (
    BinningProcess,
    IdentifierWarning,
    Scorecard,
    identifier_columns,
    protected_columns,
    scorecard_to_json,
)
from creditloop.scoring._identifiers import identifier_name

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def resident_id(rng: np.random.Generator) -> str:
    """A well-formed 18-character PRC resident ID (area, birth date, sequence, ISO 7064 check character)."""
    area = str(rng.choice(["110101", "310104", "440305", "510107", "330106"]))
    body = (
        f"{area}{rng.integers(1955, 2004)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}{rng.integers(0, 1000):03d}"
    )
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


def person_frame(n: int = 2000, seed: int = 5) -> pd.DataFrame:
    """Applicants with a name, an ID number and a mobile number beside two real characteristics. The ID's
    birth year is made to predict the target, so a model that may use ``id_number`` would pick it."""
    rng = np.random.default_rng(seed)
    ids = [resident_id(rng) for _ in range(n)]
    birth_year = np.array([int(i[6:10]) for i in ids])
    util = rng.uniform(0, 1.2, n)
    delinq = rng.poisson(0.6, n)
    logit = -2 + 2.0 * util + 0.5 * delinq + (birth_year - 1980) / 8
    return pd.DataFrame(
        {
            "name": [
                str(rng.choice(list(SURNAMES))) + "".join(rng.choice(list(GIVEN), rng.integers(1, 3))) for _ in ids
            ],
            "id_number": ids,
            "phone": [int(f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10**9):09d}") for _ in ids],
            "utilization": util.round(4),
            "delinquencies": delinq,
            "bad": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )


def test_realistic_identifiers_are_found_by_the_right_rule() -> None:
    rng = np.random.default_rng(1)
    n = 1500
    frame = person_frame(n).drop(columns="bad")
    frame["email"] = [f"user{k}@example.com" for k in range(n)]
    frame["card"] = [f"6222 0{rng.integers(0, 10**10):010d} 123"[:19] for _ in range(n)]  # 16-19 digits with spaces
    frame["seq"] = np.arange(10_000, 10_000 + n)  # a monotone key without a telling name
    frame["ref"] = rng.permutation(n) + 1  # a shuffled dense key without a telling name
    frame["client"] = [f"客户{k:05d}号" for k in rng.permutation(n)]  # near-unique text
    frame["income"] = rng.lognormal(9, 0.6, n).round().astype(int)  # near-unique integers, but a measurement
    frame["telephone"] = rng.choice(["yes", "no"], n)  # German credit's flag: has a phone
    frame["addr_state"] = rng.choice([f"S{k}" for k in range(12)], n)  # a code, each value ~125 times
    frame["number_of_existing_credits_at_this_bank"] = rng.integers(1, 4, n)
    frame["region"] = rng.choice(["north", "south"], n)
    found = {f.column: f for f in identifier_columns(frame)}
    assert set(found) == {"name", "id_number", "phone", "email", "card", "seq", "ref", "client"}
    personal = {c for c, f in found.items() if f.personal}
    assert personal == {"id_number", "phone", "email", "card"}
    assert "PRC resident ID" in found["id_number"].reason and "mobile" in found["phone"].reason
    assert found["name"].reason == "identifier by name (the word 'name')"
    assert "monotone" in found["seq"].reason and "dense range" in found["ref"].reason
    assert "high-cardinality text" in found["client"].reason
    # a reason names the rule, never a value
    for f in found.values():
        assert not re.search(r"\d{6,}|@|客户", f.reason), f.reason


@pytest.mark.parametrize(
    ("column", "word"),
    [
        ("id", "id"),
        ("customerId", "id"),
        ("ID_NUMBER", "id"),
        ("full_name", "name"),
        ("mobile", "mobile"),
        ("e-mail", "mail"),
        ("home_address", "address"),
        ("passport", "passport"),
        ("card_no", "card no"),
        ("bankAccountNumber", "account number"),
        ("身份证号", "身份证"),
        ("客户姓名", "姓名"),
        ("手机号码", "手机"),
        ("银行卡号", "卡号"),
        ("number_of_cards", None),
        ("number_of_existing_credits_at_this_bank", None),
        ("paid_amount", None),
        ("idle_days", None),
        ("utilization", None),
    ],
)
def test_identifier_names(column: str, word: str | None) -> None:
    assert identifier_name(column) == word


def test_protected_words_in_camel_case_and_chinese_are_protected_too() -> None:
    assert protected_columns(["maritalStatus", "性别", "年龄段", "customerAge", "utilization", "page_views"]) == [
        "maritalStatus",
        "性别",
        "年龄段",
        "customerAge",
    ]


def test_fit_excludes_identifiers_and_writes_none_of_their_values() -> None:
    frame = person_frame()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Scorecard(attribute_penalty=None).fit(frame.drop(columns="bad"), frame["bad"], target_name="bad")
    assert set(model.features_) <= {"utilization", "delinquencies"}
    assert model.excluded_["id_number"] == "personal data: values look like 18-digit PRC resident ID numbers"
    assert model.excluded_["phone"] == "personal data: values look like 11-digit Chinese mobile numbers"
    assert model.excluded_["name"] == "identifier by name (the word 'name')"
    warned = {str(w.message).split("'")[1] for w in caught if issubclass(w.category, IdentifierWarning)}
    assert warned == {"name", "id_number", "phone"}
    text = scorecard_to_json(model)
    for col in ("name", "id_number", "phone"):
        for value in frame[col].astype(str):
            assert value not in text
    # no split point derived from an ID or a phone number: every number in the file is small
    numbers = [float(x) for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", text)]
    assert max(abs(x) for x in numbers) < 1e6
    doc = json.loads(text)
    assert {e["column"] for e in doc["excluded"]} == {"name", "id_number", "phone"}
    # the training-rows fingerprint hashes no identifier or personal-data column either
    assert not {"name", "id_number", "phone"} & set(doc["training"]["rows"]["columns"])
    assert "utilization" in doc["training"]["rows"]["columns"]
    assert {c["name"] for c in doc["characteristics"]} == set(model.features_)


def test_without_the_rule_the_id_number_would_be_chosen() -> None:
    """The frame really is the hostile case: binned as a number, the ID is a strong characteristic (the birth
    date inside it), so only the identifier rule keeps it out."""
    frame = person_frame()
    X = pd.DataFrame({"x": frame["id_number"].str[:17].astype("int64")})
    binning = BinningProcess().fit(X, frame["bad"])
    assert binning.variables_["x"].iv > 0.1
    assert max(binning.variables_["x"].splits) > 1e16  # split points derived from ID numbers


def test_allow_keeps_a_named_column_but_never_personal_data() -> None:
    frame = person_frame(800)
    rng = np.random.default_rng(2)
    product = rng.choice([f"P{k}" for k in range(20)], len(frame))  # 20 codes in 800 rows: named like an id
    X = frame.drop(columns="bad").assign(product_id=product)
    plain = Scorecard(attribute_penalty=None).fit(X, frame["bad"])
    assert plain.excluded_["product_id"] == "identifier by name (the word 'id')"
    allowed = Scorecard(attribute_penalty=None, allow_columns=["product_id"]).fit(X, frame["bad"])
    assert "product_id" not in allowed.excluded_ and "phone" in allowed.excluded_
    with pytest.raises(ValidationError, match="'phone' cannot be allowed: personal data") as err:
        Scorecard(allow_columns=["phone"]).fit(X, frame["bad"])
    assert err.value.field == "allow_columns"
    with pytest.raises(ValidationError, match="'ghost' is not in the data"):
        Scorecard(allow_columns=["ghost"]).fit(X, frame["bad"])


def test_a_categorical_declaration_does_not_bring_an_identifier_back() -> None:
    frame = person_frame(800)
    model = Scorecard(attribute_penalty=None, binning_params={"categorical": ["name"]}).fit(
        frame.drop(columns="bad"), frame["bad"]
    )
    assert "name" in model.excluded_ and "name" not in model.features_


@pytest.mark.parametrize("bad_value", [float("nan"), float("inf"), 0.0, -20.0])
def test_pdo_must_be_positive_and_finite(bad_value: float) -> None:
    frame = person_frame(300)
    with pytest.raises(ValidationError, match="pdo must be a positive finite number"):
        Scorecard(pdo=bad_value).fit(frame[["utilization"]], frame["bad"])


def mobiles() -> st.SearchStrategy[str]:
    return st.builds(lambda p, rest: f"1{p}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))


@settings(max_examples=40, deadline=None)
@given(values=st.lists(mobiles(), min_size=5, max_size=60), name=st.sampled_from(["x1", "contact", "备注", "v"]))
def test_mobile_numbers_are_personal_data_whatever_the_column_is_called(values: list[str], name: str) -> None:
    as_text = pd.DataFrame({name: values})
    as_int = pd.DataFrame({name: [int(v) for v in values]})
    for frame in (as_text, as_int):
        (found,) = identifier_columns(frame)
        assert found.personal and "mobile" in found.reason


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(50, 400),
    scale=st.sampled_from([1.0, 100.0, 1e4, 1e7]),
)
def test_measurements_are_never_identifiers(seed: int, n: int, scale: float) -> None:
    """Continuous amounts, rounded amounts in fen, shuffled counts: no false positive on real characteristics."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "ratio": rng.uniform(0, 1, n),
            "amount_minor": (rng.lognormal(0, 1, n) * scale).round().astype(np.int64),
            "count": rng.poisson(3, n),
            "segment": rng.choice(["a", "b", "c"], n),
        }
    )
    assert identifier_columns(frame) == []


def test_blanks_and_dtypes_do_not_hide_an_identifier() -> None:
    """A phone column with blanks is read as floats (13800000000.0); a name column may be categorical."""
    n = 300
    frame = pd.DataFrame(
        {
            "contact": np.where(np.arange(n) % 4 == 0, np.nan, np.arange(n) + 13_800_000_000.0),
            "who": pd.Categorical([f"客户{k}" for k in range(n)]),
            "huge": np.where(np.arange(n) % 3 == 0, np.nan, 1e19),  # beyond int64: no crash, no identifier
            "flag": np.arange(n) % 2 == 0,
        }
    )
    found = {f.column: f.reason for f in identifier_columns(frame)}
    assert found == {
        "contact": "personal data: values look like 11-digit Chinese mobile numbers",
        "who": "identifier by cardinality: high-cardinality text (100% of values distinct)",
    }
