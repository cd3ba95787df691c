"""The hardship corpus and the model's held-out figures (issue #15 "Measured"), computed from the committed model
file and held-out file: nothing is refitted here."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from creditloop.collections.hardship_text import classify_with
from creditloop.collections.hardship_text_eval import (
    CATEGORIES,
    class_table,
    confusion,
    evaluate,
    flag_table,
    keyword_baseline,
    read_messages,
)
from creditloop.collections.hardship_text_model import load_model, normalize, packaged_model
from creditloop.core.errors import ValidationError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "hardship_messages"
V1 = ROOT / "src" / "creditloop" / "models" / "hardship_reason_v1.json"


@pytest.fixture(scope="module")
def heldout_figures() -> dict[str, object]:
    model = packaged_model()
    return evaluate(lambda t: classify_with(model, t), read_messages(DATA / "heldout.jsonl"))


def test_the_corpora_are_big_enough_valid_and_apart() -> None:
    train, heldout = read_messages(DATA / "train.jsonl"), read_messages(DATA / "heldout.jsonl")
    assert len(train) >= 1500 and len(heldout) >= 400
    for rows in (train, heldout):
        assert {m.label for m in rows} == set(CATEGORIES)
        assert {m.lang for m in rows} == {"zh", "en", "mixed"}
    assert not {normalize(m.text) for m in train} & {normalize(m.text) for m in heldout}


def test_the_handwritten_training_file_meets_the_brief_and_stays_apart() -> None:
    """train_handwritten.jsonl (hardship-reason@2): >= 900 messages, >= 550 en / 250 zh / 100 mixed, every class
    >= 60 in English, every flag present; no text shared with the template or held-out files."""
    hand = read_messages(DATA / "train_handwritten.jsonl")
    langs = [m.lang for m in hand]
    assert len(hand) >= 900 and langs.count("en") >= 550 and langs.count("zh") >= 250 and langs.count("mixed") >= 100
    assert min(sum(m.label == c and m.lang == "en" for m in hand) for c in CATEGORIES) >= 60
    assert all(sum(f in m.flags for m in hand) >= 30 for f in ("serious_illness", "bereavement", "elderly", "student"))
    rows = [json.loads(line) for line in (DATA / "train_handwritten.jsonl").read_text("utf-8").splitlines()]
    assert {r["source"] for r in rows} == {"handwritten"} and all(r["group"].startswith("hw/") for r in rows)
    texts = {normalize(m.text) for m in hand}
    assert len(texts) == len(hand)
    for other in ("train.jsonl", "heldout.jsonl"):
        assert not texts & {normalize(m.text) for m in read_messages(DATA / other)}


def test_the_training_file_is_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("hardship_corpus", ROOT / "tools" / "hardship_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hardship_corpus", module)
    spec.loader.exec_module(module)
    assert module.render(module.corpus()) == (DATA / "train.jsonl").read_text(encoding="utf-8")


def test_heldout_macro_f1_meets_the_bar(heldout_figures: dict[str, object]) -> None:
    figures = heldout_figures
    assert figures["n"] == 425
    assert figures["macro_f1"] >= 0.85
    by_lang = figures["by_language"]
    assert set(by_lang) == {"zh", "en", "mixed"}
    assert by_lang["zh"]["macro_f1"] >= 0.85 and by_lang["en"]["macro_f1"] >= 0.85  # @2, look 5: 0.928 / 0.934
    assert sum(by_lang[k]["n"] for k in by_lang) == 425
    assert sum(sum(row.values()) for row in figures["confusion"].values()) == 425


def test_the_model_beats_the_keyword_baseline_in_every_language(heldout_figures: dict[str, object]) -> None:
    base = evaluate(keyword_baseline, read_messages(DATA / "heldout.jsonl"))
    assert heldout_figures["macro_f1"] > base["macro_f1"] + 0.1
    for lang in ("zh", "en", "mixed"):
        assert heldout_figures["by_language"][lang]["macro_f1"] > base["by_language"][lang]["macro_f1"]


def test_the_model_files_record_how_they_were_fitted() -> None:
    """@2 was fixed before its held-out look, so its file records the training CV and parity only (the look is
    in docs/hardship_model_card.md); @1's file still records the held-out figures it was shipped with."""
    meta = packaged_model().metadata
    assert meta["messages"] == {"template": 2070, "handwritten": len(read_messages(DATA / "train_handwritten.jsonl"))}
    assert meta["C"] in (3.0, 10.0, 30.0) and "heldout" not in meta
    assert float(meta["parity_max_abs_diff"]) < 1e-9
    v1 = load_model(V1)
    v1_figures = evaluate(lambda t: classify_with(v1, t), read_messages(DATA / "heldout.jsonl"))
    assert v1.metadata["heldout"]["macro_f1"] == v1_figures["macro_f1"] == 0.857


def test_metrics_on_a_small_example() -> None:
    truth = ["disaster", "disaster", "other", "fraud_or_identity_theft"]
    pred = ["disaster", "other", "other", "disaster"]
    table = class_table(truth, pred)
    assert table["per_class"]["disaster"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert table["per_class"]["other"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert table["per_class"]["fraud_or_identity_theft"]["f1"] == 0.0
    assert table["macro_f1"] == round((0.5 + 0.6667 + 0.0) / 3, 4) and table["accuracy"] == 0.5
    assert confusion(truth, pred)["disaster"]["other"] == 1
    flags = flag_table([frozenset({"student"}), frozenset()], [frozenset({"student", "elderly"}), frozenset()])
    assert flags["student"]["f1"] == 1.0 and flags["elderly"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }


def test_a_bad_labelled_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"id": "a", "text": "laid off", "lang": "en", "label": "job_loss_or_pay_cut", "flags": []}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "label": "lazy"}) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_messages(path)
    assert "line 2" in exc.value.message and exc.value.field == "label"
