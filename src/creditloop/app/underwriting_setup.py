"""Building what DecideApplication decides with: arms, their policies, the check policies and model artifacts
those name. A policy names each model by id and version; the artifact is looked up among the files given with
``--model`` and the packaged starter models (``creditloop/models``), and a mismatch is a clear error, never a
silent fallback to another model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path

from creditloop.app.underwriting import ArmSetup, Underwriting
from creditloop.core.errors import ValidationError
from creditloop.products.catalog import catalog_product
from creditloop.scoring.runtime import DecisionModel, load_model
from creditloop.strategy.arms import ArmSplit, packaged_arms, single_arm
from creditloop.strategy.checks import packaged_check_policy
from creditloop.strategy.underwriting_policy import (
    UnderwritingPolicy,
    load_underwriting_policy,
    packaged_underwriting_policy,
)

BUSINESS_TZ = "Asia/Shanghai"
PACKAGED_MODELS = "creditloop.models"


@cache
def _packaged_model_files() -> tuple[Path, ...]:
    root = resources.files(PACKAGED_MODELS)
    return tuple(sorted(Path(str(item)) for item in root.iterdir() if item.name.endswith(".json")))


def _load(path: Path) -> DecisionModel:
    return _cached_model(str(path), path.stat().st_mtime_ns, path.stat().st_size)


@cache
def _cached_model(path: str, mtime_ns: int, size: int) -> DecisionModel:
    return load_model(path)


def find_model(model_id: str, version: str, files: Sequence[Path]) -> DecisionModel:
    """The artifact with this id and version among ``files`` then the packaged ones."""
    seen: list[str] = []
    for path in [*files, *_packaged_model_files()]:
        if not path.is_file():
            raise ValidationError(f"model file {path} does not exist", field="model")
        model = _load(path)
        if model.model_id == model_id and model.model_version == version:
            return model
        seen.append(f"{model.model_id}@{model.model_version}")
    raise ValidationError(
        f"the policy names model {model_id}@{version}, not among the model files ({', '.join(seen) or 'none'})",
        field="model",
    )


def arm_setup(policy: UnderwritingPolicy, model_files: Sequence[Path]) -> ArmSetup:
    model = None
    if policy.models:
        ref = policy.models[0]
        model = find_model(ref.model_id, ref.version, model_files)
    return ArmSetup(policy, packaged_check_policy(policy.check_policy), model)


def _policy(name_or_file: str) -> UnderwritingPolicy:
    path = Path(name_or_file)
    if name_or_file.endswith(".json") or path.is_file():
        return load_underwriting_policy(path)
    return packaged_underwriting_policy(name_or_file)


def build_underwriting(policy: str | None, model_files: Sequence[Path]) -> Underwriting:
    """One policy for every application (``policy`` a packaged name or a file), or the packaged arms."""
    if policy is not None:
        chosen = _policy(policy)
        split: ArmSplit = single_arm(chosen.policy_id, chosen.version)
        setups = {split.arms[0].name: arm_setup(chosen, model_files)}
    else:
        split = packaged_arms("arms_v1")
        setups = {arm.name: arm_setup(_policy(arm.policy), model_files) for arm in split.arms}
    products = {s.policy.price_tier_product(t): catalog_product(t) for s in setups.values() for t in ()}
    return replace(Underwriting(split, setups), products=products)


@cache
def default_underwriting() -> Underwriting:
    return build_underwriting(None, ())


def setup_for(
    policy_id: str, version: str, model_id: str | None, model_version: str | None, model_files: Sequence[Path]
) -> ArmSetup:
    """The setup a stored decision was made with: the packaged policy of that id and version (or a file given as a
    model-like --policy is not needed: policies are versioned documents shipped with the code)."""
    policy = packaged_underwriting_policy_by_id(policy_id, version)
    setup = arm_setup(policy, model_files)
    if model_id is not None and (setup.model is None or setup.model.model_version != model_version):
        setup = replace(setup, model=find_model(model_id, model_version or "", model_files))
    return setup


def packaged_underwriting_policy_by_id(policy_id: str, version: str) -> UnderwritingPolicy:
    for name in ("underwriting_v1", "underwriting_v2"):
        candidate = packaged_underwriting_policy(name)
        if candidate.policy_id == policy_id and candidate.version == version:
            return candidate
    raise ValidationError(f"no packaged underwriting policy {policy_id}@{version}", field="policy")
