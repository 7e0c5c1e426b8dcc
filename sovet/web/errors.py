"""The one place pages map a refusal of the rules (`RuleError`) to an answer.

A view lets a `RuleError` rise; this middleware renders its sentence on an error page with
the status that fits, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sovet.core.errors import (
    BadCharter,
    BadChoice,
    BadCommand,
    InvalidAct,
    NotAMember,
    NotEligible,
    NotFound,
    RuleError,
)


def status_for(error: RuleError) -> int:
    """The HTTP status for a refusal: 404 not found, 403 not allowed, 400 bad input, else 409."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAMember | NotEligible):
        return 403
    if isinstance(error, BadCommand | BadChoice | InvalidAct | BadCharter):
        return 400
    return 409


class RuleErrorMiddleware:
    """Render a `RuleError` raised by a view as a page that says what was refused and why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer a `RuleError` with its sentence; leave every other exception to Django."""
        if not isinstance(exception, RuleError):
            return None
        status = status_for(exception)
        return render(
            request,
            "refused.html",
            {"message": exception.message, "code": exception.code, "status": status},
            status=status,
        )
