"""Credit-record reporting: monthly status codes, payment-history grids, retention and repair rules."""

from creditloop.reporting.credit_record import (
    CreditRecordMonth,
    history_string,
    metro2_payment_rating,
    monthly_status,
    pboc_code,
)
from creditloop.reporting.status_codes import (
    CARD_CLASSES,
    PBOC_CODES,
    Ending,
    MonthFacts,
    card_class,
    m_bucket,
    metro2_account_status,
    metro2_rating,
    pboc_status,
)

__all__ = [
    "CARD_CLASSES",
    "PBOC_CODES",
    "CreditRecordMonth",
    "Ending",
    "MonthFacts",
    "card_class",
    "history_string",
    "m_bucket",
    "metro2_account_status",
    "metro2_payment_rating",
    "metro2_rating",
    "monthly_status",
    "pboc_code",
    "pboc_status",
]
