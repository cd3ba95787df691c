"""Champion/challenger: a deterministic split of applications between policy versions (``policies/arms_v1.json``).

An application's arm is a pure function of the split's salt and its id: sha256(salt, NUL, id) read as a
big-endian integer, modulo 10,000 basis points, then the arms' cumulative shares in document order. It needs
no state, so a retry, a replay or another process gives the same arm, and the order in which applications
arrive cannot move anyone. 64 bits of the hash modulo 10,000 has a bias below 1e-15: nothing measurable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Arm:
    name: str  # champion | challenger | ...
    policy: str  # the underwriting policy this arm decides with (packaged name or file)
    share_bps: int


@dataclass(frozen=True, slots=True)
class ArmSplit:
    split_id: str
    version: str
    salt: str
    arms: tuple[Arm, ...]

    def policy_of(self, arm: str) -> str:
        for a in self.arms:
            if a.name == arm:
                return a.policy
        raise ValidationError(f"unknown arm {arm!r}; the split has {', '.join(a.name for a in self.arms)}", field="arm")


def _build_arm(values: dict[str, Any]) -> Arm:
    return Arm(values["name"], values["policy"], values["share_bps"])


def _build_split(values: dict[str, Any]) -> ArmSplit:
    arms: tuple[Arm, ...] = values["arms"]
    names = [a.name for a in arms]
    for i, arm in enumerate(arms):
        if names.count(arm.name) > 1:
            raise ValidationError(f"arms[{i}].name {arm.name!r} is repeated", field=f"arms[{i}].name")
    total = sum(a.share_bps for a in arms)
    if total != BPS:
        raise ValidationError(f"arms share_bps must sum to {BPS}, got {total}", field="arms")
    return ArmSplit(values["split_id"], values["version"], values["salt"], arms)


ARM_SCHEMA: Schema[Arm] = Schema(
    "arm", (Spec("name", "str"), Spec("policy", "str"), Spec("share_bps", "int", lo=0, hi=BPS)), _build_arm
)
SPLIT_SCHEMA: Schema[ArmSplit] = Schema(
    "arm split",
    (
        Spec("split_id", "str"),
        Spec("version", "str"),
        Spec("salt", "str"),
        Spec("arms", "list", lo=1, schema=ARM_SCHEMA),
    ),
    _build_split,
)


def read_split(doc: dict[str, Any]) -> ArmSplit:
    return read_document(doc, SPLIT_SCHEMA)


def load_split(path: str | Path) -> ArmSplit:
    return load_document(path, SPLIT_SCHEMA)


PACKAGED_SPLITS = ("arms_v1", "arms_v2")


@cache
def packaged_split(name: str = "arms_v2") -> ArmSplit:
    """A split shipped with the package, by file name without ``.json`` (``arms_v2``: the default for new
    decisions; ``arms_v1``: the same arms on underwriting_v1 / v2, app-scorecard@1)."""
    if name not in PACKAGED_SPLITS:
        raise ValidationError(
            f"unknown packaged arm split {name!r}; choose one of {', '.join(PACKAGED_SPLITS)}", field="split"
        )
    return packaged_document("creditloop.strategy", f"policies/{name}.json", SPLIT_SCHEMA)


def bucket_bps(salt: str, application_id: str) -> int:
    """The application's place in [0, 10,000): the first 8 bytes of sha256(salt NUL id), modulo 10,000."""
    digest = hashlib.sha256(f"{salt}\x00{application_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BPS


def assign_arm(application_id: str, split: ArmSplit) -> str:
    """The arm an application belongs to (the same every time, in every process)."""
    if not application_id:
        raise ValidationError("application_id must not be empty", field="application_id")
    point = bucket_bps(split.salt, application_id)
    upper = 0
    for arm in split.arms:
        upper += arm.share_bps
        if point < upper:
            return arm.name
    return split.arms[-1].name  # unreachable when shares sum to 10,000 (checked at load)
