"""Any consented message, whatever its script, emoji or digits, gets a well-formed classification: a known
category whose route agrees with it, probabilities that sum to 1, known flags, and reason codes that are
n-grams of the normalised message (so no digit: numbers are never features)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.collections.hardship_text import ROUTES, classify
from creditloop.collections.hardship_text_eval import CATEGORIES, FLAGS
from creditloop.collections.hardship_text_model import normalize, packaged_model

PIECES = ["失业", "住院", "疫情", "生意", "离婚", "洪水", "退款", "被骗", "忘了", "laid off", "hospital", "covid",
          "refund", "scam", "flood", "😭", "13800138000", "，", "!", " ", "还不上", "pls"]  # fmt: skip
messages = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
    st.text(min_size=1, max_size=200),
).filter(lambda t: bool(t.strip()))


@settings(max_examples=150, deadline=None)
@given(messages)
def test_every_message_gets_a_well_formed_classification(text: str) -> None:
    model = packaged_model()
    result = classify(text, consent=True)
    assert result.category in CATEGORIES and result.predicted in CATEGORIES
    assert result.route == ROUTES.get(result.category, "hardship")
    assert result.category == ("other" if result.needs_review else result.predicted)
    assert math.isclose(sum(model.reason_proba(model.features(text))), 1.0, abs_tol=1e-12)
    assert set(result.vulnerability_flags) <= set(FLAGS)
    words = normalize(text).split()
    padded = " " + " ".join(f" {w} " for w in words) + " "  # character n-grams live inside padded words
    joined = f" {' '.join(words)} "  # word n-grams (format v2) span words joined by one space
    for feature in result.top_features:
        assert feature.ngram in padded or f" {feature.ngram} " in joined, feature.ngram
        assert not any(ch.isdigit() and ch != "0" for ch in feature.ngram)
