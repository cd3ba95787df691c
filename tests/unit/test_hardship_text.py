"""Hardship messages (issue #15): exact predictions on clear messages, routing, consent, bad input, no logging,
the model file's checks. The packaged model is scored in pure Python (no scikit-learn here)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from creditloop.collections.hardship_text import classify, detect_lang, hardship_reason
from creditloop.collections.hardship_text_model import (
    char_wb_ngrams,
    load_model,
    model_from_dict,
    normalize,
    packaged_model,
)
from creditloop.core.errors import ValidationError

CLEAR = [
    ("公司裁员，我被裁了，这个月还不上", "zh", "job_loss_or_pay_cut"),
    ("I lost my job in October and can't pay", "en", "job_loss_or_pay_cut"),
    ("住院做手术，医药费花光了", "zh", "illness_or_injury"),
    ("I had surgery and I'm off work for six weeks", "en", "illness_or_injury"),
    ("小区封控，隔离了两个礼拜", "zh", "epidemic_or_lockdown"),
    ("I had covid and was in quarantine", "en", "epidemic_or_lockdown"),
    ("我开的饭店倒闭了，生意亏了很多", "zh", "business_failure"),
    ("my shop went bankrupt", "en", "business_failure"),
    ("刚离婚，一个人带孩子", "zh", "family_event"),
    ("老家发洪水，房子被淹了", "zh", "disaster"),
    ("our house burned down in a fire", "en", "disaster"),
    ("东西没收到，商家不给退款", "zh", "merchant_dispute"),
    ("I returned the item and the merchant never refunded me", "en", "merchant_dispute"),
    ("这笔消费不是我买的，账户被盗了", "zh", "fraud_or_identity_theft"),
    ("someone used my identity to open this account", "en", "fraud_or_identity_theft"),
    ("忘记还款了，明天就还", "zh", "other"),
    ("被公司layoff了，没income", None, "job_loss_or_pay_cut"),
]


@pytest.mark.parametrize(("text", "lang", "label"), CLEAR)
def test_clear_messages_get_their_reason(text: str, lang: str | None, label: str) -> None:
    result = classify(text, lang, consent=True)
    assert result.category == label and result.predicted == label
    assert not result.needs_review and result.confidence >= packaged_model().min_confidence
    assert result.top_features and all(f.weight > 0 for f in result.top_features)
    assert all(f.ngram in f" {normalize(text)} " for f in result.top_features)  # n-grams of this very message
    cores = [f.ngram.strip() for f in result.top_features]
    assert not any(a in b for i, a in enumerate(cores) for j, b in enumerate(cores) if i != j)  # no repeats
    assert [f.weight for f in result.top_features] == sorted((f.weight for f in result.top_features), reverse=True)


def test_dispute_and_fraud_leave_the_hardship_path() -> None:
    dispute = classify("买的手机一直没发货，商家也不退款", consent=True)
    fraud = classify("I didn't make these purchases, my account was hacked", consent=True)
    job = classify("I was laid off last month", consent=True)
    assert (dispute.category, dispute.route, dispute.leaves_hardship_path) == (
        "merchant_dispute",
        "merchant_dispute",
        True,
    )
    assert (fraud.category, fraud.route, fraud.leaves_hardship_path) == ("fraud_or_identity_theft", "fraud", True)
    assert (job.route, job.leaves_hardship_path) == ("hardship", False)


def test_vulnerability_flags() -> None:
    assert classify("我爸上个月去世了，在办丧事，钱都花光了", consent=True).vulnerability_flags == ("bereavement",)
    assert (
        "serious_illness" in classify("I was diagnosed with cancer and I'm on chemo", consent=True).vulnerability_flags
    )
    assert classify("我是大学生，兼职的店关门了", consent=True).vulnerability_flags == ("student",)
    assert "elderly" in classify("I'm 78 and live on my pension", consent=True).vulnerability_flags
    assert classify("I was laid off last month", consent=True).vulnerability_flags == ()


def test_low_confidence_is_other_and_needs_review() -> None:
    sure = classify("公司裁员，我被裁了", consent=True)
    strict = replace(packaged_model(), min_confidence=0.999999)
    unsure = classify("公司裁员，我被裁了", consent=True, model=strict)
    assert (unsure.category, unsure.predicted, unsure.needs_review, unsure.route) == (
        "other", sure.predicted, True, "hardship")  # fmt: skip
    nothing = classify("？？？", consent=True)  # no known n-gram at all
    assert (nothing.category, nothing.needs_review) == ("other", True)
    assert "需人工复核" in unsure.describe("zh") and "needs review" in unsure.describe("en")


class Untouchable:
    """A model that fails the test if anything reads it."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the model was read ({name}) without consent")


@pytest.mark.parametrize("consent", [False, None, "yes", 1])
def test_without_consent_nothing_is_processed(consent: object) -> None:
    with pytest.raises(ValidationError) as exc:
        classify("公司裁员，我被裁了", consent=consent, model=Untouchable())  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == ("consent_required", "consent")
    with pytest.raises(ValidationError) as port:
        hardship_reason("I was laid off", consent=False)
    assert port.value.code == "consent_required"


@pytest.mark.parametrize(
    ("text", "lang", "code", "field"),
    [("", None, "text_empty", "text"), ("   \n", "zh", "text_empty", "text"),
     ("x" * 5001, None, "text_too_long", "text"), ("I was laid off", "fr", "lang_unknown", "lang"),
     (None, None, "text_empty", "text")],
)  # fmt: skip
def test_bad_input_is_refused_with_a_stable_code(text: object, lang: object, code: str, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        classify(text, lang, consent=True, model=Untouchable())  # type: ignore[arg-type]
    assert (exc.value.code, exc.value.field) == (code, field)


def test_nothing_of_the_text_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    text = "我叫张三丰，手机13800138000，公司裁员我被裁了 zhangsanfeng@example.com"
    with caplog.at_level(logging.DEBUG):
        result = classify(text, consent=True)
        hardship_reason(text, consent=True)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # the classification itself is logged (category only) ...
    for piece in (
        "张三",
        "138",
        "0000",
        "zhangsan",
        "example",
        "裁员",
        *(f.ngram.strip() for f in result.top_features),
    ):
        assert piece not in logged  # ... but never any part of the message


def test_the_port_for_the_hardship_workflow() -> None:
    assert hardship_reason("I lost my job and my dad passed away", "en", consent=True)[0] in {
        "job_loss_or_pay_cut", "family_event"}  # fmt: skip
    category, flags = hardship_reason("商家不发货还不退款", consent=True)
    assert (category, flags) == ("merchant_dispute", ())


def test_language_detection() -> None:
    assert [detect_lang(t) for t in ("下岗了 钱还不上", "laid off", "被layoff了", "ok 😭")] == [
        "zh",
        "en",
        "mixed",
        "en",
    ]
    assert classify("下岗了 钱还不上", consent=True).lang == "zh"
    assert classify("下岗了 钱还不上", "en", consent=True).lang == "en"  # a given language is kept


def test_normalize_and_ngrams() -> None:
    assert normalize("  ＡＢ，下岗了！！ 电话 13800138000。") == "ab 下岗了 电话 00000000000"
    assert char_wb_ngrams("ab 下", 1, 4) == [" ", "a", "b", " ", " a", "ab", "b ", " ab", "ab ", " ab ", " ", "下", " ",
                                             " 下", "下 ", " 下 "]  # fmt: skip


def test_a_damaged_or_newer_model_file_is_refused(tmp_path: Path) -> None:
    packaged = json.loads(
        (Path(__file__).resolve().parents[2] / "src/creditloop/models/hardship_reason_v2.json").read_text("utf-8")
    )
    assert load_model_roundtrip(tmp_path, packaged).model_id == "hardship-reason@2"
    words = packaged["words"]
    for change, field in [({"format_version": 3}, "format_version"), ({"idf": "AAAA"}, "idf"),
                          ({"words": {**words, "vocabulary": []}}, "words.vocabulary"),
                          ({"words": {**words, "idf": "AAAA"}}, "words.idf"),
                          ({"words": {**words, "token_pattern": "("}}, "words.token_pattern"),
                          ({"vocabulary": []}, "vocabulary"),
                          ({"routing": {"min_confidence": 2}}, "routing.min_confidence"),
                          ({"reason": {"names": ["a"], "coef": []}}, "reason.coef")]:  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            model_from_dict({**packaged, **change})
        assert exc.value.field == field
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError):
        load_model(broken)


def load_model_roundtrip(tmp_path: Path, doc: dict[str, object]) -> object:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    model = load_model(path)
    assert model.reason.names == packaged_model().reason.names
    return model


def test_the_workflow_port_names_the_packaged_model_and_classifies_a_consented_message() -> None:
    from creditloop.collections.hardship_text import PACKAGED_MODEL_ID, reason_classifier
    from creditloop.collections.hardship_text_model import packaged_model

    port = reason_classifier()
    assert port.version == PACKAGED_MODEL_ID == packaged_model().model_id
    category, flags = port.classify("公司裁员我失业了，这个月实在还不上", "zh")
    assert category == "job_loss_or_pay_cut" and flags == ()
