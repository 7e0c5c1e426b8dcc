"""The vote's fast lane: `POST /api/v1/councils/{slug}/motions/{n}/vote` with a personal access
token, answered in front of Django's request handling.

Why: under load (issue 5, `bench/load.py`) the machinery around a vote (the middleware, URL
resolving, django-ninja's parsing and rendering) cost about as much CPU as the vote itself.
The lane makes the very calls the API's endpoint makes (`token_person`, the `VoteIn` schema,
`council_pk`, `services.motion_vote`) and answers as the API does: 200 `{"recorded": true}`,
or a rule's refusal in the API's error shape with `status_for`'s status.

It takes only a request it can answer exactly as Django would: that path and method, a Bearer
token that names an active person, a JSON body within the upload limit that the schema
accepts, an allowed Host, over HTTPS where the site requires it. Anything else (a bad token,
malformed or oversized input, a redirect to HTTPS, an unexpected error before the vote) goes
to Django untouched, body included, so those answers stay Django's own. The answer carries the
headers the middleware would add. `tests/api/test_api_fastlane.py` sends the same requests
through the lane and through Django and compares status, headers and body.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response
from pydantic import ValidationError

from sovet.api.api import api
from sovet.api.endpoints import MAX_ID, SLUG
from sovet.api.schemas import VoteIn
from sovet.api.tokens import token_person
from sovet.web.books.selectors import council_pk
from sovet.web.councils import services

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_PATH = re.compile(r"/api/v1/councils/(?P<slug>[^/]+)/motions/(?P<n>[1-9][0-9]{0,9})/vote")
_SLUG = re.compile(SLUG)


class FastLane:
    """A WSGI application in front of Django's: votes through the lane, the rest to Django."""

    def __init__(self, django: WSGIApp) -> None:
        self.django = django

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a vote the lane can answer exactly; hand anything else to Django."""
        vote = _vote_of(environ)
        if vote is None:
            return self.django(environ, start_response)
        request, slug, motion, token, choice = vote
        signals.request_started.send(sender=self.__class__, environ=environ)
        # As LocaleMiddleware does (the API's paths carry no language prefix).
        translation.activate(translation.get_language_from_request(request))
        try:
            person = token_person(token)
            if person is None:
                return self.django(environ, start_response)
            try:
                services.motion_vote(person=person, council_id=council_pk(slug),
                                     motion_id=motion, choice=choice)
            except Exception as e:  # the API's own handlers: a refusal, or a logged 500
                return _answer(request, start_response, api.on_exception(request, e))
            return _answer(request, start_response,
                           api.create_response(request, {"recorded": True}, status=200))
        finally:
            signals.request_finished.send(sender=self.__class__)


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
        request.get_host()  # checks ALLOWED_HOSTS, as CommonMiddleware would
    except DisallowedHost:
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None
    try:
        choice = VoteIn.model_validate_json(body).choice
    except ValidationError:
        return None
    return request, slug, motion, token, str(choice)


def _answer(request: WSGIRequest, start_response: StartResponse,
            response: HttpResponse) -> list[bytes]:
    """Start the answer with the headers Django's middleware gives an API answer."""
    for name, value in _headers(request):
        response[name] = value
    # LocaleMiddleware's and CommonMiddleware's own additions.
    patch_vary_headers(response, ("Accept-Language",))
    response.headers.setdefault("Content-Language", translation.get_language())
    response.headers.setdefault("Content-Length", str(len(response.content)))
    if response.status_code >= 400:
        log_response("%s: %s", response.reason_phrase, request.path, response=response,
                     request=request)
    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
    return [response.content]


def _headers(request: WSGIRequest) -> list[tuple[str, str]]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to an API answer under the
    site's settings."""
    headers = []
    if request.is_secure() and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers.append(("Referrer-Policy", policy if isinstance(policy, str) else
                        ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()))
    return headers
