"""Write the *training* corpus of hardship messages (data/hardship_messages/train.jsonl) from phrase tables.

Standard library only, one fixed seed: the file is the same on every run (a test checks the bytes).

    python tools/hardship_corpus.py            # writes data/hardship_messages/train.jsonl
    python tools/hardship_corpus.py --check    # exit 1 when the committed file differs from a fresh run

Each message is composed from hardship_corpus_phrases.py: an opener, sometimes who the customer is (elderly,
student), the cause, sometimes a negated cause ("not because I lost my job") or a second cause named after the
main one, a consequence, a request and a closer, in Chinese, English or mixed zh/en, with homophone slips,
chat abbreviations, emoji and lengths from a few words to a paragraph. The label is the main cause (the one
named first; a negated cause never counts). The held-out file is hand-written and never produced here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hardship_corpus_phrases import (  # a script next to its tables
    CAUSES,
    CLASSES,
    CLOSERS,
    CONSEQUENCES,
    EN_SLIPS,
    FLAG_PHRASES,
    FLAGGED_CAUSES,
    OPENERS,
    PATH_REQUESTS,
    REQUESTS,
    SHORT,
    ZH_SLIPS,
)

OUT = Path(__file__).resolve().parents[1] / "data" / "hardship_messages" / "train.jsonl"
SEED = 20261215
PER_CLASS = 230
LANG_WEIGHTS = (("zh", 0.45), ("en", 0.40), ("mixed", 0.15))
EXTRA_CONTEXT = {
    "zh": ["之前一直按时还款的", "家里还有两个孩子要养", "房贷也压着", "我不是故意拖的", "信用很重要我知道",
           "最近压力特别大，晚上睡不着", "爸妈年纪也大了帮不上忙", "能借的都借了"],
    "en": ["I've always paid on time before.", "I have two kids to feed.", "Rent is also overdue.",
           "I'm not trying to dodge this.", "I know my credit matters.", "I've been so stressed I can't sleep.",
           "I've already borrowed from everyone I know."],
}  # fmt: skip


def pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def cause_for(rng: random.Random, label: str, lang: str) -> tuple[str, set[str], str]:
    """A cause sentence of ``label`` in ``lang`` ("zh", "en", "mix"), the flags it carries and its phrase group
    (messages built on the same cause phrase share it: cross-validation keeps a group in one fold)."""
    for (cls, flag), table in FLAGGED_CAUSES.items():
        if cls == label and rng.random() < 0.4:
            cause = pick(rng, table[lang])
            return cause, {flag}, f"{label}/{flag}/{lang}/{table[lang].index(cause)}"
    cause = pick(rng, CAUSES[label][lang])
    return cause, set(), f"{label}/{lang}/{CAUSES[label][lang].index(cause)}"


def join(lang: str, parts: list[str], rng: random.Random) -> str:
    parts = [p for p in parts if p]
    if lang == "en":
        sep = pick(rng, [". ", ", ", " - ", ". ", " "])
        text = sep.join(parts)
        if rng.random() < 0.25:
            text = text.lower()
        return text
    sep = pick(rng, ["，", "，", "。", " ", ",", ""])
    return sep.join(parts)


def slips(rng: random.Random, text: str, lang: str) -> str:
    table = ZH_SLIPS if lang == "zh" else EN_SLIPS
    for right, wrong in table.items():
        if right in text and rng.random() < 0.35:
            text = text.replace(right, wrong, 1)
    return text


def other_label(rng: random.Random, label: str) -> str:
    return pick(rng, [c for c in CLASSES if c != label])


def compose(rng: random.Random, label: str, lang: str) -> tuple[str, list[str], str]:
    """One message of class ``label``: its text, sorted flags and phrase group."""
    base = "zh" if lang == "mixed" else lang
    cause_lang = "mix" if lang == "mixed" and rng.random() < 0.6 else base
    if lang == "mixed" and cause_lang == base:
        base = "en" if rng.random() < 0.5 else "zh"
        cause_lang = "zh" if base == "en" else "en"  # cause in one language, the rest in the other
    cause, flags, group = cause_for(rng, label, cause_lang)
    short_lang = "zh" if cause_lang in ("zh", "mix") else "en"
    roll = rng.random()
    if roll < 0.12:
        neg = pick(rng, SHORT[other_label(rng, label)][short_lang])
        cause = f"不是因为{neg}，是{cause}" if short_lang == "zh" else f"it's not because of {neg}, {cause}"
    elif roll < 0.24:
        second = pick(rng, SHORT[other_label(rng, label)][short_lang])
        glue = pick(rng, ["，还有", "，加上", "，另外", "，又"]) if short_lang == "zh" else pick(
            rng, [", and on top of that ", ", plus ", ", also "])  # fmt: skip
        cause = f"{cause}{glue}{second}"
    who: list[str] = []
    for flag in ("elderly", "student"):
        if rng.random() < 0.08 and not (flag == "student" and "elderly" in flags):
            who.append(pick(rng, FLAG_PHRASES[flag][cause_lang]))
            flags.add(flag)
    opener = ""
    if rng.random() < 0.15:  # terse: the cause alone, maybe with a consequence
        parts = [*who, cause, pick(rng, CONSEQUENCES[base]) if rng.random() < 0.5 else ""]
    else:
        requests = REQUESTS[base] + PATH_REQUESTS.get(label, {}).get(base, []) * 2
        opener = pick(rng, OPENERS[base])
        parts = [*who, cause, pick(rng, CONSEQUENCES[base])]
        if rng.random() < 0.2:
            parts += rng.sample(EXTRA_CONTEXT[base], rng.randint(1, 3))
        parts += [pick(rng, requests), pick(rng, CLOSERS[base])]
    text = opener + join(base, parts, rng)
    if rng.random() < 0.3:
        text = slips(rng, text, base)
    return text.strip(), sorted(flags), group


def language_of(text: str) -> str:
    """ "zh", "en" or "mixed": CJK characters and Latin words both present makes a message mixed."""
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text) >= 4
    return "mixed" if cjk and latin else ("zh" if cjk else "en")


def corpus(seed: int = SEED, per_class: int = PER_CLASS) -> list[dict[str, object]]:
    rng = random.Random(seed)
    langs, weights = zip(*LANG_WEIGHTS, strict=True)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for label in CLASSES:
        made, tries = 0, 0
        while made < per_class and tries < per_class * 50:
            tries += 1
            lang = rng.choices(langs, weights)[0]
            text, flags, group = compose(rng, label, lang)
            lang = language_of(text)  # what the text turned out to be (a "mixed" draw may come out one language)
            if text in seen or len(text) < 2:
                continue
            seen.add(text)
            made += 1
            row = {"text": text, "lang": lang, "label": label, "flags": flags, "source": "template", "group": group}
            rows.append(row)
    rng.shuffle(rows)
    return [{"id": f"train-{i:05d}", **row} for i, row in enumerate(rows, 1)]


def render(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="Compare with the file instead of writing it.")
    args = parser.parse_args()
    text = render(corpus())
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("train corpus up to date" if same else f"{args.out} differs from a fresh run")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10))} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
