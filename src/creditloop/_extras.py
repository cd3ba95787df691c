"""Optional dependency groups ("extras") and the one clear error raised when a command needs one that is missing.

The ledger service (``creditloop line``/``day-end``/``journal``) needs none of them; the simulator, the reports
and the scoring toolkit do. Each of those packages calls :func:`require_extra` first, so a lean install fails
with a sentence naming the ``pip install`` to run instead of a bare ``ModuleNotFoundError`` from deep inside.
"""

from __future__ import annotations

import importlib

# extra name -> the modules it provides (import names, not distribution names). Kept in step with pyproject.toml.
EXTRAS: dict[str, tuple[str, ...]] = {
    "sim": ("numpy", "pyarrow", "duckdb"),
    "report": ("matplotlib", "pyarrow", "duckdb"),
    "scoring": ("numpy", "pandas", "scipy", "sklearn", "lightgbm", "matplotlib"),
    # Portfolio analytics (issue 17): ibis expressions, run on DuckDB by default or on Spark.
    "analytics": ("ibis", "duckdb", "pyarrow"),
    "spark": ("ibis", "pyspark", "pyarrow"),
    # cryptography: PII encrypted at rest (issue 18); httpx: the consortium's member client too (issue 19)
    "service": ("fastapi", "uvicorn", "cryptography", "httpx"),
}
# Extras made of others (pyproject: demo = creditloop[sim,report]); named only by an explicit require_extra.
COMPOSITES: dict[str, tuple[str, ...]] = {"demo": ("sim", "report")}


def modules_of(extra: str) -> tuple[str, ...]:
    """The import names an extra provides, composites expanded, in order, without repeats."""
    if extra in COMPOSITES:
        return tuple(dict.fromkeys(m for part in COMPOSITES[extra] for m in EXTRAS[part]))
    if extra not in EXTRAS:
        raise ValueError(f"extra: unknown extra {extra!r}; known: {', '.join(sorted([*EXTRAS, *COMPOSITES]))}")
    return EXTRAS[extra]


class MissingExtra(ImportError):
    """A feature's optional dependencies are not installed. The CLI turns this into exit code 2."""

    def __init__(self, extras: tuple[str, ...], module: str) -> None:
        self.extras = extras
        self.module = module
        self.install = " or ".join(f"pip install 'creditloop[{extra}]'" for extra in extras)
        names = "/".join(extras)
        super().__init__(
            f"this command needs the optional '{names}' dependencies (module {module!r} is not installed); "
            f"run: {self.install} / 此命令需要可选依赖 '{names}'（未安装模块 {module}），请运行：{self.install}",
            name=module,
        )


def require_extra(extra: str, *modules: str) -> None:
    """Import ``modules`` (default: every module of ``extra``); raise :class:`MissingExtra` naming the extra
    on the first one that is absent. Importing is what the caller does next anyway, so it costs nothing extra."""
    known = modules_of(extra)
    for module in modules or known:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtra((extra,), module) from exc


def missing_extra(exc: BaseException) -> MissingExtra | None:
    """``exc`` as a :class:`MissingExtra` when it is an import failure of a module some extra provides (a lazy
    import the guards did not cover), else None. Names every extra that provides the module."""
    if isinstance(exc, MissingExtra):
        return exc
    if not isinstance(exc, ImportError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    extras = tuple(extra for extra, modules in EXTRAS.items() if top in modules)
    return MissingExtra(extras, top) if extras else None
