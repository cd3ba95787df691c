"""The pure-Python scorer of the hardship model equals scikit-learn on every held-out message (within 1e-9):
sklearn's own TfidfVectorizer(s) and LogisticRegression are loaded with the committed file's vocabulary, idf and
weights (nothing is refitted) and both score the same texts. Both packaged files (@2 with its word block, @1
character n-grams only) are checked, on the held-out and the hand-written training messages."""

from __future__ import annotations

from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
text_mod = pytest.importorskip("sklearn.feature_extraction.text")
linear = pytest.importorskip("sklearn.linear_model")

from creditloop.collections.hardship_text_eval import read_messages  # noqa: E402
from creditloop.collections.hardship_text_model import (  # noqa: E402
    HardshipTextModel,
    load_model,
    normalize,
    packaged_model,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "hardship_messages"
HELDOUT = DATA / "heldout.jsonl"
V1 = Path(__file__).resolve().parents[2] / "src" / "creditloop" / "models" / "hardship_reason_v1.json"
sparse = pytest.importorskip("scipy.sparse")


class _Twin:
    """sklearn vectorisers holding the file's vocabularies and idf; the word block (if any) appended."""

    def __init__(self, model: HardshipTextModel) -> None:
        self.chars = _vectoriser("char_wb", model.ngram_range, model.terms, model.idf, None)
        w = model.words
        self.words = None if w is None else _vectoriser("word", w.ngram_range, w.terms, w.idf, w.pattern.pattern)

    def transform(self, texts: list[str]) -> object:
        x = self.chars.transform(texts)
        return x if self.words is None else sparse.hstack([x, self.words.transform(texts)]).tocsr()


def _vectoriser(analyzer: str, ngrams: tuple[int, int], terms: object, idf: object, pattern: str | None) -> object:
    extra = {} if pattern is None else {"token_pattern": pattern}
    vec = text_mod.TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, lowercase=False, vocabulary=list(terms), **extra
    )
    vec.fit(["x"])
    vec.idf_ = np.array(idf)
    return vec


def sklearn_twin(model: HardshipTextModel) -> tuple[object, object, list[object]]:
    vec = _Twin(model)
    reason = linear.LogisticRegression()
    reason.classes_ = np.arange(len(model.reason.names))
    reason.coef_, reason.intercept_ = np.array(model.reason.coef), np.array(model.reason.intercept)
    flags = []
    for row, b in zip(model.flags.coef, model.flags.intercept, strict=True):
        head = linear.LogisticRegression()
        head.classes_, head.coef_, head.intercept_ = np.array([0, 1]), np.array([row]), np.array([b])
        flags.append(head)
    return vec, reason, flags


@pytest.mark.parametrize("which", ["packaged", "v1"])
@pytest.mark.parametrize("corpus", ["heldout.jsonl", "train_handwritten.jsonl"])
def test_pure_python_scores_equal_sklearn(which: str, corpus: str) -> None:
    model = packaged_model() if which == "packaged" else load_model(V1)
    vec, reason, flags = sklearn_twin(model)
    texts = [m.text for m in read_messages(DATA / corpus)]
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


def test_the_packaged_model_has_a_word_block_and_v1_has_none() -> None:
    assert packaged_model().words is not None and packaged_model().model_id == "hardship-reason@2"
    assert load_model(V1).words is None and load_model(V1).model_id == "hardship-reason@1"


def test_the_word_ngrams_are_sklearns_word_analyser() -> None:
    from creditloop.collections.hardship_text_model import word_ngrams

    words = packaged_model().words
    assert words is not None
    analyse = text_mod.TfidfVectorizer(
        analyzer="word", token_pattern=words.pattern.pattern, ngram_range=words.ngram_range, lowercase=False
    ).build_analyzer()
    for m in read_messages(DATA / "train_handwritten.jsonl")[:300]:
        text = normalize(m.text)
        assert sorted(word_ngrams(text, words.pattern, *words.ngram_range)) == sorted(analyse(text))


def test_the_ngrams_are_sklearns_char_wb_analyser() -> None:
    from creditloop.collections.hardship_text_model import char_wb_ngrams

    analyse = text_mod.TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False).build_analyzer()
    for m in read_messages(HELDOUT)[:100]:
        text = normalize(m.text)
        assert char_wb_ngrams(text, 1, 4) == analyse(text)
