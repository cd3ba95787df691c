"""Credit-line servicing: the CreditLine aggregate, plans, statements, delinquency, restructuring."""
