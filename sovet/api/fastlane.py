"""The vote's fast lane: `POST /api/v1/councils/{slug}/motions/{n}/vote` with a personal access
token, answered in front of Django's request handling.

Why: under load (issue 5, `bench/load.py`) the machinery around a vote (the middleware, URL
resolving, django-ninja's parsing and rendering) cost about as much CPU as the vote itself.
The lane makes the very calls the API's endpoint makes (`token_person`, the `VoteIn` schema,
`council_pk`, `services.motion_vote`) and answers as the API does: 200 `{"recorded": true}`,
or a rule's refusal in the API's error shape with `status_for`'s status. An open ballot's vote
goes first by `services.motion_vote_as`, which checks the token in the statement that queues
the vote (`_voted_as_holder`): a round trip fewer, and the same answer.

It takes only a request it can answer exactly as Django would: that path and method, a Bearer
token that names an active person, a JSON body within the upload limit that the schema
accepts, an allowed Host, over HTTPS where the site requires it. Anything else (a bad token,
malformed or oversized input, a redirect to HTTPS, an unexpected error before the vote) goes
to Django untouched, body included, so those answers stay Django's own. The site's own
security, locale, common and clickjacking middleware run their phases around the vote, so the
allowed hosts, HTTPS, the language and the answer's headers are Django's own too.
`tests/api/test_api_fastlane.py` sends the same requests through the lane and through Django
and compares status, headers and body.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from django.utils.module_loading import import_string
from pydantic import ValidationError

from sovet.api.api import api
from sovet.api.endpoints import MAX_ID, SLUG
from sovet.api.schemas import VoteIn
from sovet.api.tokens import token_holder, token_person
from sovet.core.errors import RuleError
from sovet.web.books.selectors import council_pk
from sovet.web.councils import services

T = TypeVar("T")
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_PATH = re.compile(r"/api/v1/councils/(?P<slug>[^/]+)/motions/(?P<n>[1-9][0-9]{0,9})/vote")
_SLUG = re.compile(SLUG)


class FastLane:
    """A WSGI application in front of Django's: votes through the lane, the rest to Django."""

    def __init__(self, django: WSGIApp) -> None:
        self.django = django
        # Made once, like Django's own handler makes them: they read the settings now.
        self.middleware = [import_string(path)(_no_view) for path in settings.MIDDLEWARE
                           if path in _SHAPING]
        # The answer to every vote taken, rendered once by the API's own renderer.
        self.recorded = api.renderer.render(None, {"recorded": True}, response_status=200)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a vote the lane can answer exactly; hand anything else to Django."""
        vote = _vote_of(environ)
        if vote is None or not self._admitted(vote[0]):
            return self.django(environ, start_response)
        request, slug, motion, token, choice = vote
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            try:
                if _voted_as_holder(token, slug, motion, choice):
                    return self._answer(request, start_response, self._recorded())
            except Exception as e:  # a refusal, or a logged 500, as below
                return self._answer(request, start_response, api.on_exception(request, e))
            person = _checked_lazily(lambda: token_person(token))
            if person is None:
                return self.django(environ, start_response)
            try:
                services.motion_vote(person=person, council_id=council_pk(slug),
                                     motion_id=motion, choice=choice)
            except Exception as e:  # the API's own handlers: a refusal, or a logged 500
                return self._answer(request, start_response, api.on_exception(request, e))
            return self._answer(request, start_response, self._recorded())
        finally:
            signals.request_finished.send(sender=self.__class__)

    def _recorded(self) -> HttpResponse:
        """The API's answer to a vote taken (`api.create_response`'s, without rendering it)."""
        return HttpResponse(self.recorded, status=200, content_type=api.get_content_type())

    def _admitted(self, request: WSGIRequest) -> bool:
        """Whether the middleware lets the request through untouched: the allowed hosts, the
        redirect to HTTPS, the language (activated here as LocaleMiddleware does). A redirect
        or a refusal is Django's to give."""
        try:
            return all(m.process_request(request) is None for m in self.middleware
                       if hasattr(m, "process_request"))
        except Exception:
            return False

    def _answer(self, request: WSGIRequest, start_response: StartResponse,
                response: HttpResponse) -> list[bytes]:
        """Start the answer as Django would: the middleware's response phases, in reverse
        order, and a log line for an error."""
        for m in reversed(self.middleware):
            response = m.process_response(request, response)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response,
                         request=request)
        start_response(f"{response.status_code} {response.reason_phrase}",
                       list(response.items()))
        return [response.content]


# The middleware that shapes a token-authenticated JSON answer, run by the lane from the
# site's own MIDDLEWARE. The others add nothing to it: static files (WhiteNoise), the session,
# CSRF and messages (none of them is used by a token request), the user (the token is), and
# RuleErrorMiddleware (the API's handlers answer refusals).
_SHAPING = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
})


def _voted_as_holder(token: str, slug: str, motion: int, choice: str) -> bool:
    """Vote on an open ballot as the token's holder, checked in the statement that queues the
    vote (`token_holder`, `services.motion_vote_as`): True once the vote is in the book.

    False, having written nothing, where that path cannot answer (see `motion_vote_as`): then
    the lane checks the token and votes as the API's endpoint does. So does a council that is
    not there, which Django answers after the token is checked (401 before 404).
    """
    holder = token_holder(token)
    if holder is None:
        return False

    def voted() -> bool:
        try:
            council_id = council_pk(slug)  # may read: the first query, checked lazily
        except RuleError:
            return False
        return services.motion_vote_as(holder.username, council_id=council_id,
                                       motion_id=motion, choice=choice, first=[holder.noting])

    return _checked_lazily(voted)


def _checked_lazily(first: Callable[[], T]) -> T:
    """Run the request's first query, `first`, with Django's health check of a persistent
    connection done after it instead of before it.

    Django, with CONN_HEALTH_CHECKS, sends `SELECT 1` before a request's first query, to
    replace a connection the server dropped (a restart, an idle timeout). The lane instead
    runs its first query; only if that fails on a connection that proves unusable does it
    reconnect and run it again. The outcome is the same, and a healthy connection (nearly every
    request) makes one round trip less. `first` is a read, or a vote: a vote queued twice (the
    connection lost after the first was committed) is refused the second time as already
    cast, the answer a voter gets who sends a vote again.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if not db.health_check_enabled or db.connection is None:
        return first()
    db.health_check_done = True  # read by Django's cursor(): the check is made here
    try:
        return first()
    except DatabaseError:
        if db.connection is None or db.is_usable():
            raise
    db.close()
    return first()


def _no_view(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the lane runs its middleware's phases itself, never a view")


def _vote_of(environ: dict[str, Any]) -> tuple[WSGIRequest, str, int, str, str] | None:
    """The request, council id, motion, token and choice of a vote the lane can answer, or None.

    Reads the body (within the upload limit) and puts it back for Django either way.
    """
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    path = _PATH.fullmatch(environ.get("PATH_INFO", ""))
    scheme, _, token = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
    if path is None or scheme != "Bearer" or not token or environ.get("QUERY_STRING"):
        return None
    slug, motion = path["slug"], int(path["n"])
    if not _SLUG.match(slug) or motion > MAX_ID:
        return None
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/json"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if length <= 0 or (limit is not None and length > limit):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    request = WSGIRequest(environ)
    environ["wsgi.input"] = io.BytesIO(body)  # WSGIRequest wrapped the stream: Django reads it
    try:
        choice = VoteIn.model_validate_json(body).choice
    except ValidationError:
        return None
    return request, slug, motion, token, str(choice)
