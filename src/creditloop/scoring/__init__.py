"""Credit scoring toolkit: optimal binning and WoE/IV, variable selection, points scorecards with bilingual
reason codes, LightGBM with monotone constraints and contribution-based reasons, validation, stability
monitoring and a versioned JSON model file. The HTML validation report (charts) is an adapter:
:func:`creditloop.adapters.report.validation_report.render_validation_report`.

Everything a caller needs is importable from here::

    from creditloop.scoring import BinningProcess, Scorecard, save_scorecard, load_scorecard, validate
"""

from creditloop.scoring import _requires  # noqa: F401  (first: names the missing extra)
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
