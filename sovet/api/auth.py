"""Who is asking: a personal access token (`Authorization: Bearer …`) or the browser session.

A request that carries an `Authorization` header is judged by it alone: a bad or revoked
token is a 401, never a fall-back to the session. Without the header, the logged-in session
counts, and then an unsafe method must pass Django's CSRF check (the session cookie is sent by
the browser on its own, so a page elsewhere must not be able to use it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from sovet.api.tokens import token_person
from sovet.web.accounts.models import Person


class CsrfFailed(HttpError):
    """A session request with an unsafe method and no valid CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "the CSRF check failed: a browser session must send the page's "
                              "CSRF token (X-CSRFToken header); scripts should use a personal "
                              "access token instead")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal access token made on one's profile."""

    def __call__(self, request: HttpRequest) -> Any:
        """The token's person; None when no Authorization header was sent; 401 when a bad one
        was."""
        value = request.headers.get("Authorization")
        if value is None:
            return None
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(401, "the Authorization header must be `Bearer <token>`, "
                                           "with a personal access token from your profile")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Person:
        """The person the token belongs to; 401 for an unknown or revoked token."""
        person = token_person(token)
        if person is None:
            raise AuthenticationError(401, "that token is not valid: it is unknown or was "
                                           "revoked; make a new one on your profile")
        return person


class SessionAuth(APIKeyCookie):
    """The browser's logged-in session; CSRF applies to unsafe methods."""

    param_name = str(settings.SESSION_COOKIE_NAME)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only a logged-in session can be abused across sites; anonymous requests are
        # answered 401, not told about CSRF.
        if request.user.is_authenticated and check_csrf(request) is not None:
            raise CsrfFailed()
        return None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """The logged-in person, if any."""
        user = request.user
        return user if user.is_authenticated and isinstance(user, Person) else None


session_auth = SessionAuth()
token_auth = TokenAuth()
# Token first: a request with an Authorization header is judged by it alone.
AUTH = [token_auth, session_auth]


class Anonymous:
    """Nobody signed in: enough for a read that anyone may make, as on the pages."""

    def __bool__(self) -> bool:
        return True


ANONYMOUS = Anonymous()


def anyone(request: HttpRequest) -> Person | Anonymous:
    """The logged-in person, or `ANONYMOUS` (reads need no CSRF token: they change nothing)."""
    user = request.user
    return user if user.is_authenticated and isinstance(user, Person) else ANONYMOUS


# Reads: anyone, but a request that sends a token is judged by it (a script should learn at
# once that its token was revoked, not read on as nobody).
READ = [token_auth, anyone]
# In the OpenAPI document: a token, the session, or nothing at all.
READ_SECURITY: list[dict[str, list[str]]] = [{"TokenAuth": []}, {"SessionAuth": []}, {}]


def person_of(request: HttpRequest) -> Person:
    """The authenticated person of a request that passed `AUTH`."""
    person = getattr(request, "auth", None)
    if not isinstance(person, Person):
        raise AuthenticationError(401, "sign in, or send a personal access token as "
                                       "`Authorization: Bearer <token>`")
    return person


def person_or_none(request: HttpRequest) -> Person | None:
    """The person behind a request that passed `READ`: token, session, or None for nobody."""
    person = getattr(request, "auth", None)
    return person if isinstance(person, Person) else None
