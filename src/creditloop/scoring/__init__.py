"""Credit scoring toolkit: optimal binning and WoE/IV, variable selection, points scorecards with bilingual
reason codes, LightGBM with monotone constraints and contribution-based reasons, validation, stability
monitoring and a versioned JSON model file. The HTML validation report (charts) is an adapter:
:func:`creditloop.adapters.report.validation_report.render_validation_report`.

Everything a caller needs is importable from here::

    from creditloop.scoring import BinningProcess, Scorecard, save_scorecard, load_scorecard, validate

The names load on first use (PEP 562), so that the decision-time runtime (:mod:`creditloop.scoring.runtime`,
plain Python) is importable on a lean install without the ``[scoring]`` extra; the first use of any name
below checks the extra and fails with one clear sentence (:class:`creditloop._extras.MissingExtra`) when it
is missing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from creditloop.scoring._checks import PROTECTED_TOKENS, binary_target, protected_columns
    from creditloop.scoring._identifiers import Identifier, identifier_columns
    from creditloop.scoring.artifact import (
        FORMAT_VERSION,
        load_scorecard,
        save_scorecard,
        scorecard_from_json,
        scorecard_to_json,
    )
    from creditloop.scoring.binning import BinningProcess, VariableBinning, woe_from_counts
    from creditloop.scoring.exceptions import (
        BadValueWarning,
        DegenerateColumnWarning,
        IdentifierWarning,
        ProtectedAttributeWarning,
        ScoringWarning,
        UnseenCategoryWarning,
    )
    from creditloop.scoring.gbm import GBMScorer, monotone_signs
    from creditloop.scoring.metrics import (
        ValidationResult,
        bootstrap_ci,
        calibration_table,
        compare_models,
        gains_table,
        gini,
        ks_statistic,
        out_of_time_split,
        roc_auc,
        validate,
    )
    from creditloop.scoring.monitoring import (
        csi,
        performance_decay,
        psi,
        psi_by_period,
        psi_from_counts,
        score_drift,
        stability_label,
    )
    from creditloop.scoring.reasons import ReasonText, describe
    from creditloop.scoring.scorecard import Characteristic, Scorecard, data_fingerprint
    from creditloop.scoring.selection import iv_strength, select_features, vif

# public name -> the module that defines it (every name of __all__)
_WHERE: dict[str, str] = {
    "PROTECTED_TOKENS": "creditloop.scoring._checks",
    "binary_target": "creditloop.scoring._checks",
    "protected_columns": "creditloop.scoring._checks",
    "Identifier": "creditloop.scoring._identifiers",
    "identifier_columns": "creditloop.scoring._identifiers",
    "FORMAT_VERSION": "creditloop.scoring.artifact",
    "load_scorecard": "creditloop.scoring.artifact",
    "save_scorecard": "creditloop.scoring.artifact",
    "scorecard_from_json": "creditloop.scoring.artifact",
    "scorecard_to_json": "creditloop.scoring.artifact",
    "BinningProcess": "creditloop.scoring.binning",
    "VariableBinning": "creditloop.scoring.binning",
    "woe_from_counts": "creditloop.scoring.binning",
    "BadValueWarning": "creditloop.scoring.exceptions",
    "DegenerateColumnWarning": "creditloop.scoring.exceptions",
    "IdentifierWarning": "creditloop.scoring.exceptions",
    "ProtectedAttributeWarning": "creditloop.scoring.exceptions",
    "ScoringWarning": "creditloop.scoring.exceptions",
    "UnseenCategoryWarning": "creditloop.scoring.exceptions",
    "GBMScorer": "creditloop.scoring.gbm",
    "monotone_signs": "creditloop.scoring.gbm",
    "ValidationResult": "creditloop.scoring.metrics",
    "bootstrap_ci": "creditloop.scoring.metrics",
    "calibration_table": "creditloop.scoring.metrics",
    "compare_models": "creditloop.scoring.metrics",
    "gains_table": "creditloop.scoring.metrics",
    "gini": "creditloop.scoring.metrics",
    "ks_statistic": "creditloop.scoring.metrics",
    "out_of_time_split": "creditloop.scoring.metrics",
    "roc_auc": "creditloop.scoring.metrics",
    "validate": "creditloop.scoring.metrics",
    "csi": "creditloop.scoring.monitoring",
    "performance_decay": "creditloop.scoring.monitoring",
    "psi": "creditloop.scoring.monitoring",
    "psi_by_period": "creditloop.scoring.monitoring",
    "psi_from_counts": "creditloop.scoring.monitoring",
    "score_drift": "creditloop.scoring.monitoring",
    "stability_label": "creditloop.scoring.monitoring",
    "ReasonText": "creditloop.scoring.reasons",
    "describe": "creditloop.scoring.reasons",
    "Characteristic": "creditloop.scoring.scorecard",
    "Scorecard": "creditloop.scoring.scorecard",
    "data_fingerprint": "creditloop.scoring.scorecard",
    "iv_strength": "creditloop.scoring.selection",
    "select_features": "creditloop.scoring.selection",
    "vif": "creditloop.scoring.selection",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use, after checking the [scoring] extra (the lean install fails here)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from creditloop.scoring import _requires  # noqa: F401  (names the missing extra)

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "FORMAT_VERSION",
    "PROTECTED_TOKENS",
    "BadValueWarning",
    "BinningProcess",
    "Characteristic",
    "DegenerateColumnWarning",
    "GBMScorer",
    "Identifier",
    "IdentifierWarning",
    "ProtectedAttributeWarning",
    "ReasonText",
    "Scorecard",
    "ScoringWarning",
    "UnseenCategoryWarning",
    "ValidationResult",
    "VariableBinning",
    "binary_target",
    "bootstrap_ci",
    "calibration_table",
    "compare_models",
    "csi",
    "data_fingerprint",
    "describe",
    "gains_table",
    "gini",
    "identifier_columns",
    "iv_strength",
    "ks_statistic",
    "load_scorecard",
    "monotone_signs",
    "out_of_time_split",
    "performance_decay",
    "protected_columns",
    "psi",
    "psi_by_period",
    "psi_from_counts",
    "roc_auc",
    "save_scorecard",
    "score_drift",
    "scorecard_from_json",
    "scorecard_to_json",
    "select_features",
    "stability_label",
    "validate",
    "vif",
    "woe_from_counts",
]
