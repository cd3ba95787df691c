"""Building what DecideApplication decides with: arms, their policies, the check policies and model artifacts
those name, and the products of the price tiers.

A policy names each model by id and version; the artifact is looked up among the files given with ``--model``
and the packaged starter models (``creditloop/models``), and a mismatch is a clear error, never a silent
fallback to another model. A price tier with its own fees is a product of its own, keyed
``{product}+{policy}{version}.{tier}@{version}`` so a line opened on it reloads with the same terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path

from creditloop.app.underwriting import ArmSetup, Underwriting
from creditloop.core.errors import ValidationError
from creditloop.products.terms import Product
from creditloop.scoring.runtime import DecisionModel, load_model
from creditloop.strategy.arms import Arm, ArmSplit, packaged_split
from creditloop.strategy.check_policy import packaged_check_policy
from creditloop.strategy.underwriting_policy import (
    PACKAGED_UNDERWRITING,
    UnderwritingPolicy,
    load_underwriting_policy,
    packaged_underwriting_policy,
)

BUSINESS_TZ = "Asia/Shanghai"
PACKAGED_MODELS = "creditloop.models"
_TIER_PRODUCTS: dict[str, Product] = {}  # every tier product built in this process, by key


@cache
def _packaged_model_files() -> tuple[Path, ...]:
    root = resources.files(PACKAGED_MODELS)
    return tuple(sorted(Path(str(item)) for item in root.iterdir() if item.name.endswith(".json")))


@cache
def _cached_model(path: str, mtime_ns: int, size: int) -> DecisionModel:
    return load_model(path)


def _load(path: Path) -> DecisionModel:
    stat = path.stat()
    return _cached_model(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def find_model(model_id: str, version: str, files: Sequence[Path]) -> DecisionModel:
    """The artifact with this id and version among ``files``, then the packaged ones."""
    seen: list[str] = []
    for path in files:
        if not path.is_file():
            raise ValidationError(f"model file {path} does not exist", field="model")
    for path in [*files, *_packaged_model_files()]:
        model = _load(path)
        if model.model_id == model_id and model.model_version == version:
            return model
        seen.append(f"{model.model_id}@{model.model_version}")
    raise ValidationError(
        f"the policy names model {model_id}@{version}, not among the model files ({', '.join(seen) or 'none'})",
        field="model",
    )


def tier_products(policy: UnderwritingPolicy) -> dict[str, Product]:
    """Price tier id -> the product a line of that tier opens on (registered for reloading lines)."""
    out: dict[str, Product] = {}
    for tier in policy.price_tiers:
        product = tier.terms()
        if tier.fees:
            product = replace(
                product, product_id=f"{product.product_id}+{policy.policy_id}{policy.version}.{tier.tier_id}"
            )
        _TIER_PRODUCTS.setdefault(product.key, product)
        out[tier.tier_id] = product
    return out


def tier_product(key: str) -> Product | None:
    """A tier product by key, from the packaged policies or any policy loaded in this process."""
    if key not in _TIER_PRODUCTS:
        for name in PACKAGED_UNDERWRITING:
            tier_products(packaged_underwriting_policy(name))
    return _TIER_PRODUCTS.get(key)


def arm_setup(policy: UnderwritingPolicy, model_files: Sequence[Path]) -> ArmSetup:
    model = None
    if policy.models:
        ref = policy.models[0]
        model = find_model(ref.model_id, ref.version, model_files)
    return ArmSetup(policy, packaged_check_policy(policy.check_policy), model, tier_products(policy))


def _policy(name_or_file: str) -> UnderwritingPolicy:
    if name_or_file in PACKAGED_UNDERWRITING:
        return packaged_underwriting_policy(name_or_file)
    path = Path(name_or_file)
    if path.suffix == ".json" or path.is_file():
        return load_underwriting_policy(path)
    return packaged_underwriting_policy(name_or_file)  # an unknown name: its error lists the packaged ones


def build_underwriting(policy: str | None, model_files: Sequence[Path]) -> Underwriting:
    """One policy for every application (``policy``: a packaged name or a file), or the packaged arms."""
    if policy is not None:
        chosen = _policy(policy)
        split = ArmSplit("single", "1", "", (Arm("champion", policy, 10_000),))
        return Underwriting(split, {"champion": arm_setup(chosen, model_files)})
    split = packaged_split("arms_v2")
    return Underwriting(split, {arm.name: arm_setup(_policy(arm.policy), model_files) for arm in split.arms})


@cache
def default_underwriting() -> Underwriting:
    return build_underwriting(None, ())


def setup_for(
    policy_id: str,
    version: str,
    model_id: str | None,
    model_version: str | None,
    model_files: Sequence[Path],
    policy_files: Sequence[Path] = (),
) -> ArmSetup:
    """The setup a stored decision was made with: the policy of that id and version (among ``policy_files``,
    then the packaged ones: a decision made with ``--policy FILE`` is replayed with that file), and its model."""
    candidates = [load_underwriting_policy(p) for p in policy_files]
    candidates += [packaged_underwriting_policy(name) for name in PACKAGED_UNDERWRITING]
    for candidate in candidates:
        if candidate.policy_id == policy_id and candidate.version == version:
            setup = arm_setup(candidate, model_files)
            if model_id is not None and (setup.model is None or setup.model.model_version != model_version):
                setup = replace(setup, model=find_model(model_id, model_version or "", model_files))
            return setup
    raise ValidationError(
        f"the decision was made under policy {policy_id}@{version}, which is neither packaged nor among the "
        "--policy files given",
        field="policy",
    )
