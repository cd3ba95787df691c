"""Check a hand-written hardship-message file (issue #15): format, script rule, counts, duplicates.

    PYTHONPATH=src python tools/check_hardship_heldout.py data/hardship_messages/heldout_v2.jsonl [--against F ...]

Reads the file with the evaluator's own reader (so a file that passes here is one ``evaluate`` accepts), then checks
what the reader does not: ids unique, ``lang`` equal to the README's script rule, flags sorted, no text twice
(after whitespace and case folding) and, with ``--against``, no text shared with other files (only the count and
this file's ids are printed, never the other file's text). Prints label x lang counts, flags and lengths; exit
status 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

from creditloop.collections.hardship_text_eval import CATEGORIES, FLAGS, LANGS, read_messages

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def script_lang(text: str) -> str:
    """The README's rule: Chinese characters and Latin letters -> mixed, only one of them -> zh or en."""
    zh, en = bool(CJK.search(text)), bool(LATIN.search(text))
    return "mixed" if zh and en else ("zh" if zh else "en")


def norm(text: str) -> str:
    return " ".join(text.casefold().split())


def problems(path: Path, against: list[Path]) -> list[str]:
    out = []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = Counter(r.get("id") for r in rows)
    out += [f"id {i} used {n} times" for i, n in ids.items() if n > 1]
    texts = Counter(norm(r["text"]) for r in rows)
    out += [f"text twice: {t[:40]}" for t, n in texts.items() if n > 1]
    for r in rows:
        if r["lang"] != script_lang(r["text"]):
            out.append(f"{r['id']}: lang {r['lang']} but the script says {script_lang(r['text'])}")
        if r["flags"] != sorted(r["flags"]):
            out.append(f"{r['id']}: flags not sorted")
    for other in against:
        seen = {norm(m.text) for m in read_messages(other)}
        shared = [r["id"] for r in rows if norm(r["text"]) in seen]
        if shared:
            out.append(f"{len(shared)} text(s) also in {other.name}: {', '.join(shared)}")
    return out


def report(path: Path) -> str:
    msgs = read_messages(path)
    cells = Counter((m.label, m.lang) for m in msgs)
    lines = ["| class | " + " | ".join(LANGS) + " | total |", "|---|" + "---:|" * (len(LANGS) + 1)]
    for label in CATEGORIES:
        row = [cells[(label, lang)] for lang in LANGS]
        lines.append(f"| {label} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [sum(cells[(c, lang)] for c in CATEGORIES) for lang in LANGS]
    lines.append("| total | " + " | ".join(map(str, totals)) + f" | {len(msgs)} |")
    flags = Counter(f for m in msgs for f in m.flags)
    lengths = [len(m.text) for m in msgs]
    lines.append("Flags: " + ", ".join(f"{f} {flags[f]}" for f in FLAGS))
    lines.append(f"Length {min(lengths)}-{max(lengths)} characters (median {statistics.median(lengths):g}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--against", type=Path, nargs="*", default=[])
    args = parser.parse_args(argv)
    print(report(args.file))
    found = problems(args.file, args.against)
    for line in found:
        print("PROBLEM:", line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
