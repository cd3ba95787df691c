"""The public registry of command handlers: which part of the aggregate applies each typed command.

``CreditLine.execute`` looks a command's handler up here by its type; replays, previews and restructures go
through the same door, so no part calls another's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from creditloop.servicing import commands as c
from creditloop.servicing import holds, lifecycle, plans, settlement, waterfall, workouts
from creditloop.servicing.state import LineState

# A handler takes the line's state and one command of the type it is registered for (hence Any here: each
# handler's own signature names its command type), validates, changes the state and returns the command's answer.
Handler = Callable[[LineState, Any], object]

HANDLERS: dict[type[c.LineCommand], Handler] = {
    c.Purchase: plans.purchase,
    c.Authorise: holds.authorise,
    c.Capture: holds.capture,
    c.Void: holds.void,
    c.Refund: plans.refund,
    c.Repay: settlement.repay,  # waterfall.repay, then counted toward an open settlement offer
    c.RefundCredit: waterfall.refund_credit,
    c.ChangeLimit: lifecycle.change_limit,
    c.Freeze: lifecycle.freeze,
    c.Unfreeze: lifecycle.unfreeze,
    c.Close: lifecycle.close,
    c.ReversePayment: lifecycle.through_replay,
    c.ReturnPayment: plans.return_payment,
    c.Undo: lifecycle.through_replay,
    c.TermExtension: workouts.term_extension,
    c.Reage: workouts.reage,
    c.Reamortise: workouts.reamortise,
    c.FeeReduction: workouts.fee_reduction,
    c.PenaltyWaiver: workouts.penalty_waiver,
    c.PaymentHoliday: workouts.payment_holiday,
    c.Settlement: settlement.offer,
}

# Commands that never reopen a settled installment (they add plans, pay, or leave installments alone), so the
# plans' settled cursors (``model.open_part``) stay valid across them; every other command resets the cursors.
KEEP_CURSORS: frozenset[type[c.LineCommand]] = frozenset(
    {c.Purchase, c.Capture, c.Repay, c.Authorise, c.Void, c.ChangeLimit, c.Freeze, c.Unfreeze}
)


def handler_for(command: c.LineCommand) -> Handler:
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"no handler registered for {type(command).__name__}")
    return handler
