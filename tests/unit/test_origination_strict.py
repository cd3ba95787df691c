"""The packaged stricter origination policy declines what the default approves, for the stated reasons."""

from __future__ import annotations

import pytest

from creditloop.core.errors import ValidationError
from creditloop.strategy import ReasonCode, decide, default_policy
from creditloop.strategy.origination import Applicant, packaged_policy


def test_the_strict_policy_declines_a_multi_lender_applicant_the_default_approves() -> None:
    a = Applicant("A-1", 30, 800_000, 320_000, 4)  # DTI 40 %, 4 other lenders
    assert decide(a, default_policy()).approved
    strict = decide(a, packaged_policy("origination_strict_v1"))
    assert not strict.approved
    assert strict.reasons == (ReasonCode.DEBT_TO_INCOME_HIGH, ReasonCode.TOO_MANY_LENDERS)
    assert (strict.policy_id, strict.policy_version) == ("origination-strict", "1")


def test_the_strict_policy_gives_smaller_limits() -> None:
    a = Applicant("A-2", 30, 1_000_000, 0, 0)
    assert decide(a, default_policy()).limit_minor == 1_500_000
    assert decide(a, packaged_policy("origination_strict_v1")).limit_minor == 1_200_000


def test_an_unknown_packaged_policy_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValidationError, match="origination_strict_v1") as exc:
        packaged_policy("origination_v9")
    assert exc.value.field == "policy"
