"""creditloop — the risk side of consumer credit lines with installment products."""

__version__ = "0.1.0"
