"""The hardship-message model file and its pure-Python scorer (no scikit-learn, no numpy at run time).

The file (``creditloop/models/hardship_reason_v2.json``, written by tools/train_hardship_classifier.py) holds a
character n-gram TF-IDF vocabulary and two linear heads over it: a multinomial logistic regression for the
reason and one binary logistic regression per vulnerability flag. Scoring here repeats scikit-learn's steps
exactly (``TfidfVectorizer(analyzer="char_wb", sublinear_tf=True, norm="l2")`` then ``X @ coef.T + b``), so the
probabilities equal sklearn's to rounding (tests/unit/test_hardship_text_parity.py holds them within 1e-9).
Format version 2 adds an optional second block, word n-grams (``analyzer="word"`` with the file's token
pattern), scaled to unit length on its own and appended after the character block (sklearn's
``FeatureUnion`` of the two vectorisers); the heads' rows then span both blocks. Version 1 files still load.

Weights are stored as base64 of little-endian float64, so the file round-trips every fitted bit and stays small.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError

FORMAT = "creditloop.hardship_text"
FORMAT_VERSION = 2  # written by the training tool; 1 (character n-grams only) still loads
READABLE_VERSIONS = (1, 2)
PACKAGED = "hardship_reason_v2.json"
_SPACES = re.compile(r"\s\s+")
_DIGIT = re.compile(r"\d")


def normalize(text: str) -> str:
    """The text the model reads: NFKC (full-width to half-width), lower case, every digit as ``0`` (amounts,
    phone and ID numbers carry no reason and must not become features), punctuation as spaces."""
    text = _DIGIT.sub("0", unicodedata.normalize("NFKC", text).lower())
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyser: n-grams inside each space-padded word (a word shorter than ``n``
    counted once, as a whole)."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            offset = 0
            grams.append(padded[:n])
            while offset + n < size:
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:
                break
    return grams


def word_ngrams(text: str, pattern: re.Pattern[str], lo: int, hi: int) -> list[str]:
    """scikit-learn's ``word`` analyser: the pattern's tokens, then their n-grams joined by one space."""
    tokens = pattern.findall(text)
    return [" ".join(tokens[i : i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]


def _unit(counts: Mapping[int, int], idf: Sequence[float], offset: int) -> dict[int, float]:
    """Sublinear tf (1 + ln count) times idf, scaled to unit length; keys shifted by ``offset``."""
    x = {j: (1.0 + math.log(c)) * idf[j] for j, c in counts.items()}
    norm = math.sqrt(math.fsum(v * v for v in x.values()))
    return {j + offset: v / norm for j, v in x.items()} if norm > 0 else {}


def _count(grams: list[str], vocabulary: Mapping[str, int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for gram in grams:
        j = vocabulary.get(gram)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class WordBlock:
    """Word n-gram TF-IDF features appended after the character block (format version 2)."""

    vocabulary: Mapping[str, int]
    terms: tuple[str, ...]
    idf: tuple[float, ...]
    ngram_range: tuple[int, int]
    pattern: re.Pattern[str]


def _floats(blob: str, count: int, field: str) -> tuple[float, ...]:
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValidationError(f"{field}: not base64 float64 data", field=field) from exc
    if len(raw) != 8 * count:
        raise ValidationError(f"{field}: expected {count} float64 values, got {len(raw) / 8:g}", field=field)
    values = struct.unpack(f"<{count}d", raw)
    if not all(math.isfinite(v) for v in values):
        raise ValidationError(f"{field}: non-finite weight", field=field)
    return values


def encode_floats(values: Sequence[float]) -> str:
    """The file's encoding of a weight vector (the training tool writes with it)."""
    return base64.b64encode(struct.pack(f"<{len(values)}d", *values)).decode("ascii")


@dataclass(frozen=True, slots=True)
class LinearHead:
    """Linear scores ``x @ coef[k] + intercept[k]`` for named outputs over the shared features."""

    names: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]  # one row per name, one weight per vocabulary entry
    intercept: tuple[float, ...]

    def scores(self, x: Mapping[int, float]) -> list[float]:
        return [
            b + math.fsum(row[j] * v for j, v in x.items()) for row, b in zip(self.coef, self.intercept, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class HardshipTextModel:
    model_id: str
    vocabulary: Mapping[str, int]
    terms: tuple[str, ...]  # index -> n-gram
    idf: tuple[float, ...]
    ngram_range: tuple[int, int]
    reason: LinearHead  # multinomial: softmax over the scores
    flags: LinearHead  # one binary logistic regression per flag
    min_confidence: float  # below it the reason is "other" and needs review
    flag_threshold: float
    metadata: Mapping[str, Any]
    words: WordBlock | None = None  # format version 2: word n-grams after the character n-grams

    def features(self, text: str) -> dict[int, float]:
        """TF-IDF of the normalised ``text``: sublinear tf (1 + ln count) times idf, scaled to unit length
        (each block on its own when the file has word n-grams)."""
        clean = normalize(text)
        x = _unit(_count(char_wb_ngrams(clean, *self.ngram_range), self.vocabulary), self.idf, 0)
        if self.words is not None:
            w = self.words
            x.update(_unit(_count(word_ngrams(clean, w.pattern, *w.ngram_range), w.vocabulary), w.idf, len(self.terms)))
        return x

    def term(self, j: int) -> str:
        """The n-gram of feature ``j`` (a word n-gram when ``j`` is past the character vocabulary)."""
        n = len(self.terms)
        return self.terms[j] if j < n or self.words is None else self.words.terms[j - n]

    def reason_proba(self, x: Mapping[int, float]) -> list[float]:
        scores = self.reason.scores(x)
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = math.fsum(exp)
        return [e / total for e in exp]

    def flag_proba(self, x: Mapping[int, float]) -> list[float]:
        return [_sigmoid(s) for s in self.flags.scores(x)]

    def contributions(self, x: Mapping[int, float], k: int) -> list[tuple[str, float]]:
        """Each present n-gram's push towards reason ``k`` against the mean of the reasons (softmax is unchanged
        by a shift common to all classes, so this is what moves ``k`` up), largest first."""
        coef, m = self.reason.coef, len(self.reason.coef)
        out = [(self.term(j), v * (coef[k][j] - math.fsum(row[j] for row in coef) / m)) for j, v in x.items()]
        return sorted(out, key=lambda item: (-item[1], item[0]))


def _sigmoid(s: float) -> float:
    if s >= 0:
        return 1.0 / (1.0 + math.exp(-s))
    e = math.exp(s)
    return e / (1.0 + e)


def _head(doc: Mapping[str, Any], key: str, n_terms: int) -> LinearHead:
    part = doc.get(key)
    if not isinstance(part, Mapping) or not isinstance(part.get("names"), list) or not part["names"]:
        raise ValidationError(f"{key}: missing or empty", field=key)
    names = tuple(str(n) for n in part["names"])
    rows = part.get("coef")
    if not isinstance(rows, list) or len(rows) != len(names):
        raise ValidationError(f"{key}.coef: one row per name expected", field=f"{key}.coef")
    coef = tuple(_floats(row, n_terms, f"{key}.coef[{i}]") for i, row in enumerate(rows))
    intercept = _floats(str(part.get("intercept", "")), len(names), f"{key}.intercept")
    return LinearHead(names, coef, intercept)


def model_from_dict(doc: Mapping[str, Any]) -> HardshipTextModel:
    """Check and build a model from a decoded file; a damaged or newer file is a ``ValidationError``."""
    if doc.get("format") != FORMAT or doc.get("format_version") not in READABLE_VERSIONS:
        raise ValidationError(
            f"not a hardship text model of format version {' or '.join(map(str, READABLE_VERSIONS))} "
            f"(format={doc.get('format')!r}, format_version={doc.get('format_version')!r})",
            field="format_version",
        )
    terms = doc.get("vocabulary")
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
        raise ValidationError("vocabulary: a non-empty list of n-grams expected", field="vocabulary")
    if len(set(terms)) != len(terms):
        raise ValidationError("vocabulary: repeated n-gram", field="vocabulary")
    ngram = doc.get("ngram_range")
    if not (isinstance(ngram, list) and len(ngram) == 2 and all(isinstance(n, int) and n >= 1 for n in ngram)):
        raise ValidationError("ngram_range: two positive integers expected", field="ngram_range")
    routing = doc.get("routing", {})
    min_conf, flag_thr = routing.get("min_confidence"), routing.get("flag_threshold")
    for name, value in (("routing.min_confidence", min_conf), ("routing.flag_threshold", flag_thr)):
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValidationError(f"{name}: a number in [0, 1] expected", field=name)
    words = _word_block(doc) if doc["format_version"] >= 2 and "words" in doc else None
    n_features = len(terms) + (len(words.terms) if words else 0)
    return HardshipTextModel(
        model_id=str(doc.get("model_id", "")),
        vocabulary={t: j for j, t in enumerate(terms)},
        terms=tuple(terms),
        idf=_floats(str(doc.get("idf", "")), len(terms), "idf"),
        ngram_range=(ngram[0], ngram[1]),
        reason=_head(doc, "reason", n_features),
        flags=_head(doc, "flags", n_features),
        min_confidence=float(min_conf),
        flag_threshold=float(flag_thr),
        metadata=dict(doc.get("training", {})),
        words=words,
    )


def _word_block(doc: Mapping[str, Any]) -> WordBlock:
    part = doc["words"]
    terms = part.get("vocabulary") if isinstance(part, Mapping) else None
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
        raise ValidationError("words.vocabulary: a non-empty list of word n-grams expected", field="words.vocabulary")
    if len(set(terms)) != len(terms):
        raise ValidationError("words.vocabulary: repeated n-gram", field="words.vocabulary")
    ngram = part.get("ngram_range")
    if not (isinstance(ngram, list) and len(ngram) == 2 and all(isinstance(n, int) and n >= 1 for n in ngram)):
        raise ValidationError("words.ngram_range: two positive integers expected", field="words.ngram_range")
    try:
        pattern = re.compile(str(part.get("token_pattern", "")))
    except re.error as exc:
        raise ValidationError("words.token_pattern: not a regular expression", field="words.token_pattern") from exc
    return WordBlock(
        vocabulary={t: j for j, t in enumerate(terms)},
        terms=tuple(terms),
        idf=_floats(str(part.get("idf", "")), len(terms), "words.idf"),
        ngram_range=(ngram[0], ngram[1]),
        pattern=pattern,
    )


def load_model(path: Path) -> HardshipTextModel:
    """A model file on disk (e.g. a lender's refit)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationError(f"model file {path.name}: cannot read it ({type(exc).__name__})", field="model") from exc
    if not isinstance(doc, dict):
        raise ValidationError(f"model file {path.name}: a JSON object expected", field="model")
    return model_from_dict(doc)


@cache
def packaged_model() -> HardshipTextModel:
    """The model shipped with creditloop (read once per process)."""
    text = resources.files("creditloop.models").joinpath(PACKAGED).read_text(encoding="utf-8")
    return model_from_dict(json.loads(text))
