"""Credit-record reporting: monthly status codes and payment-history grids."""

from creditloop.reporting.credit_record import (
    CreditRecordMonth,
    history_string,
    metro2_payment_rating,
    monthly_status,
    pboc_code,
)

__all__ = ["CreditRecordMonth", "history_string", "metro2_payment_rating", "monthly_status", "pboc_code"]
