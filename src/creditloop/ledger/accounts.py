"""Chart of accounts (beancount-style names). Debit-normal: assets and expenses."""

from __future__ import annotations

from enum import StrEnum


class Account(StrEnum):
    RECEIVABLE_PRINCIPAL = "Assets:Receivable:Principal"
    RECEIVABLE_FEE = "Assets:Receivable:InstallmentFee"
    RECEIVABLE_PENALTY = "Assets:Receivable:Penalty"
    RECEIVABLE_INTEREST = "Assets:Receivable:Interest"
    CASH_CLEARING = "Assets:Cash:Clearing"
    ALLOWANCE_ECL = "Assets:Allowance:ECL"
    MERCHANT_PAYABLE = "Liabilities:MerchantPayable"
    CUSTOMER_CREDIT = "Liabilities:CustomerCredit"
    INCOME_FEE = "Income:InstallmentFee"
    INCOME_PENALTY = "Income:Penalty"
    INCOME_INTEREST = "Income:Interest"
    INCOME_MERCHANT_DISCOUNT = "Income:MerchantDiscount"
    INCOME_RECOVERIES = "Income:Recoveries"
    EXPENSE_CREDIT_LOSS = "Expenses:CreditLoss"
    EXPENSE_CONCESSIONS = "Expenses:Concessions"
    EXPENSE_IMPAIRMENT = "Expenses:Impairment:ECL"  # the allowance's monthly remeasurement (IFRS 9 5.5.8)


# Receivable control accounts whose balance must equal the sum of the per-line sub-ledgers.
CONTROL_ACCOUNTS: tuple[Account, ...] = (
    Account.RECEIVABLE_PRINCIPAL,
    Account.RECEIVABLE_FEE,
    Account.RECEIVABLE_PENALTY,
    Account.RECEIVABLE_INTEREST,
    Account.CUSTOMER_CREDIT,
)
