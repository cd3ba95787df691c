"""Origination policy, limit assignment and reason codes. Pure: no I/O beyond reading policy files."""

from creditloop.strategy.origination import (
    Applicant,
    Decision,
    OriginationPolicy,
    RuleTrace,
    decide,
    default_policy,
    inputs_hash,
    load_policy,
)
from creditloop.strategy.reasons import ReasonCode, reason_text

__all__ = [
    "Applicant",
    "Decision",
    "OriginationPolicy",
    "ReasonCode",
    "RuleTrace",
    "decide",
    "default_policy",
    "inputs_hash",
    "load_policy",
    "reason_text",
]
