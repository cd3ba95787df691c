"""Contact-eligibility checks per minute on one core (issue 15): the indexed engine vs a naive baseline.

Run: ``PYTHONPATH=src taskset -c 0 .venv/bin/python bench/bench_conduct.py [--cases 1000] [--checks 1000000]
[--baseline-checks 5000] [--attempts 240] [--policy cn]``

A seeded book of ``--cases`` cases, each with a customer zone drawn from Asia/Shanghai, America/New_York,
Europe/London and Australia/Lord_Howe and a history of ``--attempts`` executed attempts over 120 days (calls,
SMS, app messages, letters, to the debtor and to third parties, every one allowed by the engine when it was
added). Then ``--checks`` requests (random case, contact, party, channel, and an instant within the last two
days of the history, quiet hours included) are checked two ways, in the same run, on the same requests:

- **engine**: ``ConductEngine.eligible`` over each case's ``ContactHistory`` (indexed by local day once);
- **baseline**: what a checker without the index does: re-scan the whole history of the case per check
  (rebuild the per-day counts from every attempt, converting each instant to local time), then decide alike.

The baseline runs on the first ``--baseline-checks`` requests only (it is slow); rates are per minute of CPU
time of this process. The decisions of both are compared on the baseline's requests and must be equal.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from creditloop.collections.conduct import ConductEngine, Decision
from creditloop.collections.conduct_history import ContactAttempt, ContactHistory, ContactRequest
from creditloop.collections.conduct_policy import conduct_policy

ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe")
START = datetime(2026, 1, 1, tzinfo=UTC)
CHANNELS = ("call", "call", "call", "sms", "app", "letter")


def _request(rng: random.Random) -> ContactRequest:
    if rng.random() < 0.1:
        return ContactRequest(f"tp{rng.randrange(2)}", "third_party", "call", "locate", discloses_debt=False)
    return ContactRequest(f"d{rng.randrange(2)}", "debtor", rng.choice(CHANNELS))


def book(engine: ConductEngine, cases: int, attempts: int, seed: int) -> list[ContactHistory]:
    """Histories whose every attempt the engine allowed at its instant (as the app records them)."""
    rng = random.Random(seed)
    out = []
    for c in range(cases):
        h = ContactHistory(rng.choice(ZONES))
        at = START + timedelta(minutes=rng.randrange(600))
        n = 0
        while n < attempts:
            at += timedelta(minutes=rng.randrange(5, 12 * 60 * 120 // attempts))
            req = _request(rng)
            if not engine.eligible(req, h, at).allowed:
                continue
            outcome = rng.choice(("connected", "unanswered", "unanswered")) if req.channel == "call" else "delivered"
            h.add(ContactAttempt(f"a{c}-{n}", req.contact_id, req.party, req.channel, at, outcome))
            n += 1
        out.append(h)
    return out


def naive(engine: ConductEngine, request: ContactRequest, h: ContactHistory, now: datetime) -> Decision:
    """Re-scan the whole history: rebuild the case's counts from every attempt, then decide."""
    fresh = ContactHistory(h.zone_name, h.attempts)
    fresh.open_disputes, fresh.open_complaints, fresh.opt_outs, fresh.agreed = (
        h.open_disputes, h.open_complaints, h.opt_outs, h.agreed,
    )  # fmt: skip
    return engine.eligible(request, fresh, now)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--attempts", type=int, default=240)
    ap.add_argument("--checks", type=int, default=1_000_000)
    ap.add_argument("--baseline-checks", type=int, default=5000)
    ap.add_argument("--policy", default="cn", choices=("cn", "us"))
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    engine = ConductEngine(conduct_policy(args.policy))
    t0 = time.process_time()
    histories = book(engine, args.cases, args.attempts, args.seed)
    built = time.process_time() - t0
    rng = random.Random(args.seed + 1)
    work = []
    for _ in range(args.checks):
        h = rng.choice(histories)
        now = h.attempts[-1].at + timedelta(minutes=rng.randrange(-2 * 1440, 2 * 1440))
        work.append((_request(rng), h, now))
    eligible = engine.eligible
    t0 = time.process_time()
    decisions = [eligible(r, h, now) for r, h, now in work]
    fast = time.process_time() - t0
    sample = work[: args.baseline_checks]
    t0 = time.process_time()
    slow_decisions = [naive(engine, r, h, now) for r, h, now in sample]
    slow = time.process_time() - t0
    same = all(a.allowed == b.allowed and a.codes == b.codes and a.next_allowed_at == b.next_allowed_at
               for a, b in zip(decisions, slow_decisions, strict=False))  # fmt: skip
    refused = sum(not d.allowed for d in decisions)
    fast_rate, slow_rate = len(work) / fast * 60, len(sample) / slow * 60
    print(f"policy {engine.policy.key}: {args.cases} cases x {args.attempts} attempts (built in {built:.1f} s CPU)")
    print(f"engine:   {len(work):>9,} checks in {fast:7.2f} s CPU = {fast_rate:>12,.0f} checks/min "
          f"({fast / len(work) * 1e6:.2f} us each; {refused / len(work):.1%} refused)")  # fmt: skip
    print(f"baseline: {len(sample):>9,} checks in {slow:7.2f} s CPU = {slow_rate:>12,.0f} checks/min "
          f"({slow / len(sample) * 1e6:.1f} us each; re-scans the whole history per check)")  # fmt: skip
    print(f"ratio engine/baseline: {fast_rate / slow_rate:,.0f}x; decisions equal on the baseline's sample: {same}")
    print(f"target >= 1,000,000 checks/min on one core: {'met' if fast_rate >= 1_000_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
