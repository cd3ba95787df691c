"""The line's own status: limit changes, freeze, unfreeze and close."""

from __future__ import annotations

from creditloop.core.errors import DomainError
from creditloop.core.money import require_positive
from creditloop.servicing.commands import ChangeLimit, Close, Freeze, LineCommand, Unfreeze
from creditloop.servicing.model import HoldStatus, LineStatus
from creditloop.servicing.state import LineState


def change_limit(line: LineState, cmd: ChangeLimit) -> None:
    require_positive(cmd.limit_minor, "limit_minor")
    if line.status in (LineStatus.CLOSED, LineStatus.CHARGED_OFF):
        raise DomainError(f"line {line.line_id} is {line.status.value}", code="line_not_active")
    line.limit_minor = cmd.limit_minor


def freeze(line: LineState, cmd: Freeze) -> None:
    if line.status is not LineStatus.ACTIVE:
        raise DomainError(f"line {line.line_id} is {line.status.value}, not ACTIVE", code="line_not_active")
    line.status = LineStatus.FROZEN
    line.release_holds()


def unfreeze(line: LineState, cmd: Unfreeze) -> None:
    if line.status is not LineStatus.FROZEN:
        raise DomainError(f"line {line.line_id} is {line.status.value}, not FROZEN", code="line_not_frozen")
    if line.restructured_on is not None:
        raise DomainError("a line under a workout plan stays frozen", code="line_restructured")
    line.status = LineStatus.ACTIVE


def close(line: LineState, cmd: Close) -> None:
    """Close a line that owes nothing and holds no credit or pending authorisation."""
    if line.status in (LineStatus.CLOSED, LineStatus.CHARGED_OFF):
        raise DomainError(f"line {line.line_id} is {line.status.value}", code="line_not_active")
    if line.balance_minor or line.credit_balance_minor or line.principal_minor:
        raise DomainError(
            f"line {line.line_id} still owes {line.balance_minor} and holds credit {line.credit_balance_minor}",
            code="line_not_settled",
        )
    if any(h.status is HoldStatus.ACTIVE for h in line.holds.values()):
        raise DomainError("void or capture the open authorisations first", code="open_authorisations")
    line.status = LineStatus.CLOSED


def through_replay(line: LineState, cmd: LineCommand) -> None:
    """Reversals and undos take effect through the replay, which skips their target."""
