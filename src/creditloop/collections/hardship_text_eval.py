"""Labelled hardship-message files and the evaluation of a classifier on them (pure Python).

A file is JSON lines ``{"id", "text", "lang": "zh"|"en"|"mixed", "label", "flags": [...]}``
(data/hardship_messages/README.md). :func:`evaluate` gives macro-F1, per-class precision / recall / F1, the same
per language, a confusion matrix and per-flag F1 for any ``predict(text) -> (label, flags)``; the keyword rule
list below is the baseline every figure is printed beside.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.collections.hardship_requests import CATEGORIES as REQUEST_CATEGORIES
from creditloop.collections.hardship_requests import VULNERABILITIES
from creditloop.core.errors import ValidationError

CATEGORIES = REQUEST_CATEGORIES  # one list: the hardship workflow's categories and flags
FLAGS = VULNERABILITIES
LANGS = ("zh", "en", "mixed")
Predict = Callable[[str], tuple[str, Sequence[str]]]


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    message_id: str
    text: str
    lang: str
    label: str
    flags: frozenset[str]


def _message(row: Any, where: str) -> LabelledMessage:
    if not isinstance(row, dict):
        raise ValidationError(f"{where}: a JSON object expected", field="messages")
    text, lang, label, flags = row.get("text"), row.get("lang"), row.get("label"), row.get("flags", [])
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{where}: text must be a non-empty string", field="text")
    if lang not in LANGS:
        raise ValidationError(f"{where}: lang must be one of {', '.join(LANGS)}", field="lang")
    if label not in CATEGORIES:
        raise ValidationError(f"{where}: unknown label {label!r}", field="label")
    if not isinstance(flags, list) or any(f not in FLAGS for f in flags):
        raise ValidationError(f"{where}: flags must be a list of {', '.join(FLAGS)}", field="flags")
    return LabelledMessage(str(row.get("id", where)), text, lang, label, frozenset(flags))


def read_messages(path: Path) -> list[LabelledMessage]:
    """Every message of a JSON-lines file; a bad line is a ``ValidationError`` naming the line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path.name}: cannot read it ({type(exc).__name__})", field="heldout") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path.name} line {number}: not JSON", field="heldout") from exc
        out.append(_message(row, f"{path.name} line {number}"))
    if not out:
        raise ValidationError(f"{path.name}: no messages", field="heldout")
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def class_table(truth: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Per-class precision / recall / F1, macro-F1 over the classes present in ``truth``, accuracy."""
    per = {}
    for c in CATEGORIES:
        tp = sum(t == c and p == c for t, p in zip(truth, pred, strict=True))
        fp = sum(t != c and p == c for t, p in zip(truth, pred, strict=True))
        fn = sum(t == c and p != c for t, p in zip(truth, pred, strict=True))
        per[c] = _prf(tp, fp, fn)
    present = [c for c in CATEGORIES if per[c]["support"]]
    macro = sum(per[c]["f1"] for c in present) / len(present) if present else 0.0
    accuracy = sum(t == p for t, p in zip(truth, pred, strict=True)) / len(truth) if truth else 0.0
    return {"n": len(truth), "macro_f1": round(macro, 4), "accuracy": round(accuracy, 4), "per_class": per}


def confusion(truth: Sequence[str], pred: Sequence[str]) -> dict[str, dict[str, int]]:
    """Rows: the true class; columns: the predicted class."""
    table = {t: dict.fromkeys(CATEGORIES, 0) for t in CATEGORIES}
    for t, p in zip(truth, pred, strict=True):
        table[t][p] += 1
    return table


def flag_table(truth: Sequence[frozenset[str]], pred: Sequence[frozenset[str]]) -> dict[str, dict[str, float]]:
    out = {}
    for f in FLAGS:
        tp = sum(f in t and f in p for t, p in zip(truth, pred, strict=True))
        fp = sum(f not in t and f in p for t, p in zip(truth, pred, strict=True))
        fn = sum(f in t and f not in p for t, p in zip(truth, pred, strict=True))
        out[f] = _prf(tp, fp, fn)
    return out


def evaluate(predict: Predict, messages: Iterable[LabelledMessage]) -> dict[str, Any]:
    """Every figure of one classifier on ``messages``: overall, per language, confusion matrix, flags."""
    rows = list(messages)
    preds = [predict(m.text) for m in rows]
    truth, labels = [m.label for m in rows], [p[0] for p in preds]
    by_lang = {}
    for lang in LANGS:
        idx = [i for i, m in enumerate(rows) if m.lang == lang]
        if idx:
            by_lang[lang] = class_table([truth[i] for i in idx], [labels[i] for i in idx])
    return {
        **class_table(truth, labels),
        "by_language": by_lang,
        "confusion": confusion(truth, labels),
        "flags": flag_table([m.flags for m in rows], [frozenset(p[1]) for p in preds]),
    }


# The baseline: a keyword rule list written from the class definitions (first matching class wins; nothing
# matches -> other). Flags by keyword too.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fraud_or_identity_theft", ("诈骗", "被骗", "盗刷", "冒用", "盗用", "不是我买", "被盗", "fraud", "scam",
                                 "identity", "hacked", "unauthori", "didn't make", "not mine", "phishing")),
    ("merchant_dispute", ("退款", "退货", "商家", "卖家", "没收到", "不发货", "跑路", "refund", "merchant", "seller",
                          "never received", "never arrived", "charged twice", "dispute", "returned")),
    ("epidemic_or_lockdown", ("疫情", "封控", "隔离", "封城", "新冠", "阳了", "静默", "covid", "lockdown",
                              "quarantine", "pandemic", "isolat", "outbreak")),
    ("disaster", ("洪水", "水灾", "台风", "地震", "火灾", "着火", "暴雨", "淹", "泥石流", "冰雹", "flood", "fire",
                  "earthquake", "typhoon", "hurricane", "storm", "tornado", "landslide", "wildfire")),
    ("illness_or_injury", ("生病", "住院", "手术", "医院", "骨折", "受伤", "病", "医药费", "癌", "sick", "hospital",
                           "surgery", "injur", "illness", "broke my", "cancer", "medical", "operation")),
    ("business_failure", ("生意", "店", "倒闭", "亏", "破产", "business", "shop", "restaurant", "bankrupt",
                          "self-employed", "store", "customers")),
    ("job_loss_or_pay_cut", ("失业", "裁员", "被裁", "辞退", "工资", "降薪", "下岗", "没工作", "工作没了", "laid off",
                             "lost my job", "fired", "redundan", "unemployed", "pay cut", "salary", "hours", "wages")),
    ("family_event", ("离婚", "去世", "过世", "生孩子", "结婚", "家里", "照顾", "丧", "divorce", "passed away", "died",
                      "baby", "wedding", "funeral", "family", "separated", "care for")),
)  # fmt: skip
FLAG_KEYWORDS: dict[str, tuple[str, ...]] = {
    "serious_illness": ("癌", "化疗", "中风", "脑梗", "白血病", "透析", "ICU", "重症", "cancer", "chemo", "stroke",
                        "dialysis", "leukemia", "intensive care", "terminal", "tumor"),
    "bereavement": ("去世", "过世", "走了", "丧事", "葬礼", "奔丧", "passed away", "died", "funeral", "death"),
    "elderly": ("退休", "老人", "岁了", "养老金", "retired", "pension", "elderly", "senior"),
    "student": ("学生", "大学", "在读", "研究生", "student", "university", "college", "uni "),
}  # fmt: skip


def keyword_baseline(text: str) -> tuple[str, list[str]]:
    low = text.lower()
    label = next((c for c, words in KEYWORDS if any(w.lower() in low for w in words)), "other")
    flags = [f for f, words in FLAG_KEYWORDS.items() if any(w.lower() in low for w in words)]
    return label, flags
