"""``creditloop hardship classify|evaluate`` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "data" / "hardship_messages" / "heldout.jsonl"


def cl(*args: str, stdin: str | None = None, debug: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREDITLOOP_LOG_LEVEL": "DEBUG"} if debug else None
    return subprocess.run(
        [sys.executable, "-m", "creditloop", "hardship", *args],
        capture_output=True, text=True, timeout=300, check=False, input=stdin, env=env,
    )  # fmt: skip


def ok(*args: str, stdin: str | None = None) -> Any:
    res = cl(*args, stdin=stdin)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout) if "--json" in args else res.stdout


def test_classify_a_consented_message() -> None:
    out = ok("classify", "--text", "公司裁员，我被裁了，这个月还不上", "--consent", "--json")
    assert out["category"] == "job_loss_or_pay_cut" and out["route"] == "hardship" and out["lang"] == "zh"
    assert out["model_id"] == "hardship-reason@2" and out["top_features"] and not out["needs_review"]
    assert out["description"]["zh"].startswith("失业或收入下降")
    fraud = ok("classify", "--text", "I didn't make this purchase, my account was hacked", "--lang", "en", "--consent",
               "--json")  # fmt: skip
    assert (fraud["category"], fraud["leaves_hardship_path"]) == ("fraud_or_identity_theft", True)
    text = ok("classify", "--text-file", "-", "--consent", stdin="我爸去世了，在办丧事")
    assert "bereavement" in text and "family_event" in text


def test_no_consent_exits_2_with_one_line_and_reads_nothing(tmp_path: Path) -> None:
    res = cl("classify", "--text", "I was laid off", "--json")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip().splitlines() == [
        "error: --consent: the customer has not consented to their message being processed (consent_required)"
    ]
    missing = cl("classify", "--text-file", str(tmp_path / "absent.txt"))  # no consent: the file is not opened
    assert missing.returncode == 2 and "consent_required" in missing.stderr


def test_bad_input_exits_2_with_one_line() -> None:
    for args, expected in [
        (("--text", "   ", "--consent"), "error: --text: the message is empty"),
        (("--text", "laid off", "--lang", "fr", "--consent"), "error: --lang: lang must be zh, en or absent"),
        (("--consent",), "error: give the message with exactly one of --text or --text-file"),
    ]:
        res = cl("classify", *args)
        assert res.returncode == 2, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith(expected), res.stderr


def test_the_text_never_reaches_the_log() -> None:
    secret = "王小明 13912345678 被公司辞退了"
    res = cl("classify", "--text", secret, "--consent", debug=True)
    assert res.returncode == 0, res.stderr
    assert "classified" in res.stderr  # the debug log ran ...
    for piece in ("王小明", "139", "辞退"):
        assert piece not in res.stderr  # ... and holds no part of the message


def test_evaluate_prints_the_figures_beside_the_baseline(tmp_path: Path) -> None:
    out = ok("evaluate", "--heldout", str(HELDOUT), "--json")
    model, base = out["model"], out["baseline_keywords"]
    assert model["n"] == base["n"] == 425 and model["macro_f1"] >= 0.85 > base["macro_f1"]
    assert set(model["by_language"]) == {"zh", "en", "mixed"} and set(model["flags"]) == {
        "serious_illness", "bereavement", "elderly", "student"}  # fmt: skip
    text = ok("evaluate", "--heldout", str(HELDOUT))
    assert "macro-F1" in text and "fraud_or_identity_theft" in text and "zh: n=204" in text
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "lang": "en", "label": "nope"}\n', encoding="utf-8")
    res = cl("evaluate", "--heldout", str(bad))
    assert res.returncode == 2 and res.stderr.strip() == "error: label: bad.jsonl line 1: unknown label 'nope'"
