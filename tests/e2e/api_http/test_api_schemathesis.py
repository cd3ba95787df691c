"""Schemathesis against the published OpenAPI (issue 18, item 4): generated requests over every operation, valid
and invalid (schemathesis' positive and negative modes), with an admin key, a customer's key (other customers'
data must stay hidden) and without a key, on the demo book.

Every response must be a documented status with its documented media type and schema (errors: problem+json), never
a 5xx; invalid input must be refused. Hypothesis is derandomised: the same requests on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from creditloop.app.views import verify_journal  # noqa: E402

from .conftest import Api, make_api  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12  # per operation and mode; each example is sent three times (admin key, customer key, no key)
V1 = "/api/v1"
KNOWN = {"line_id": ["L-DEMO-1", "L-DEMO-2", "L-DEMO-5"], "customer_id": ["C-DEMO-1", "C-DEMO-4"]}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(tmp_path_factory.mktemp("fuzz"))
    with made.client:
        yield made


def _cases(operation: Any, mode: GenerationMode) -> Any:
    """Half the cases on the demo book's own ids (so commands reach the domain), half on generated ones."""
    names = {p.name for p in operation.path_parameters}
    known = {n: st.sampled_from(v) for n, v in KNOWN.items() if n in names}
    if not known:
        return operation.as_strategy(generation_mode=mode)
    fixed = st.fixed_dictionaries(known).flatmap(
        lambda ids: operation.as_strategy(generation_mode=mode, path_parameters=ids)
    )
    return st.one_of(operation.as_strategy(generation_mode=mode), fixed)


def _fuzz(operation: Any, mode: GenerationMode, auths: list[dict[str, str]], sent: Counter[str],
          statuses: Counter[int]) -> None:  # fmt: skip
    """EXAMPLES generated cases of one operation in one mode, each sent with every one of ``auths``."""
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @given(case=_cases(operation, mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case: Any) -> None:
        for auth in auths:
            headers = {**auth}
            if auth and "If-Match" not in (case.headers or {}):
                headers["If-Match"] = "*"  # let valid commands through to the domain
            response = case.call(headers=headers)
            sent[operation.label] += 1
            statuses[response.status_code] += 1
            assert response.status_code < 500, (operation.label, response.status_code, response.text)
            case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body): /health, /me
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_generated_requests_never_fail_the_server_or_the_schema(fuzzed: Api) -> None:
    schema = schemathesis.openapi.from_asgi(f"{V1}/openapi.json", fuzzed.app)
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    admin = {"Authorization": f"Bearer {fuzzed.keys['admin']}"}
    customer = {"X-API-Key": fuzzed.keys["customer"]}  # bound to C-DEMO-1: other customers' ids are 404
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(result.ok(), mode, [admin, customer, {}], sent, statuses)
    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(sent)} operations; statuses {dict(sorted(statuses.items()))}")
    assert total >= 1000
    assert len(sent) == len(list(schema.get_all_operations()))
    assert statuses[401] > 0 and any(200 <= s < 300 for s in statuses)
    assert fuzzed.be.read(verify_journal).ok
