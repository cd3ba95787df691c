"""A change to one line guarded by a check of the line as it stands, in one unit of work (issue 18, item 4).

The REST API checks ``If-Match`` (the line's ETag) and ownership, then sends the command. Done as separate units
of work, another request could change the line between the check and the command; here the check, the command
and the view after it are one transaction. On PostgreSQL the first read locks the line's row (``SELECT ... FOR
UPDATE``), so concurrent changes of one line queue there; on SQLite the optimistic version check at commit refuses
a line changed underneath (``ConcurrencyConflict``) and the caller retries the whole step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from creditloop.app.bus import MessageBus
from creditloop.app.views import LineView, line_view, recorded_on

# guard(line as it stands, the date the command id was first recorded with or None) -> the command's business date
Guard = Callable[[LineView, "date | None"], date]


def change_line(
    bus: MessageBus, line_id: str, command_id: str, guard: Guard, make: Callable[[date], object]
) -> tuple[Any, LineView]:
    """Run ``guard`` on the line (it raises to refuse), send ``make(day)`` and return the result and the line's
    view after it, all in one transaction (committed only if everything succeeds)."""
    with bus.batch():
        line = bus.uow.lines.get(line_id)
        day = guard(line_view(line), recorded_on(line, command_id))
        result = bus.handle(make(day))
        after = line_view(bus.uow.lines.get(line_id))
    return result, after
