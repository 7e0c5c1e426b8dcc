"""Log-in throttling, per account and per client address, counted in the database.

`login_permitted` is asked before a password is checked, `login_failed` is told of each
failure and `login_succeeded` of each success; the log-in form calls all three, and so must
anything else that checks a password. The counts are rows of `LoginFailure`, so they hold
across every worker process of the server. The window slides: a log-in is refused while the
last `WINDOW` holds `ACCOUNT_LIMIT` failures for the account or `ADDRESS_LIMIT` from the
address, and the refusal says how long to wait. While refused, even the right password is
refused, so guessing gains nothing by continuing.

Failures for usernames that have no account are counted like any other, so the throttle does
not tell who has an account. Concurrent attempts (one per worker) may each pass the check
before any of them is counted, so a burst can exceed a limit by at most the number of workers.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from sovet.web.accounts.models import LoginFailure, normalize_username

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
# A person at home usually holds a whole IPv6 /64, so one address there is the whole prefix.
IPV6_PREFIX = 64
KEY_LENGTH = 150


class LoginThrottled(ValidationError):
    """Too many failed log-ins for an account or from an address; try again later."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = max(1, wait_seconds)
        minutes = max(1, (wait_seconds + 59) // 60)
        super().__init__(
            ngettext(
                "Too many failed log-ins. Wait %(minutes)d minute and try again.",
                "Too many failed log-ins. Wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
            code="throttled",
        )


def clock() -> datetime:
    """The time now (tests replace it with a fixed clock)."""
    return timezone.now()


def client_address(request: HttpRequest) -> str | None:
    """Return the address of the client that sent `request`, for the throttle.

    Without a trusted proxy that is `REMOTE_ADDR`. With `SOVET_TRUSTED_PROXY=N` (N proxies in
    front of the server, each appending the address it was reached from to
    X-Forwarded-For), it is the N-th address from the right of X-Forwarded-For: the one our
    own outermost proxy saw. Addresses to the left of it were written by the client and
    could be anything, so they are never used. A missing or malformed entry falls back to
    `REMOTE_ADDR`.
    """
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    proxies: int = getattr(settings, "SOVET_TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def _address_key(address: str | None) -> str | None:
    """The key an address is counted under: itself (IPv4), its /64 (IPv6), as given if odd."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:KEY_LENGTH] or None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


def _account_key(username: str) -> str | None:
    return normalize_username(username)[:KEY_LENGTH] or None


def _wait(scope: str, key: str | None, limit: int, now: datetime) -> int:
    """Seconds until `key` has fewer than `limit` failures in the window (0: not throttled)."""
    if key is None:
        return 0
    recent = list(
        LoginFailure.objects.filter(scope=scope, key=key, at__gt=now - WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return 0
    # The limit-th most recent failure is the one whose leaving the window lifts the throttle.
    return max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds()))


def login_permitted(*, username: str, address: str | None) -> None:
    """Refuse a log-in to `username` from `address` while either has too many recent failures.

    Raises `LoginThrottled`, whose message says how many minutes to wait (the longer wait
    when both are throttled).
    """
    now = clock()
    wait = max(
        _wait(LoginFailure.ACCOUNT, _account_key(username), ACCOUNT_LIMIT, now),
        _wait(LoginFailure.ADDRESS, _address_key(address), ADDRESS_LIMIT, now),
    )
    if wait:
        raise LoginThrottled(wait_seconds=wait)


def login_failed(*, username: str, address: str | None) -> None:
    """Count a failed log-in against the account and against the address.

    Failures that have left the window are deleted here, so the table stays small and an
    address is not kept longer than the window.
    """
    now = clock()
    rows = [
        LoginFailure(scope=scope, key=key, at=now)
        for scope, key in (
            (LoginFailure.ACCOUNT, _account_key(username)),
            (LoginFailure.ADDRESS, _address_key(address)),
        )
        if key is not None
    ]
    LoginFailure.objects.bulk_create(rows)
    LoginFailure.objects.filter(at__lte=now - WINDOW).delete()


def login_succeeded(*, username: str) -> None:
    """Clear the account's failures after a right password; the address keeps its count."""
    key = _account_key(username)
    if key is not None:
        LoginFailure.objects.filter(scope=LoginFailure.ACCOUNT, key=key).delete()
