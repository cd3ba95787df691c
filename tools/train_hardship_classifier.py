"""Train the packaged hardship-message classifier (``--version 2``, default: tools/hardship_train_v2.py).

Run: ``PYTHONPATH=src .venv/bin/python tools/train_hardship_classifier.py [--version 1|2] [--out FILE] [--check]``;
``--look`` prints the held-out figures of a final model file (a recorded look: docs/hardship_model_card.md).

Version 1 (``creditloop/models/hardship_reason_v1.json``, below, unchanged so that ``--version 1 --check`` still
rebuilds the same bytes):

Reads data/hardship_messages/train.jsonl only for fitting and choosing C (stratified 5-fold CV, seed 0,
macro-F1; the same with folds grouped by template phrase is recorded beside it); heldout.jsonl is read after
the model is fixed, to record its figures and to check that no held-out message is also a training message.
Features: scikit-learn ``TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True)``
over ``normalize(text)`` (the runtime's own normaliser); reason: multinomial ``LogisticRegression`` (lbfgs);
flags: one balanced binary ``LogisticRegression`` each.
The file stores the vocabulary, idf and weights bit for bit, and the tool checks that the pure-Python scorer
gives sklearn's probabilities on every held-out message. Deterministic (one BLAS thread, fixed seeds): a
re-run writes the same bytes (``--check`` compares instead of writing).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread: the same sums in the same order on every run
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from creditloop.collections.hardship_text import classify_with
from creditloop.collections.hardship_text_eval import (
    CATEGORIES,
    FLAGS,
    LabelledMessage,
    evaluate,
    keyword_baseline,
    read_messages,
)
from creditloop.collections.hardship_text_model import (
    FORMAT,
    encode_floats,
    model_from_dict,
    normalize,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "hardship_messages"
OUT = ROOT / "src" / "creditloop" / "models" / "hardship_reason_v1.json"
MODEL_ID = "hardship-reason@1"
FORMAT_VERSION = 1  # @1's file: character n-grams only
NGRAMS, MIN_DF = (1, 4), 2
C_GRID = (1.0, 3.0, 10.0, 30.0)
FLAG_C = 10.0
MIN_CONFIDENCE = 0.35  # routing policy: below it the reason is "other" with needs_review
FLAG_THRESHOLD = 0.5


def vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, min_df=MIN_DF, sublinear_tf=True, lowercase=False, dtype=np.float64
    )


def reason_lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000, tol=1e-8)


def fit(
    texts: list[str], y: np.ndarray, flags: np.ndarray, c: float
) -> tuple[TfidfVectorizer, LogisticRegression, list[LogisticRegression]]:
    vec = vectorizer()
    x = vec.fit_transform(texts)
    reason = reason_lr(c).fit(x, y)
    heads = [
        LogisticRegression(C=FLAG_C, max_iter=5000, tol=1e-8, class_weight="balanced").fit(x, col) for col in flags.T
    ]
    return vec, reason, heads


def cv_scores(texts: list[str], y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Mean macro-F1 of the reason over ``folds`` for every C of the grid."""
    scores = {}
    for c in C_GRID:
        f1s = []
        for tr, te in folds:
            vec, model, _ = fit([texts[i] for i in tr], y[tr], np.zeros((len(tr), 0)), c)
            f1s.append(f1_score(y[te], model.predict(vec.transform([texts[i] for i in te])), average="macro"))
        scores[f"C={c:g}"] = round(float(np.mean(f1s)), 4)
    return scores


def choose(texts: list[str], y: np.ndarray, groups: list[str]) -> tuple[float, dict[str, Any]]:
    """C with the best mean macro-F1 over stratified 5-fold CV of the training messages (ties: smaller C).

    The same folds grouped by template cause phrase (messages built on one phrase stay in one fold) are
    scored too and recorded: they measure how the model does on phrasings it never saw, which plain folds
    (a phrase in both parts) overstate. They inform, they do not choose: docs/hardship_model_card.md."""
    plain = cv_scores(texts, y, list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, y)))
    grouped = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(texts, y, groups))
    best = max(C_GRID, key=lambda c: (plain[f"C={c:g}"], -c))
    return best, {"stratified": plain, "grouped_by_phrase": cv_scores(texts, y, grouped)}


def document(vec: TfidfVectorizer, reason: LogisticRegression, flags: list[LogisticRegression]) -> dict[str, Any]:
    terms = [t for t, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": MODEL_ID,
        "description": "Reason and vulnerability flags of a hardship message (zh/en), char n-gram TF-IDF + "
        "logistic regression; see docs/hardship_model_card.md.",
        "ngram_range": list(NGRAMS),
        "normalize": "NFKC, lower case, digits -> 0, punctuation -> space (hardship_text_model.normalize)",
        "routing": {"min_confidence": MIN_CONFIDENCE, "flag_threshold": FLAG_THRESHOLD},
        "vocabulary": terms,
        "idf": encode_floats(vec.idf_.tolist()),
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


def parity(
    doc: dict[str, Any], vec: TfidfVectorizer, reason: LogisticRegression, messages: list[LabelledMessage]
) -> float:
    """Largest |pure-Python - sklearn| reason probability over ``messages``."""
    model = model_from_dict(doc)
    ref = reason.predict_proba(vec.transform([normalize(m.text) for m in messages]))
    got = np.array([model.reason_proba(model.features(m.text)) for m in messages])
    return float(np.abs(ref - got).max())


def word_unigram_baseline(train: list[LabelledMessage], heldout: list[LabelledMessage], c: float) -> dict[str, Any]:
    """A word-unigram logistic regression (whitespace words; Chinese text is mostly one 'word'), for comparison."""
    vec = CountVectorizer(lowercase=False, token_pattern=r"\S+")
    model = reason_lr(c).fit(vec.fit_transform([normalize(m.text) for m in train]), [m.label for m in train])

    def predict(text: str) -> tuple[str, list[str]]:
        return str(model.predict(vec.transform([normalize(text)]))[0]), []

    return evaluate(predict, heldout)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="Compare with the file instead of writing it.")
    parser.add_argument("--version", type=int, choices=(1, 2), default=2, help="Model version to build (default 2).")
    parser.add_argument("--look", action="store_true", help="Held-out figures of the --out (or packaged) file.")
    args = parser.parse_args()
    if args.look or args.version == 2:
        return main_v2(args)
    start = time.perf_counter()
    train, heldout = read_messages(DATA / "train.jsonl"), read_messages(DATA / "heldout.jsonl")
    overlap = {normalize(m.text) for m in train} & {normalize(m.text) for m in heldout}
    if overlap:
        print(f"error: {len(overlap)} held-out message(s) also in the training file", file=sys.stderr)
        return 2
    texts = [normalize(m.text) for m in train]
    y = np.array([CATEGORIES.index(m.label) for m in train])
    flag_y = np.array([[f in m.flags for f in FLAGS] for m in train], dtype=int)
    groups = [json.loads(line)["group"] for line in (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    c, cv = choose(texts, y, groups)
    vec, reason, flags = fit(texts, y, flag_y, c)
    doc = document(vec, reason, flags)
    model = model_from_dict(doc)
    held = evaluate(lambda t: classify_with(model, t), heldout)
    routed = evaluate(lambda t: classify_with(model, t, routed=True), heldout)
    doc["training"] = {
        "train_file": "data/hardship_messages/train.jsonl", "messages": len(train), "C": c, "cv_macro_f1": cv,
        "flag_C": FLAG_C, "min_df": MIN_DF, "vocabulary_size": len(doc["vocabulary"]),
        "heldout": {"file": "data/hardship_messages/heldout.jsonl", "messages": len(heldout),
                    "macro_f1": held["macro_f1"], "routed_macro_f1": routed["macro_f1"],
                    "flag_f1": {f: r["f1"] for f, r in held["flags"].items()},
                    "macro_f1_by_language": {k: v["macro_f1"] for k, v in held["by_language"].items()}},
        "parity_max_abs_diff": f"{parity(doc, vec, reason, heldout):.1e}",
    }  # fmt: skip
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    report = {
        "seconds": round(time.perf_counter() - start, 1), "C": c, "cv_macro_f1": cv,
        "vocabulary": len(doc["vocabulary"]), "bytes": len(text.encode()),
        "parity": doc["training"]["parity_max_abs_diff"],
        "heldout_model": held["macro_f1"], "heldout_routed": routed["macro_f1"],
        "heldout_by_language": doc["training"]["heldout"]["macro_f1_by_language"],
        "heldout_keywords": evaluate(keyword_baseline, heldout)["macro_f1"],
        "heldout_word_unigram": word_unigram_baseline(train, heldout, c)["macro_f1"],
    }  # fmt: skip
    print(json.dumps(report, indent=1))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("model file up to date" if same else f"{args.out} differs from a fresh fit")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def main_v2(args: argparse.Namespace) -> int:
    import hardship_train_v2 as v2  # tools/ is on sys.path when this file runs as a script

    out = v2.OUT if args.out == OUT else args.out
    if args.look:
        print(json.dumps(v2.look(out), indent=1))
        return 0
    text, report = v2.build()
    print(json.dumps(report, indent=1))
    if args.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        print("model file up to date" if same else f"{out} differs from a fresh fit")
        return 0 if same else 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
