"""Imported first by the package: a lean install (no ``[scoring]`` extra) fails here with one clear sentence."""

from creditloop._extras import require_extra

require_extra("scoring", "numpy", "pandas", "scipy", "sklearn", "lightgbm")
