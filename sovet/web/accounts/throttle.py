"""The seam for log-in throttling (issue 5 fills it: per account and per address).

`login_permitted` is asked before a password is checked, and `login_failed` is told of each
failure; the log-in form calls both. Today every attempt is permitted: nothing is counted yet.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LoginThrottled(ValidationError):
    """Too many failed log-ins for an account or from an address; try again later."""

    def __init__(self, wait_seconds: int) -> None:
        minutes = max(1, (wait_seconds + 59) // 60)
        super().__init__(
            _("Too many failed log-ins. Wait %(minutes)d minutes and try again.")
            % {"minutes": minutes},
            code="throttled",
        )


def login_permitted(*, username: str, address: str | None) -> None:
    """Raise `LoginThrottled` when this log-in must wait; today it never has to."""


def login_failed(*, username: str, address: str | None) -> None:
    """Count a failed log-in toward the throttle; today nothing is counted."""
