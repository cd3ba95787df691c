"""The hardship workflow through the CLI (issue 15): request, options, accept, track; bad input exits with one line."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from ledger_cli import ok
from ledger_cli import refused as _refused

refused = partial(_refused, one_line=True)  # every refusal here is one line


def test_request_options_accept_track(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "10000", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "p", "--amount", "3000", "--periods", "12",
       "--on", "2024-01-06")  # fmt: skip
    secret = "我失业了，身份证号 110101199003071234"
    req = ok(d, "hardship", "request", "--line-id", "L1", "--request-id", "R1", "--category", "job_loss_or_pay_cut",
             "--income", "5000", "--expenses", "3500", "--text", secret, "--on", "2024-04-21", "--json")  # fmt: skip
    assert (req["outcome"], req["text_kept"]) == ("hardship", False)  # no --consent: the text is dropped unread
    assert secret not in json.dumps(req, ensure_ascii=False)
    offer = ok(d, "hardship", "options", "--request-id", "R1", "--on", "2024-04-21", "--json")
    top = [(o["option_id"], o["rank"], o["monthly_payment_minor"], o["npv_minor"]) for o in offer["presented"]]
    assert top == [("TE12F", 1, 32_200, 264_880), ("TE24", 2, 17_900, 257_312), ("TE12", 3, 30_400, 246_142)]
    assert offer["presented"][1]["text"]["zh"].startswith("方案 TE24：延长还款期限。每月最高还款 179.00 元")
    assert offer["presented"][1]["text"]["en"].startswith("Option TE24: Longer repayment term.")
    assert {o["option_id"] for o in offer["unavailable"]} == {"HOL3", "HOL3A", "RA", "SET30"}
    text = ok(d, "hardship", "options", "--request-id", "R1", "--on", "2024-04-21", "--lang", "en")
    assert "Option TE12F" in text and offer["presented"][0]["disclosure"]["text"]["en"] in text

    assert "--option: option 'TE99' was not offered" in refused(
        d, 2, "hardship", "accept", "--request-id", "R1", "--option", "TE99", "--role", "agent", "--on", "2024-04-21"
    )
    assert "--role: role must be one of" in refused(
        d, 2, "hardship", "accept", "--request-id", "R1", "--option", "TE24", "--role", "boss", "--on", "2024-04-21"
    )
    plan = ok(d, "hardship", "accept", "--request-id", "R1", "--option", "TE24", "--role", "agent",
              "--on", "2024-04-21", "--json")  # fmt: skip
    assert (plan["kind"], plan["concession_minor"], plan["marks"]["metro2_special_comment"]) == (
        "term_extension",
        17_821,
        "CO",
    )
    assert plan["disclosure"] == offer["presented"][1]["disclosure"]  # applied as previewed and shown
    show = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert show["penalty_minor"] == 0 and show["status"] == "FROZEN"
    tracked = ok(d, "hardship", "track", "--on", "2024-06-16", "--json")
    assert [(p["status"], p["missed"]) for p in tracked["plans"]] == [("broken", 2)]


def test_bad_input_exits_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "10000", "--on", "2024-01-05")
    base = ("hardship", "request", "--line-id", "L1", "--request-id", "R1", "--income", "5000", "--on", "2024-01-06")
    assert "--category: category must be one of" in refused(d, 2, *base, "--category", "bored", "--expenses", "0")
    assert "--expenses: must not be negative" in refused(d, 2, *base, "--category", "other", "--expenses", "-1")
    assert "--expenses" in refused(d, 2, *base, "--category", "other", "--expenses", "lots")
    assert "not_found" in refused(d, 1, "hardship", "options", "--request-id", "R1", "--on", "2024-01-06")
    routed = ok(d, *base, "--category", "fraud_or_identity_theft", "--expenses", "0", "--json")
    assert routed["outcome"] == "routed_fraud"
    assert "hardship_request_routed" in refused(d, 1, "hardship", "options", "--request-id", "R1", "--on", "2024-01-06")
