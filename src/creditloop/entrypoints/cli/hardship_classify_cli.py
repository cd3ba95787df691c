"""``creditloop hardship classify|evaluate``: the reason and vulnerability flags of a hardship message.

``add_commands(typer_app)`` puts both commands on the ``hardship`` group of the hardship-request workflow
(``main.py``), so ``creditloop hardship classify`` sits next to ``hardship request``.
The message text is never logged nor echoed; ``--text-file -`` reads it from stdin so it stays out of the shell
history and the process list.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded

ModelOpt = Annotated[
    Path | None, typer.Option("--model", help="A model file (default: the packaged hardship-reason@2).")
]


def _model(path: Path | None) -> Any:
    from creditloop.collections.hardship_text_model import load_model, packaged_model

    return guarded(lambda: load_model(path), {"model": "--model"}) if path is not None else packaged_model()


def _read_text(text: str | None, text_file: Path | None) -> str:
    if text is not None and text_file is None:
        return text
    if text_file is None or text is not None:
        fail("give the message with exactly one of --text or --text-file", EXIT_USAGE)
    if str(text_file) == "-":
        return sys.stdin.read()
    try:
        return text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--text-file: cannot read {text_file.name} ({type(exc).__name__})", EXIT_USAGE)


def classify_command(
    text: Annotated[str | None, typer.Option("--text", help="The customer's message (zh or en).")] = None,
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="Read the message from a UTF-8 file, or '-' for stdin.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh | en (default: detected from the script).")] = None,
    consent: Annotated[
        bool, typer.Option("--consent", help="The customer consented to their message being processed (required).")
    ] = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Classify one consented message: reason, confidence, route, vulnerability flags, top n-grams."""
    from creditloop.collections.hardship_text import classify

    if not consent:  # before the text is even read
        fail("--consent: the customer has not consented to their message being processed (consent_required)", 2)
    message = _read_text(text, text_file)
    options = {"consent": "--consent", "text": "--text", "lang": "--lang"}
    result = guarded(lambda: classify(message, lang, consent=consent, model=_model(model)), options)
    payload = {
        "category": result.category,
        "predicted": result.predicted,
        "confidence": round(result.confidence, 4),
        "needs_review": result.needs_review,
        "route": result.route,
        "leaves_hardship_path": result.leaves_hardship_path,
        "vulnerability_flags": list(result.vulnerability_flags),
        "flag_scores": result.flag_scores,
        "top_features": [{"ngram": f.ngram, "weight": f.weight} for f in result.top_features],
        "lang": result.lang,
        "model_id": result.model_id,
        "description": {"en": result.describe("en"), "zh": result.describe("zh")},
    }
    if as_json:
        echo_json(payload)
        return
    typer.echo(f"category: {result.category}  ({result.describe('zh')} / {result.describe('en')})")
    typer.echo(f"confidence: {result.confidence:.3f}  predicted: {result.predicted}  route: {result.route}")
    typer.echo(f"vulnerability flags: {', '.join(result.vulnerability_flags) or 'none'}")
    typer.echo("top n-grams: " + ", ".join(repr(f.ngram) for f in result.top_features))


def _f1_lines(model: dict[str, Any], base: dict[str, Any]) -> list[str]:
    lines = [f"{'class':<26}{'n':>5}{'P':>8}{'R':>8}{'F1':>8}{'base F1':>9}"]
    for c, row in model["per_class"].items():
        b = base["per_class"][c]["f1"]
        lines.append(
            f"{c:<26}{row['support']:>5}{row['precision']:>8.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{b:>9.3f}"
        )
    lines.append(f"{'macro-F1':<26}{model['n']:>5}{'':>16}{model['macro_f1']:>8.3f}{base['macro_f1']:>9.3f}")
    return lines


def evaluate_command(
    heldout: Annotated[
        Path, typer.Option("--heldout", help="Labelled messages, JSON lines (id, text, lang, label, flags).")
    ],
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Macro-F1, per-class and per-language tables, confusion matrix and flag F1 of the model's reason on a
    labelled file, side by side with the keyword-rule baseline; and the category after routing (a low-confidence
    reason becomes ``other`` for review) with the share sent to review."""
    from creditloop.collections.hardship_text import classify_with, review_count
    from creditloop.collections.hardship_text_eval import evaluate, keyword_baseline, read_messages

    messages = guarded(lambda: read_messages(heldout), {"heldout": "--heldout"})
    clf = _model(model)
    routed = evaluate(lambda t: classify_with(clf, t, routed=True), messages)
    review = review_count(clf, [m.text for m in messages])
    result = {
        "file": heldout.name,
        "model_id": clf.model_id,
        "model": evaluate(lambda t: classify_with(clf, t), messages),
        "routed": {
            "macro_f1": routed["macro_f1"],
            "by_language": {k: v["macro_f1"] for k, v in routed["by_language"].items()},
            "needs_review": review,
            "min_confidence": clf.min_confidence,
        },
        "baseline_keywords": evaluate(keyword_baseline, messages),
    }
    if as_json:
        echo_json(result)
        return
    m, b = result["model"], result["baseline_keywords"]
    typer.echo(f"{clf.model_id} on {heldout.name}: {m['n']} messages (base = keyword rules)")
    for line in _f1_lines(m, b):
        typer.echo(line)
    for lang, table in m["by_language"].items():
        typer.echo(
            f"{lang}: n={table['n']} macro-F1 {table['macro_f1']:.3f} (base {b['by_language'][lang]['macro_f1']:.3f})"
        )
    r = result["routed"]
    typer.echo(
        f"routed (confidence < {r['min_confidence']} -> other, needs review): macro-F1 {r['macro_f1']:.3f}, "
        f"{r['needs_review']} of {m['n']} sent to review"
    )
    typer.echo("flags: " + ", ".join(f"{f} F1 {r['f1']:.3f} (n={r['support']})" for f, r in m["flags"].items()))


def add_commands(group: typer.Typer) -> None:
    group.command("classify")(classify_command)
    group.command("evaluate")(evaluate_command)


__all__ = ["add_commands"]
