"""The batch path (``DecideApplications``) against deciding one by one: same results, same stored bytes.

Hypothesis draws a stream of applications over a small pool of people, phones, devices and employers (so the
velocity, reuse and duplicate checks fire), with retries of earlier forms and other forms under decided ids,
cut into chunks. The stream is decided twice on fresh databases — one ``DecideApplication`` at a time, and one
``DecideApplications`` per chunk — and every output and every stored row must be equal, byte for byte.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.underwriting import Underwriting, canonical, decision_document
from creditloop.app.underwriting_setup import build_underwriting
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.core.errors import CreditloopError
from creditloop.scoring.runtime import DecisionModel, ModelScore
from creditloop.strategy.application import ApplicationForm

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
TABLES = {
    "application_history": "application_id",
    "underwriting_decisions": "decision_id",
    "audit_decisions": "decision_id",
    "credit_lines": "line_id",
}
START = datetime(2026, 3, 2, 9, 0)


def resident_id(birth: date, seq: int) -> str:
    body = f"330106{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def make_form(i: int, person: int, phone: int, device: int, employer: int, income: int, minutes: int) -> Any:
    birth = date(1980, 1, 1) + timedelta(days=400 * person)
    return ApplicationForm.model_validate(
        {
            "application_id": f"APP-{i:04d}",
            "applied_at": (START + timedelta(minutes=minutes)).isoformat() + "+08:00",
            "channel": "app",
            "name": "测试用户",
            "id_number": resident_id(birth, person),
            "birth_date": birth.isoformat(),
            "phone": f"1390000{phone:04d}",
            "device_id": f"device-{device}",
            "city": "杭州",
            "city_tier": 2,
            "employer": f"杭州某某科技有限公司{employer}",
            "sector": "technology",
            "monthly_income": f"{income}.00",
            "monthly_debt_payments": "0.00",
            "other_lenders": 0,
            "requested_limit": "6000.00",
            "consent_bureau": True,
            "consent_sharing": True,
            "verified_income": f"{income}.00" if person % 2 else None,
        }
    )


@st.composite
def streams(draw: Any) -> list[list[ApplicationForm]]:
    """Chunks of forms, mostly new applications in time order, some retries and some conflicting resubmissions."""
    forms: list[ApplicationForm] = []
    minutes = 0
    for i in range(draw(st.integers(1, 24))):
        kind = draw(st.sampled_from(["new"] * 6 + ["retry", "conflict"])) if forms else "new"
        if kind == "new":
            minutes += draw(st.integers(0, 60 * 24 * 3))
            pool = st.integers(0, 3)
            income = draw(st.sampled_from([6000, 9000, 18000, 40000]))
            forms.append(make_form(i, draw(pool), draw(pool), draw(pool), draw(st.integers(0, 1)), income, minutes))
        else:
            earlier = draw(st.sampled_from(forms))
            forms.append(earlier if kind == "retry" else earlier.model_copy(update={"phone": "13900009999"}))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(forms) - 1)), max_size=4)))
    bounds = [0, *cuts, len(forms)]
    return [forms[a:b] for a, b in itertools.pairwise(bounds) if forms[a:b]]


class Refusing:
    """A model that gives an impossible PD for one stated income: the decision refuses that row after its
    velocity snapshot (the batch must take the chunk's later history rows back and decide them alone)."""

    def __init__(self, inner: DecisionModel, income_yuan: float) -> None:
        self._inner = inner
        self.model_id, self.model_version = inner.model_id, inner.model_version
        self._income = income_yuan

    @property
    def features(self) -> tuple[str, ...]:
        return self._inner.features

    def score_one(self, row: Mapping[str, object]) -> ModelScore:
        score = self._inner.score_one(row)
        return replace(score, pd=1.5) if row["monthly_income_yuan"] == self._income else score


def refusing_underwriting(income_yuan: float) -> Underwriting:
    base = build_underwriting(None, ())
    arms = {
        name: replace(arm, model=Refusing(arm.model, income_yuan) if arm.model else None)
        for name, arm in base.arms.items()
    }
    return replace(base, arms=arms)


@contextmanager
def fresh_engine(kind: str, root: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        eng = make_engine(sqlite_url(root / uuid.uuid4().hex))
        migrate(eng)
        try:
            yield eng
        finally:
            eng.dispose()
        return
    url = os.environ.get("CREDITLOOP_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need CREDITLOOP_TEST_POSTGRES_URL")
    schema = f"cl_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    eng = make_engine(url, schema=schema)
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def outcome(result: object) -> str:
    if isinstance(result, CreditloopError):
        return f"{type(result).__name__}:{result.code}:{result.field}:{result.message}"
    return canonical(decision_document(result))  # type: ignore[arg-type]


def run(engine: Engine, chunks: list[list[ApplicationForm]], underwriting: Underwriting, batch: bool) -> list[str]:
    policies = replace(default_policies(), underwriting=underwriting)
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    out: list[str] = []
    for chunk in chunks:
        cmds = tuple(c.DecideApplication(f, customer_id=f.application_id) for f in chunk)
        with bus.batch():
            if batch:
                out += [outcome(r) for r in bus.handle(c.DecideApplications(cmds))]
                continue
            for cmd in cmds:
                try:
                    out.append(outcome(bus.handle(cmd)))
                except CreditloopError as exc:
                    out.append(outcome(exc))
    return out


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY {k}")] for t, k in TABLES.items()
        }


def assert_same(kind: str, root: Path, chunks: list[list[ApplicationForm]], underwriting: Underwriting) -> None:
    with fresh_engine(kind, root) as one, fresh_engine(kind, root) as many:
        assert run(many, chunks, underwriting, batch=True) == run(one, chunks, underwriting, batch=False)
        assert stored(many) == stored(one)


KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=streams())
def test_batch_decides_and_stores_exactly_what_one_by_one_does(kind: str, tmp_path: Path, chunks: Any) -> None:
    assert_same(kind, tmp_path, chunks, build_underwriting(None, ()))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=streams())
def test_a_row_refused_after_its_snapshot_writes_nothing_and_later_rows_do_not_see_it(
    kind: str, tmp_path: Path, chunks: Any
) -> None:
    assert_same(kind, tmp_path, chunks, refusing_underwriting(9000.0))


@pytest.mark.parametrize("kind", KINDS)
def test_refused_rows_in_a_chunk_are_errors_and_the_rest_is_decided(kind: str, tmp_path: Path) -> None:
    forms = [make_form(i, i % 3, i % 2, i, 0, (9000, 18000)[i % 2], 60 * i) for i in range(10)]
    with fresh_engine(kind, tmp_path) as eng:
        results = run(eng, [forms], refusing_underwriting(9000.0), batch=True)
        rows = stored(eng)
    refused = [r for r in results if r.startswith("ValidationError")]
    assert len(refused) == 5
    recorded = {r[0] for r in rows["application_history"]}
    assert recorded == {f.application_id for f in forms if f.monthly_income == 1_800_000}
    assert len(rows["underwriting_decisions"]) == len(rows["audit_decisions"]) == 5


def test_the_memory_unit_of_work_decides_a_chunk_one_by_one() -> None:
    from creditloop.bootstrap import build_memory

    forms = [make_form(i, i % 3, i % 2, i % 4, 0, 18000, 90 * i) for i in range(8)]
    forms.append(forms[2].model_copy(update={"phone": "13900009999"}))  # another form under a decided id
    cmds = tuple(c.DecideApplication(f, customer_id=f.application_id) for f in forms)
    many, one = build_memory().bus, build_memory().bus
    with many.batch():
        batch = [outcome(r) for r in many.handle(c.DecideApplications(cmds))]
    alone = []
    for cmd in cmds:
        try:
            alone.append(outcome(one.handle(cmd)))
        except CreditloopError as exc:
            alone.append(outcome(exc))
    assert batch == alone
    assert batch[-1].startswith("IdempotencyConflict")
