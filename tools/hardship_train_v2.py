"""hardship-reason@2: the template corpus plus the hand-written training messages (issue #15).

Run through ``tools/train_hardship_classifier.py`` (``--version 2``, the default). Reads
data/hardship_messages/train.jsonl and train_handwritten.jsonl only; heldout.jsonl is **not** read here (the
held-out look is a separate, recorded step: ``--look``, docs/hardship_model_card.md).

Features: scikit-learn's ``TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2)`` as in @1, plus
``TfidfVectorizer(analyzer="word", token_pattern=[a-z0-9]+, ngram_range=(1, 2), min_df=2)``, each scaled to
unit length, side by side (a ``FeatureUnion``); reason: multinomial logistic regression; flags: one balanced
binary logistic regression each. C is chosen by cross-validation that rewards generalisation: five folds over
the hand-written messages (stratified by label and language, seed 0); each fold fits on every template message
plus the other four fifths of the hand-written ones and is scored on its fifth, which no template phrase
shares. Out-of-fold predictions are pooled into one macro-F1 per language.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from creditloop.collections.hardship_text_eval import CATEGORIES, FLAGS, LabelledMessage, read_messages
from creditloop.collections.hardship_text_model import encode_floats, model_from_dict, normalize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "hardship_messages"
TRAIN_FILES = ("train.jsonl", "train_handwritten.jsonl")
OUT = ROOT / "src" / "creditloop" / "models" / "hardship_reason_v2.json"
MODEL_ID = "hardship-reason@2"
FORMAT_VERSION = 2
CHAR_NGRAMS, WORD_NGRAMS, MIN_DF = (1, 4), (1, 2), 2
TOKEN_PATTERN = r"[a-z0-9]+"  # over normalize(text): lower case, digits as 0, punctuation as spaces
C_GRID = (3.0, 10.0, 30.0)
FLAG_C = 10.0
CV_TOL, FINAL_TOL = 1e-4, 1e-8  # CV compares settings; the shipped fit converges fully
MIN_CONFIDENCE, FLAG_THRESHOLD = 0.35, 0.5


class Features:
    """Character and word TF-IDF blocks side by side (each row of each block has unit length)."""

    def __init__(self) -> None:
        common: dict[str, Any] = {"min_df": MIN_DF, "sublinear_tf": True, "lowercase": False, "dtype": np.float64}
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common)
        self.words = TfidfVectorizer(analyzer="word", token_pattern=TOKEN_PATTERN, ngram_range=WORD_NGRAMS, **common)

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([self.chars.fit_transform(texts), self.words.fit_transform(texts)]).tocsr()

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([self.chars.transform(texts), self.words.transform(texts)]).tocsr()


def reason_lr(c: float, tol: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000, tol=tol)


def flag_lr(tol: float) -> LogisticRegression:
    return LogisticRegression(C=FLAG_C, max_iter=5000, tol=tol, class_weight="balanced")


def labels(messages: list[LabelledMessage]) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = [normalize(m.text) for m in messages]
    y = np.array([CATEGORIES.index(m.label) for m in messages])
    return texts, y, np.array([[f in m.flags for f in FLAGS] for m in messages], dtype=int)


def _scores(y: np.ndarray, pred: np.ndarray, langs: np.ndarray) -> dict[str, float]:
    out = {lang: round(float(f1_score(y[langs == lang], pred[langs == lang], average="macro")), 4)
           for lang in ("zh", "en", "mixed")}  # fmt: skip
    out["all"] = round(float(f1_score(y, pred, average="macro")), 4)
    return out


def handwritten_cv(template: list[LabelledMessage], hand: list[LabelledMessage]) -> dict[str, Any]:
    """Macro-F1 on hand-written messages never seen in fitting, per C (pooled out-of-fold predictions), the
    flags' F1 at each C, and the reference 'templates only' (what @1's data alone gives on them)."""
    t_texts, t_y, t_flags = labels(template)
    h_texts, h_y, h_flags = labels(hand)
    langs = np.array([m.lang for m in hand])
    strata = [f"{m.label}/{m.lang}" for m in hand]
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(h_texts, strata))
    out: dict[str, Any] = {"folds": 5, "per_C": {}}
    pred = {c: np.zeros(len(hand), dtype=int) for c in C_GRID}
    flag_pred = np.zeros_like(h_flags)  # the flag heads' C is fixed (FLAG_C): scored once
    for train, test in folds:
        feats = Features()
        x = feats.fit_transform(t_texts + [h_texts[i] for i in train])
        xt = feats.transform([h_texts[i] for i in test])
        for c in C_GRID:
            pred[c][test] = reason_lr(c, CV_TOL).fit(x, np.concatenate([t_y, h_y[train]])).predict(xt)
        fy = np.vstack([t_flags, h_flags[train]])
        for k in range(len(FLAGS)):
            flag_pred[test, k] = flag_lr(CV_TOL).fit(x, fy[:, k]).predict(xt)
    for c in C_GRID:
        out["per_C"][f"C={c:g}"] = _scores(h_y, pred[c], langs)
    out["flag_f1"] = {
        f: round(float(f1_score(h_flags[:, k], flag_pred[:, k], zero_division=0)), 4) for k, f in enumerate(FLAGS)
    }
    feats = Features()
    ref = reason_lr(10.0, CV_TOL).fit(feats.fit_transform(t_texts), t_y).predict(feats.transform(h_texts))
    out["templates_only_C=10"] = _scores(h_y, ref, langs)
    return out


def choose(cv: dict[str, Any]) -> float:
    """The C with the best pooled macro-F1 over all hand-written messages (ties: the smaller C)."""
    return max(C_GRID, key=lambda c: (cv["per_C"][f"C={c:g}"]["all"], -c))


def document(feats: Features, reason: LogisticRegression, flags: list[LogisticRegression]) -> dict[str, Any]:
    def terms(vec: TfidfVectorizer) -> list[str]:
        return [t for t, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])]

    return {
        "format": "creditloop.hardship_text",
        "format_version": FORMAT_VERSION,
        "model_id": MODEL_ID,
        "description": "Reason and vulnerability flags of a hardship message (zh/en), char n-gram + word n-gram "
        "TF-IDF + logistic regression; see docs/hardship_model_card.md.",
        "ngram_range": list(CHAR_NGRAMS),
        "normalize": "NFKC, lower case, digits -> 0, punctuation -> space (hardship_text_model.normalize)",
        "routing": {"min_confidence": MIN_CONFIDENCE, "flag_threshold": FLAG_THRESHOLD},
        "vocabulary": terms(feats.chars),
        "idf": encode_floats(feats.chars.idf_.tolist()),
        "words": {
            "token_pattern": TOKEN_PATTERN,
            "ngram_range": list(WORD_NGRAMS),
            "vocabulary": terms(feats.words),
            "idf": encode_floats(feats.words.idf_.tolist()),
        },
        "reason": {
            "names": [CATEGORIES[k] for k in reason.classes_],
            "coef": [encode_floats(row.tolist()) for row in reason.coef_],
            "intercept": encode_floats(reason.intercept_.tolist()),
        },
        "flags": {
            "names": list(FLAGS),
            "coef": [encode_floats(m.coef_[0].tolist()) for m in flags],
            "intercept": encode_floats([float(m.intercept_[0]) for m in flags]),
        },
    }


def parity(doc: dict[str, Any], feats: Features, reason: LogisticRegression, texts: list[str]) -> float:
    """Largest |pure-Python - sklearn| reason probability over ``texts`` (raw message texts)."""
    model = model_from_dict(doc)
    ref = reason.predict_proba(feats.transform([normalize(t) for t in texts]))
    got = np.array([model.reason_proba(model.features(t)) for t in texts])
    return float(np.abs(ref - got).max())


def build() -> tuple[str, dict[str, Any]]:
    """The model file's text and a report; deterministic (one BLAS thread, fixed seeds)."""
    start = time.perf_counter()
    template, hand = (read_messages(DATA / name) for name in TRAIN_FILES)
    overlap = {normalize(m.text) for m in template} & {normalize(m.text) for m in hand}
    if overlap:
        raise SystemExit(f"error: {len(overlap)} hand-written message(s) repeat a template message")
    cv = handwritten_cv(template, hand)
    c = choose(cv)
    texts, y, flag_y = labels(template + hand)
    feats = Features()
    x = feats.fit_transform(texts)
    reason = reason_lr(c, FINAL_TOL).fit(x, y)
    heads = [flag_lr(FINAL_TOL).fit(x, col) for col in flag_y.T]
    doc = document(feats, reason, heads)
    doc["training"] = {
        "train_files": [f"data/hardship_messages/{name}" for name in TRAIN_FILES],
        "messages": {"template": len(template), "handwritten": len(hand)},
        "C": c, "flag_C": FLAG_C, "min_df": MIN_DF, "cv_handwritten_macro_f1": cv,
        "vocabulary_size": {"char": len(doc["vocabulary"]), "word": len(doc["words"]["vocabulary"])},
        "parity_max_abs_diff": f"{parity(doc, feats, reason, [m.text for m in hand]):.1e}",
    }  # fmt: skip
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    report = {"seconds": round(time.perf_counter() - start, 1), "bytes": len(text.encode()), **doc["training"]}
    return text, report


def look(model_path: Path) -> dict[str, Any]:
    """The held-out figures of a *final* model file: macro-F1 overall, per language and per class, flags, the
    routed category and the keyword baseline. Aggregates only: no message is printed. Each call is a look at
    heldout.jsonl and is recorded in the model card's list of looks."""
    from creditloop.collections.hardship_text import classify_with
    from creditloop.collections.hardship_text_eval import evaluate, keyword_baseline
    from creditloop.collections.hardship_text_model import load_model

    heldout = read_messages(DATA / "heldout.jsonl")
    trained = {normalize(m.text) for name in TRAIN_FILES for m in read_messages(DATA / name)}
    model = load_model(model_path)
    held = evaluate(lambda t: classify_with(model, t), heldout)
    return {
        "model_id": model.model_id,
        "heldout_messages": len(heldout),
        "heldout_messages_also_in_training": sum(normalize(m.text) in trained for m in heldout),
        "macro_f1": held["macro_f1"],
        "macro_f1_by_language": {k: v["macro_f1"] for k, v in held["by_language"].items()},
        "f1_by_class": {k: v["f1"] for k, v in held["per_class"].items()},
        "f1_by_class_en": {k: v["f1"] for k, v in held["by_language"]["en"]["per_class"].items()},
        "flag_f1": {f: r["f1"] for f, r in held["flags"].items()},
        "routed_macro_f1": evaluate(lambda t: classify_with(model, t, routed=True), heldout)["macro_f1"],
        "keyword_baseline_macro_f1": evaluate(keyword_baseline, heldout)["macro_f1"],
    }
