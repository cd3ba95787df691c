"""The own-experience options of an ECL run over a data directory, one code path for ``creditloop risk ecl
--own-lgd --own-ccf`` and ``GET /portfolio/ecl?source=data_dir&own_lgd=true&own_ccf=true``.

At the reporting date: the LGD used is the packaged prior, or with ``own_lgd`` the book's own loss experience
blended with it (``own_lgd``); the CCF is the parameter file's, or with ``own_ccf`` the book's own drawdowns before
charge-off blended with it (``own_ccf``; the parameter version gets ``+own-ccf``). The third option, segmenting the
PD by utilisation, is a reading option (``ecl_inputs.read_inputs``) and a flag of ``run.ecl_at``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from creditloop.portfolio.ecl.scenarios import EclParameters


def lgd_used(con: Any, data_dir: Path, day: date, prior: float, own: bool) -> dict[str, Any]:
    """The LGD the ECL multiplies: the packaged prior, or with ``own`` the book's own experience at ``day``
    blended with it (``adapters.analytics.own_lgd``, ``lgd.own_experience``)."""
    from creditloop.adapters.analytics.own_lgd import own_lgd_at
    from creditloop.portfolio.ecl.lgd import FULL_CREDIBILITY_LINES

    if not own:
        return {"lgd": prior, "source": "lending_club"}
    info = own_lgd_at(con, data_dir, day, prior)
    return {**info, "source": "own_experience", "full_credibility_lines": FULL_CREDIBILITY_LINES}


def with_own_experience(
    con: Any, data_dir: Path, day: date, params: EclParameters, lgd_prior: float, *, own_lgd: bool, own_ccf: bool
) -> tuple[EclParameters, dict[str, Any]]:
    """``(parameters, loss)`` at ``day``: the parameters with the CCF used, and the LGD used with its source and,
    as asked, the ``own_lgd`` fields and the ``own_ccf`` block (``app.portfolio_views.loss_parameters`` shows them)."""
    loss = lgd_used(con, data_dir, day, lgd_prior, own_lgd)
    if own_ccf:
        from creditloop.adapters.analytics.own_ccf import own_ccf_at

        drawdown = own_ccf_at(con, data_dir, day, params.ccf)
        params = replace(params, version=f"{params.version}+own-ccf", ccf=drawdown["ccf"])
        loss["own_ccf"] = {k: (str(v) if k in ("ccf", "prior") else v) for k, v in drawdown.items()}
    return params, loss
