"""The test site's clock: how a browser journey lets a voting window end.

Ballots stay open for days (the charter's `voting_days`), and a page closes what is due only
when `django.utils.timezone.now()` has passed the window's end (the lazy close). The site the
browser tests drive (tests/browser/site_server.py, a process of its own) reads its time through
`install`: the real time plus an offset in seconds kept in a file of its data folder, which only
the tests write (`advance`, `reset`). Nothing of this is in the production code or settings:
`sovet serve` always reads the real clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

CLOCK_FILE = "clock"


def offset(path: Path) -> timedelta:
    """The offset the file at `path` holds (none when the file is missing or empty)."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return timedelta(0)
    return timedelta(seconds=float(text)) if text else timedelta(0)


def install(path: Path) -> None:
    """Make the running process's `timezone.now()` the real time plus `path`'s offset.

    Called once by the site's process, after Django is set up; the offset is read at every
    call, so a test's `advance` takes effect at the site's next request.
    """
    from django.utils import timezone

    real: Callable[[], datetime] = timezone.now

    def now() -> datetime:
        return real() + offset(path)

    timezone.now = now


def advance(path: Path, by: timedelta) -> None:
    """Move the site's clock forward by `by` (the offsets add up)."""
    if by < timedelta(0):
        raise ValueError(f"the site's clock only moves forward, not by {by}")
    total = offset(path) + by
    partial = path.with_suffix(".partial")
    # Written aside and renamed, so the site never reads half a number.
    partial.write_text(f"{total.total_seconds()}\n")
    partial.replace(path)


def reset(path: Path) -> None:
    """Put the site's clock back to the real time (after a journey, for the next test)."""
    path.unlink(missing_ok=True)
