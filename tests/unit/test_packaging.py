"""Packaging stays lean and reproducible: the core install names no optional dependency, constraints.txt pins
every declared dependency within its bounds, creditloop/_extras.py agrees with pyproject's extras, LICENSE is
Apache-2.0's full text."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from creditloop._extras import COMPOSITES, EXTRAS

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Import name -> distribution name, where they differ.
DISTRIBUTION = {"sklearn": "scikit-learn", "ibis": "ibis-framework"}
# Extras not installed in the development venv (nothing in src/ imports them).
NOT_PINNED = {"bench"}


def requirements(extra: str | None = None) -> list[Requirement]:
    raw = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return [Requirement(r) for r in raw]


def pins() -> dict[str, Version]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[canonicalize_name(name)] = Version(version)
    return found


def test_the_core_install_names_no_optional_dependency() -> None:
    core = {canonicalize_name(r.name) for r in requirements()}
    heavy = {canonicalize_name(DISTRIBUTION.get(m, m)) for modules in EXTRAS.values() for m in modules}
    assert core.isdisjoint(heavy), sorted(core & heavy)
    assert {"sqlalchemy", "alembic", "typer", "click"} <= core


def test_known_broken_lower_bounds_are_raised() -> None:
    typer = next(r for r in requirements() if r.name == "typer")
    assert not typer.specifier.contains("0.12.0") and typer.specifier.contains("0.12.5")
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    setuptools = next(Requirement(r) for r in build if r.startswith("setuptools"))
    assert not setuptools.specifier.contains("76.1") and setuptools.specifier.contains("77.0")


def test_constraints_pin_every_declared_dependency_within_its_bounds() -> None:
    pinned = pins()
    extras = [e for e in PROJECT["optional-dependencies"] if e not in NOT_PINNED]
    for req in [*requirements(), *(r for e in extras for r in requirements(e))]:
        if canonicalize_name(req.name) == "creditloop":
            continue  # a composite extra (demo, all) naming other extras
        name = canonicalize_name(req.name)
        assert name in pinned, f"constraints.txt: {req.name} is declared but not pinned"
        assert req.specifier.contains(pinned[name]), f"constraints.txt: {req.name}=={pinned[name]} breaks {req}"


def test_the_extras_guard_agrees_with_pyproject() -> None:
    optional = PROJECT["optional-dependencies"]
    for extra, modules in EXTRAS.items():
        declared = {canonicalize_name(Requirement(r).name) for r in optional[extra]}
        for module in modules:
            assert canonicalize_name(DISTRIBUTION.get(module, module)) in declared, (extra, module)
    for extra, parts in COMPOSITES.items():
        (req,) = optional[extra]
        assert Requirement(req).extras == set(parts)
    (everything,) = optional["all"]
    assert set(EXTRAS) <= Requirement(everything).extras


def test_the_licence_is_the_apache_2_0_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["license"] == "Apache-2.0" and PROJECT["license-files"] == ["LICENSE"]
    assert re.search(r"Apache License\s+Version 2\.0, January 2004", text)
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) > 150
