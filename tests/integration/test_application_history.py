"""The application history (issue #13, item 2): one suite run against the memory, SQLite and PostgreSQL adapters,
each snapshot compared with a brute-force reference over the recorded list (the definitions of ``app.history``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.sqlalchemy.history import SqlApplicationHistory
from creditloop.app.history import EMPLOYER_PEERS_CAP, median_minor
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.app.ports import UnitOfWork
from creditloop.app.replay import snapshot_from
from creditloop.app.underwriting import canonical, snapshot_document
from creditloop.core.errors import ValidationError
from creditloop.products.terms import Product, default_product
from creditloop.strategy.velocity import (
    CLUSTER_IDENTITIES,
    CLUSTER_INCOME_NEAR,
    CLUSTER_PHONE_BLOCK,
    CLUSTER_ROWS_CAP,
    CLUSTER_WINDOW_DAYS,
    ApplicationKeys,
    VelocitySnapshot,
    WindowCounts,
    key_hash,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NEAR = Fraction(3, 100)  # the cluster's "income within 3 %"
WINDOWS = (1, 7, 30)
REUSE = 30


def products(_key: str) -> Product:
    return default_product()


@pytest.fixture
def uow(any_uow: UnitOfWork) -> UnitOfWork:
    return any_uow  # memory, SQLite and PostgreSQL (conftest)


# ------------------------------------------------------------------------------------------------ reference


def reference(
    recorded: list[ApplicationKeys], k: ApplicationKeys, windows: tuple[int, ...], reuse: int
) -> VelocitySnapshot:
    """The snapshot by definition, over every recorded application (the first record of an id kept)."""
    first: dict[str, ApplicationKeys] = {}
    for a in recorded:
        first.setdefault(a.application_id, a)
    earlier = [a for a in first.values() if a.applied_at <= k.applied_at and a.application_id != k.application_id]

    def within(a: ApplicationKeys, days: int) -> bool:
        return a.applied_at > k.applied_at - timedelta(days=days)

    def same(a: ApplicationKeys, name: str) -> bool:
        return bool(getattr(k, name)) and getattr(a, name) == getattr(k, name)

    def others(match: str, attr: str) -> int:
        seen = {getattr(a, attr) for a in earlier if within(a, reuse) and same(a, match)}
        return len(seen - {getattr(k, attr), ""})

    wins = tuple(
        WindowCounts(
            d,
            sum(1 for a in earlier if within(a, d) and same(a, "identity")),
            sum(1 for a in earlier if within(a, d) and same(a, "phone")),
            sum(1 for a in earlier if within(a, d) and same(a, "device")),
        )
        for d in sorted(set(windows))
    )
    peers = sorted(
        (a for a in earlier if same(a, "employer") and a.identity != k.identity),
        key=lambda a: (a.applied_at, a.application_id),
    )[-EMPLOYER_PEERS_CAP:]
    dups = sorted(
        (a for a in earlier if a.inputs_hash == k.inputs_hash), key=lambda a: (a.applied_at, a.application_id)
    )
    cluster = sorted(
        (a for a in earlier if same(a, "employer") and a.identity != k.identity and within(a, CLUSTER_WINDOW_DAYS)),
        key=lambda a: (a.applied_at, a.application_id),
    )[-CLUSTER_ROWS_CAP:]
    income = k.monthly_income_minor
    near = [a for a in cluster if income > 0 and Fraction(abs(a.monthly_income_minor - income), income) <= NEAR]
    return VelocitySnapshot(
        windows=wins,
        identities_per_phone=others("phone", "identity"),
        identities_per_device=others("device", "identity"),
        identities_per_employer_address=others("employer_address", "identity"),
        phones_per_identity=others("identity", "phone"),
        devices_per_identity=others("identity", "device"),
        employer_peers=len(peers),
        employer_median_income_minor=median_minor(sorted(a.monthly_income_minor for a in peers)),
        duplicate_of=dups[0].application_id if dups else None,
        same_id_earlier=k.application_id in first,
        extra={
            CLUSTER_IDENTITIES: len({a.identity for a in cluster}),
            CLUSTER_PHONE_BLOCK: len({a.identity for a in cluster if same(a, "phone_block")}),
            CLUSTER_INCOME_NEAR: len({a.identity for a in near}),
        },
    )


def keys(
    app: str,
    hours: float,
    identity: str,
    phone: str = "",
    device: str = "",
    employer: str = "",
    address: str = "",
    form: str | None = None,
    income: int = 800_000,
    ns: str = "",
    block: str | None = None,
) -> ApplicationKeys:
    """Keys of one application; ``ns`` keeps property-test examples apart in one database. The phone block is
    ``block``, by default the phone's text without its last character (p1 and p2 share one; 13800138000 and
    13800138001 too)."""

    def h(kind: str, value: str) -> str:
        return key_hash(kind, ns + value) if value else ""

    return ApplicationKeys(
        application_id=ns + app,
        applied_at=T0 + timedelta(hours=hours),
        identity=h("identity", identity),
        phone=h("phone", phone),
        device=h("device", device),
        employer=h("employer", employer),
        employer_address=h("employer_address", address),
        inputs_hash=hashlib.sha256((ns + (form or app)).encode()).hexdigest(),
        monthly_income_minor=income,
        phone_block=h("phone_block", phone[:-1] if block is None else block),
    )


def decide_all(uow: UnitOfWork, stream: list[ApplicationKeys], windows: tuple[int, ...] = WINDOWS) -> None:
    """Snapshot then record each application in stream order; every snapshot must equal the reference (and come
    back unchanged through the JSON a decision stores)."""
    recorded: list[ApplicationKeys] = []
    with uow:
        for k in stream:
            got = uow.applications.snapshot(k, windows, REUSE)
            assert got == reference(recorded, k, windows, REUSE), k.application_id
            assert snapshot_from(json.loads(canonical(snapshot_document(got)))) == got  # as a decision stores it
            uow.applications.record(k)
            recorded.append(k)
        uow.commit()


# ---------------------------------------------------------------------------------------------- examples


def test_windows_count_strictly_earlier_applications_of_the_same_key(uow: UnitOfWork) -> None:
    stream = [
        keys("A1", 0, "id1", "p1", "d1"),
        keys("A2", 2, "id1", "p1", "d2"),
        keys("A3", 30, "id2", "p1", "d1"),  # a day and more later: outside the one-day window of A4
        keys("A4", 49, "id1", "p2", "d1"),
        keys("A5", 24 * 31, "id1", "p1", "d1"),  # a month on: only the 30-day window's far edge
    ]
    decide_all(uow, stream)
    with uow:
        snap = uow.applications.snapshot(keys("A6", 50, "id1", "p1", "d1"), WINDOWS, REUSE)
    assert snap.window(1) == WindowCounts(1, 1, 1, 2)  # A4 (id, device); A3 (phone, device); 24 h before: A3 only
    assert snap.window(7) == WindowCounts(7, 3, 3, 3)
    assert snap.identities_per_phone == 1 and snap.identities_per_device == 1  # id2
    assert snap.phones_per_identity == 1 and snap.devices_per_identity == 1  # p2, d2
    assert snap.duplicate_of is None and not snap.same_id_earlier


def test_the_window_edge_is_open_and_a_tie_in_time_recorded_before_is_earlier(uow: UnitOfWork) -> None:
    decide_all(uow, [keys("A1", 0, "id1"), keys("A2", 24, "id1")])
    with uow:
        at_edge = uow.applications.snapshot(keys("A3", 24, "id1"), (1,), REUSE)
    # A1 is exactly one day before: outside (t - 1 day, t]; A2, recorded before at the same instant (a double
    # submit in one second), counts.
    assert at_edge.window(1).by_identity == 1


def test_empty_keys_are_never_matched(uow: UnitOfWork) -> None:
    decide_all(uow, [keys(f"A{i}", i, f"id{i}") for i in range(5)])
    with uow:
        snap = uow.applications.snapshot(keys("B", 10, "idB"), WINDOWS, REUSE)
    assert snap.window(30) == WindowCounts(30, 0, 0, 0)
    assert snap.identities_per_phone == snap.identities_per_device == snap.identities_per_employer_address == 0
    assert snap.employer_peers == 0


def test_duplicate_and_resubmission(uow: UnitOfWork) -> None:
    stream = [keys("A1", 5, "id1", form="f"), keys("A0", 1, "id1", form="f"), keys("A2", 9, "id2")]
    stream += [keys("B1", 1, "id3", form="g"), keys("B0", 1, "id4", form="g")]  # a tie in time: the lower id
    decide_all(uow, stream)
    with uow:
        again = uow.applications.snapshot(keys("A2", 9, "id2"), WINDOWS, REUSE)
        copy = uow.applications.snapshot(keys("A3", 10, "id1", form="f"), WINDOWS, REUSE)
        tied = uow.applications.snapshot(keys("B2", 10, "id5", form="g"), WINDOWS, REUSE)
    assert again.same_id_earlier and again.duplicate_of is None  # its own row is not a duplicate of itself
    assert copy.duplicate_of == "A0" and not copy.same_id_earlier  # the earliest one
    assert tied.duplicate_of == "B0"


def test_record_is_idempotent_on_the_application_id(uow: UnitOfWork) -> None:
    first = keys("A1", 0, "id1", "p1")
    with uow:
        uow.applications.record(first)
        uow.applications.record(first)
        uow.applications.record(replace(first, phone=key_hash("phone", "p9")))  # the first record stays
        uow.commit()
    with uow:
        snap = uow.applications.snapshot(keys("A2", 1, "id2", "p1"), WINDOWS, REUSE)
        other = uow.applications.snapshot(keys("A3", 1, "id3", "p9"), WINDOWS, REUSE)
    assert snap.window(1).by_phone == 1 and other.window(1).by_phone == 0


def test_employer_median_is_over_the_latest_peers_of_other_identities(uow: UnitOfWork) -> None:
    n = EMPLOYER_PEERS_CAP + 21
    # Pairs of peers share an instant and the cap cuts through one pair (P0020, P0021): the later id is kept.
    # Odd peers state 1,000, even ones 3,000: the kept 200 are half and half, so one wrong peer moves the median.
    stream = [keys(f"P{i:04d}", i // 2, f"peer{i}", employer="acme", income=1000 if i % 2 else 3000) for i in range(n)]
    stream.append(keys("SELF", n - 1, "me", employer="acme", income=10**9))  # the applicant's own earlier claim
    decide_all(uow, stream)
    with uow:
        snap = uow.applications.snapshot(keys("NEW", n, "me", employer="acme"), WINDOWS, REUSE)
    assert snap.employer_peers == EMPLOYER_PEERS_CAP
    assert snap.employer_median_income_minor == 2000


def test_a_rollback_forgets_the_recorded_applications(uow: UnitOfWork) -> None:
    with uow:
        uow.applications.record(keys("A1", 0, "id1"))
        uow.rollback()
    with uow:
        snap = uow.applications.snapshot(keys("A2", 1, "id1"), WINDOWS, REUSE)
        uow.applications.record(keys("A3", 0, "id1"))  # not committed: the with block rolls back
    with uow:
        later = uow.applications.snapshot(keys("A4", 1, "id1"), WINDOWS, REUSE)
    assert snap.window(1).by_identity == 0 and later.window(1).by_identity == 0


def test_raw_identifiers_and_naive_instants_are_refused(uow: UnitOfWork) -> None:
    raw = replace(keys("A1", 0, "id1"), phone="13800138000")
    with uow:
        with pytest.raises(ValidationError) as refused:
            uow.applications.record(raw)
        assert refused.value.field == "phone"
        with pytest.raises(ValidationError):
            uow.applications.snapshot(replace(keys("A1", 0, "id1"), applied_at=datetime(2026, 1, 1)), WINDOWS, 30)
        with pytest.raises(ValidationError):
            uow.applications.snapshot(keys("A1", 0, "id1"), (0,), 30)


def test_only_hashes_reach_the_table(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine, products)
    decide_all(uow, [keys("A1", 0, "110101199003077777", "13800138000", "dev-1", "acme", "acme|road 1")])
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM application_history")).one()
    text = " ".join(str(v) for v in row)
    for raw in ("110101199003077777", "13800138000", "dev-1", "acme"):
        assert raw not in text


# -------------------------------------------------------------------------------------------- properties

_EXAMPLE = itertools.count()
applications = st.lists(
    st.tuples(
        st.integers(0, 14),  # application number: repeats are resubmissions under one id
        st.integers(0, 24 * 40),  # hours after T0, coarse so instants tie
        st.integers(0, 3),  # identity
        st.sampled_from(["", "p0", "p1", "p2"]),
        st.sampled_from(["", "d0", "d1"]),
        st.sampled_from(["", "e0", "e1"]),
        st.sampled_from(["", "a0", "a1"]),
        st.sampled_from(["f0", "f1", None]),  # None: a form of its own
        st.integers(0, 5).map(lambda i: 300_000 * i) | st.integers(990_000, 1_040_000),  # some within 3 %
    ),
    max_size=25,
)


def _stream(draw: list[tuple[int, int, int, str, str, str, str, str | None, int]], ns: str) -> list[ApplicationKeys]:
    return [
        keys(f"A{n}", hours, f"id{ident}", phone, device, employer, address, form, income, ns=ns)
        for n, hours, ident, phone, device, employer, address, form, income in draw
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draw=applications, windows=st.sampled_from([(1, 7, 30), (3,), (2, 14)]))
def test_property_every_snapshot_equals_the_reference(
    uow: UnitOfWork, draw: list[tuple[int, int, int, str, str, str, str, str | None, int]], windows: tuple[int, ...]
) -> None:
    # One database for every example: a fresh namespace of ids and keys per example keeps them apart.
    stream = _stream(draw, ns=f"x{next(_EXAMPLE)}-")
    if isinstance(uow, MemoryUnitOfWork):
        uow = MemoryUnitOfWork(products)
    decide_all(uow, stream, windows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draw=applications, split=st.integers(0, 25))
def test_property_a_batch_gives_the_snapshots_of_one_by_one(
    uow: UnitOfWork, draw: list[tuple[int, int, int, str, str, str, str, str | None, int]], split: int
) -> None:
    stream = _stream(draw, ns=f"b{next(_EXAMPLE)}-")
    if isinstance(uow, MemoryUnitOfWork):
        uow = MemoryUnitOfWork(products)
    recorded: list[ApplicationKeys] = []
    expected = []
    for k in stream:
        expected.append(reference(recorded, k, WINDOWS, REUSE))
        recorded.append(k)
    with uow:  # two chunks, two transactions: the second sees the first's rows
        first = uow.applications.snapshot_and_record_many(stream[:split], WINDOWS, REUSE)
        uow.commit()
    with uow:
        second = uow.applications.snapshot_and_record_many(stream[split:], WINDOWS, REUSE)
        uow.commit()
    assert first + second == expected


def test_unlocked_history_gives_the_same_snapshots(engine: Engine) -> None:
    """A single writer's history (no lock) counts exactly as the locked one."""
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    assert isinstance(uow.applications, SqlApplicationHistory) and not uow.applications.serialise
    decide_all(uow, _stream([(i % 5, 7 * i, i % 3, "p1", "", "e0", "", None, 1000 * i) for i in range(12)], "s-"))
