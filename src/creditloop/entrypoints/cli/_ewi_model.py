"""Which behaviour-score file an ``ewi`` command uses: ``--model FILE``, ``--model none`` (no score: the score rules
stay silent, a null indicator never fires), or by default the packaged ``creditloop/models/behaviour_score_v1.json``
(``tools/train_behaviour_model.py``), so the score rule fires out of the box."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGED_BEHAVIOUR_MODEL = "behaviour_score_v1.json"
NO_MODEL = "none"


def packaged_behaviour_model() -> Path:
    """The packaged behaviour score (model ``behaviour-score@1``)."""
    return Path(str(resources.files("creditloop.models").joinpath(PACKAGED_BEHAVIOUR_MODEL)))


def behaviour_model_path(option: str | None) -> Path | None:
    """The file ``--model`` names, None for ``none``, the packaged model when the option is absent."""
    if option is None:
        return packaged_behaviour_model()
    return None if option.strip().lower() == NO_MODEL else Path(option)
