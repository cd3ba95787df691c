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
from creditloop.collections.hardship_text_model import normalize, packaged_model
from creditloop.core.errors import ValidationError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "hardship_messages"


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
    assert sum(by_lang[k]["n"] for k in by_lang) == 425
    assert sum(sum(row.values()) for row in figures["confusion"].values()) == 425


def test_the_model_beats_the_keyword_baseline_in_every_language(heldout_figures: dict[str, object]) -> None:
    base = evaluate(keyword_baseline, read_messages(DATA / "heldout.jsonl"))
    assert heldout_figures["macro_f1"] > base["macro_f1"] + 0.1
    for lang in ("zh", "en", "mixed"):
        assert heldout_figures["by_language"][lang]["macro_f1"] > base["by_language"][lang]["macro_f1"]


def test_the_model_file_records_the_figures_it_was_shipped_with(heldout_figures: dict[str, object]) -> None:
    meta = packaged_model().metadata
    assert meta["heldout"]["macro_f1"] == heldout_figures["macro_f1"]
    assert float(meta["parity_max_abs_diff"]) < 1e-9


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
