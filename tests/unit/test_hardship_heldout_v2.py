"""The second held-out hardship set (issue #15): readable by the evaluator, clean, as large as its datasheet says."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

from creditloop.collections.hardship_text_eval import CATEGORIES, FLAGS, read_messages

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "data" / "hardship_messages" / "heldout_v2.jsonl"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_hardship_heldout", ROOT / "tools" / "check_hardship_heldout.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checker_finds_no_problem() -> None:
    assert _checker().problems(FILE, []) == []


def test_no_held_out_text_is_a_training_text() -> None:
    train = FILE.parent / "train.jsonl"
    others = [train, FILE.parent / "heldout.jsonl", FILE.parent / "train_handwritten.jsonl"]
    assert _checker().problems(FILE, others) == []


def test_counts_match_the_datasheet() -> None:
    msgs = read_messages(FILE)
    langs = Counter(m.lang for m in msgs)
    assert len(msgs) == 418  # 420 written; two found word for word in training files were removed
    assert langs["en"] >= 200 and langs["zh"] >= 160 and langs["mixed"] >= 40 - 1
    for label in CATEGORIES:
        assert sum(m.label == label and m.lang == "en" for m in msgs) >= 20
        assert sum(m.label == label and m.lang == "zh" for m in msgs) >= 16
    flags = Counter(f for m in msgs for f in m.flags)
    assert all(flags[f] >= 12 for f in FLAGS)


def test_the_checker_catches_a_wrong_lang_and_a_repeated_text(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    row = '{"id": "x-%d", "text": "公司layoff了", "lang": "zh", "label": "other", "flags": [], "source": "t"}\n'
    bad.write_text(row % 1 + row % 2, encoding="utf-8")
    found = _checker().problems(bad, [])
    assert any("script says mixed" in p for p in found) and any("text twice" in p for p in found)
