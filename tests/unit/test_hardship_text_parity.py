"""The pure-Python scorer of the hardship model equals scikit-learn on every held-out message (within 1e-9):
sklearn's own TfidfVectorizer and LogisticRegression are loaded with the committed file's vocabulary, idf and
weights (nothing is refitted) and both score the same texts."""

from __future__ import annotations

from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
text_mod = pytest.importorskip("sklearn.feature_extraction.text")
linear = pytest.importorskip("sklearn.linear_model")

from creditloop.collections.hardship_text_eval import read_messages  # noqa: E402
from creditloop.collections.hardship_text_model import HardshipTextModel, normalize, packaged_model  # noqa: E402

HELDOUT = Path(__file__).resolve().parents[2] / "data" / "hardship_messages" / "heldout.jsonl"


def sklearn_twin(model: HardshipTextModel) -> tuple[object, object, list[object]]:
    lo, hi = model.ngram_range
    vec = text_mod.TfidfVectorizer(
        analyzer="char_wb", ngram_range=(lo, hi), sublinear_tf=True, lowercase=False, vocabulary=list(model.terms)
    )
    vec.fit(["x"])
    vec.idf_ = np.array(model.idf)
    reason = linear.LogisticRegression()
    reason.classes_ = np.arange(len(model.reason.names))
    reason.coef_, reason.intercept_ = np.array(model.reason.coef), np.array(model.reason.intercept)
    flags = []
    for row, b in zip(model.flags.coef, model.flags.intercept, strict=True):
        head = linear.LogisticRegression()
        head.classes_, head.coef_, head.intercept_ = np.array([0, 1]), np.array([row]), np.array([b])
        flags.append(head)
    return vec, reason, flags


def test_pure_python_scores_equal_sklearn_on_the_heldout_set() -> None:
    model = packaged_model()
    vec, reason, flags = sklearn_twin(model)
    texts = [m.text for m in read_messages(HELDOUT)]
    x = vec.transform([normalize(t) for t in texts])
    ref_reason = reason.predict_proba(x)
    ref_flags = np.column_stack([head.predict_proba(x)[:, 1] for head in flags])
    ours = [model.features(t) for t in texts]
    got_reason = np.array([model.reason_proba(f) for f in ours])
    got_flags = np.array([model.flag_proba(f) for f in ours])
    assert len(texts) >= 400
    assert np.abs(got_reason - ref_reason).max() < 1e-9
    assert np.abs(got_flags - ref_flags).max() < 1e-9
    # and the features themselves: the same n-grams, the same TF-IDF values
    dense = x.toarray()
    for row, feats in zip(dense[:50], ours[:50], strict=True):
        assert set(np.flatnonzero(row).tolist()) == set(feats)
        assert max(abs(row[j] - v) for j, v in feats.items()) < 1e-12


def test_the_ngrams_are_sklearns_char_wb_analyser() -> None:
    from creditloop.collections.hardship_text_model import char_wb_ngrams

    analyse = text_mod.TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False).build_analyzer()
    for m in read_messages(HELDOUT)[:100]:
        text = normalize(m.text)
        assert char_wb_ngrams(text, 1, 4) == analyse(text)
