"""Pure product calculators: terms as data, schedules, penalty accrual, payment waterfall."""
