"""The consortium in the nightly early-warning run: pseudonyms from the member's file, one question per customer,
``other_lenders`` and its 3-month change filled, EWI_NEW_LENDER raised; no clear ID leaves; an unreachable
consortium costs no time and flags the run; a spent budget stops asking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest

from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.adapters.consortium_member_file import MemberFile
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.consortium import ConsortiumSignal
from creditloop.app.consortium_ewi import NOT_ENROLLED, OVER_BUDGET, EarlyWarningConsortium, months_back
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import ValidationError
from creditloop.monitoring.action_policies import action_policy_from_dict
from creditloop.monitoring.alert_rules import packaged_alert_rules
from creditloop.products.terms import default_product

from .conftest import RING, TODAY, Consortium, pseudonym_of, resident_id
from .test_consortium_client import Recorder, forms_of

pytest.importorskip("duckdb")

RESIDENTS = {
    "good": resident_id(21, "19850314"),
    "partial": resident_id(22, "19920229"),
    "util": resident_id(23, "19700101"),
}  # fmt: skip  ("miss" is not enrolled)


@pytest.fixture
def member_file(tmp_path: Path) -> Iterator[MemberFile]:
    book = MemberFile(tmp_path / "member.sqlite", RING)
    book.enrol(RESIDENTS.items(), TODAY)
    yield book
    book.close()


def client(transport: httpx.BaseTransport, key: str = "ckm_x_y", **kw: float) -> ConsortiumClient:
    return ConsortiumClient("http://consortium.test", key, RING, transport=transport, **kw)


def share_with_three(consortium: Consortium, resident: str) -> None:
    for m in "ABC":
        consortium.share(m, pseudonym_of(resident), open_lines=1)


def build_book(bus: MessageBus) -> None:
    """As tests/integration/test_ewi_run.py: four lines from 5 Jan 2024; ``partial`` pays 60 % of each bill and
    ``miss`` stops paying after two; ``good`` and ``util`` pay in full."""
    for k in ("good", "partial", "util", "miss"):
        bus.handle(c.OpenLine(f"L-{k}", k, 500_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("u1", "L-util", 470_000, 12, date(2024, 1, 6)))
    for m in range(1, 4):
        for k in ("good", "partial", "miss"):
            bus.handle(c.Purchase(f"{k}{m}", f"L-{k}", 60_000, 1, date(2024, m, 6)))
        bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
        for k, share in (("good", 10), ("util", 10), ("partial", 6), ("miss", 10 if m < 3 else 0)):
            with bus.uow:
                owed = bus.uow.lines.get(f"L-{k}").amount_due_minor * share // 10
            if owed:
                bus.handle(c.Repay(f"p{k}{m}", f"L-{k}", owed, date(2024, m + 1, 8)))
    bus.handle(c.RunDayEnd(date(2024, 4, 30)))


def test_the_member_file_keeps_pseudonyms_never_the_id(member_file: MemberFile, tmp_path: Path) -> None:
    raw = (tmp_path / "member.sqlite").read_bytes()
    for resident in RESIDENTS.values():
        assert all(form not in raw for form in forms_of(resident))
        assert pseudonym_of(resident).encode() in raw
    found = member_file.pseudonyms(["good", "miss"], TODAY)
    assert found == {"good": {"k1": pseudonym_of(RESIDENTS["good"])}}
    with pytest.raises(ValidationError) as bad:
        member_file.enrol([("x", "110105199001010000")], TODAY)  # bad check character: nothing written
    assert "110105" not in str(bad.value) and member_file.pseudonyms(["x"], TODAY) == {}
    assert months_back("2024-02", 3) == "2023-11" and months_back("2024-12", 3) == "2024-09"


def test_the_nightly_run_fills_other_lenders_and_raises_new_lender(
    consortium: Consortium, member_file: MemberFile
) -> None:
    share_with_three(consortium, RESIDENTS["good"])
    recorder = Recorder(consortium)
    ask = EarlyWarningConsortium(client(httpx.MockTransport(recorder), consortium.keys["E"]), member_file)
    member_file.record({"good": 1}, "2024-01", date(2024, 1, 31))  # the count three months before
    from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
    from creditloop.jobs.ewi_run import run_ewi
    from creditloop.monitoring.features import default_feature_set

    bus = MessageBus(MemoryUnitOfWork(lambda _: default_product()), default_policies())
    build_book(bus)
    ewi3 = packaged_alert_rules("ewi@3")
    rules = replace(ewi3, budget=None)
    policy = action_policy_from_dict(
        {
            "policy_id": "t",
            "version": "1",
            "rule_set": "ewi@3",
            "actions": [
                {"when": {"rule_id": "EWI_PAY_RATIO_LOW"}, "action": "freeze", "notice": {"zh": "中", "en": "en"}}
            ],
        },
        rules,
    )
    fs = default_feature_set()
    result = run_ewi(bus, date(2024, 4, 30), rules, policy, lambda rows, keep: ledger_features(rows, fs, None, keep),
                     ask.lenders_features)  # fmt: skip
    summary = result.to_dict()["consortium"]
    assert summary["customers"] == 4 and not summary["flagged"]
    assert summary["statuses"] == {"answer": 1, "insufficient": 2, NOT_ENROLLED: 1}
    assert result.raised[("EWI_NEW_LENDER", "low")] == 1  # 1 -> 3 other lenders over three months: L-good
    assert member_file.lenders(["good"], ["2024-04"]) == {("good", "2024-04"): 3}
    paths = [raw.split(b"\n")[1].rsplit(b"/v1", 1)[1] for raw in recorder.seen]
    assert paths == [b"/consents"] * 3 + [b"/queries/batch"]  # a consent per enrolled customer, one batch question
    for raw in recorder.seen:
        assert b"early_warning" in raw
        for resident in RESIDENTS.values():
            assert all(form not in raw for form in forms_of(resident))


def test_an_unreachable_consortium_costs_no_time_and_flags_the_run(member_file: MemberFile) -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("refused", request=request)

    ask = EarlyWarningConsortium(client(httpx.MockTransport(refuse)), member_file)
    found, run = ask.lenders_features({"L1": "good", "L2": "partial", "L3": "util"}, "2026-06", TODAY)
    assert found == {} and run.flagged and run.statuses["unavailable"] == 3
    assert len(calls) == 1  # the circuit opened on the first failure: the others were not tried


def test_a_spent_budget_stops_asking_and_flags(member_file: MemberFile, consortium: Consortium) -> None:
    ticks = iter(range(100))
    ask = EarlyWarningConsortium(client(httpx.MockTransport(Recorder(consortium)), consortium.keys["E"]),
                                 member_file, budget_s=2.5, monotonic=lambda: float(next(ticks)))  # fmt: skip
    _, run = ask.lenders_features({"L1": "good", "L2": "partial", "L3": "util"}, "2026-06", TODAY)
    assert run.statuses[OVER_BUDGET] == 1 and run.flagged and sum(run.statuses.values()) == 3


class Stub:
    def __init__(self, signals: dict[str, ConsortiumSignal]) -> None:
        self.signals = signals  # by pseudonym

    def ask(self, pseudonyms: dict[str, str], purpose: str, on: date) -> ConsortiumSignal:
        assert purpose == "early_warning"
        return self.signals[pseudonyms["k1"]]

    def ask_many(self, subjects: list[dict[str, str]], purpose: str, on: date, stop: object = None) -> list[object]:
        return [self.ask(p, purpose, on) for p in subjects]


def test_refusals_flag_the_run_and_a_first_answer_has_no_change(member_file: MemberFile) -> None:
    p = {c: pseudonym_of(r) for c, r in RESIDENTS.items()}
    stub = Stub({p["good"]: ConsortiumSignal("answer", 2), p["partial"]: ConsortiumSignal("refused"),
                 p["util"]: ConsortiumSignal("insufficient")})  # fmt: skip
    found, run = EarlyWarningConsortium(stub, member_file).lenders_features(
        {"L1": "good", "L1b": "good", "L2": "partial", "L3": "util"}, "2026-06", TODAY
    )
    assert found == {"L1": {"other_lenders": 2.0, "other_lenders_change_3m": None},
                     "L1b": {"other_lenders": 2.0, "other_lenders_change_3m": None}}  # fmt: skip
    assert run.customers == 3 and run.flagged and run.statuses == {"answer": 1, "refused": 1, "insufficient": 1}
    _, quiet = EarlyWarningConsortium(Stub({v: ConsortiumSignal("insufficient") for v in p.values()}),
                                      member_file).lenders_features({"L3": "util"}, "2026-06", TODAY)  # fmt: skip
    assert not quiet.flagged  # below the threshold is an answer, not an outage
