"""The API object: `/api/v1/`, its OpenAPI document, and the one place errors become JSON.

Every error answer is `{"error": code, "detail": sentence}` with a 4xx: a refusal of the
rules (`RuleError`) with `sovet.web.errors.status_for`'s status and the error's own code;
bad input 400 `invalid_input` naming the field; no or bad credentials 401; not found 404;
too large 413. Anything else is a 500 `server_error` that says nothing of the code (it is
logged for the operator), never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sovet.api import endpoints
from sovet.api.schemas import FILLED_PATTERN, TEXT_PATTERN
from sovet.core.errors import RuleError
from sovet.web.errors import status_for

log = logging.getLogger("sovet.api")

api = NinjaAPI(
    title="Sovet API",
    version="1",
    description=(
        "The JSON API of a Sovet server: every act the pages offer and every read, over the "
        "same services. Authenticate with a personal access token (`Authorization: Bearer "
        "<token>`, made on your profile) or the browser session (then CSRF applies). Every "
        "error is `{\"error\": code, \"detail\": sentence}`."
    ),
    urls_namespace="api",
)

_CODES = {400: "invalid_input", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "throttled"}


def error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    """An error answer in the API's one shape."""
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(RuleError)
def _rule_error(request: HttpRequest, exc: RuleError) -> HttpResponse:
    return error(request, status_for(exc), exc.code, exc.message)


def _where(loc: object) -> str:
    # ninja's locations start with where the value came from ("body", "path", "query") and
    # the parameter's name; the field is what a person needs to hear.
    parts = [str(p) for p in loc] if isinstance(loc, list | tuple) else [str(loc)]
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in ("path", "query", "header", "body", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "the request"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    sentences = []
    for e in exc.errors[:5]:
        what = e.get("msg", "is not valid")
        pattern = (e.get("ctx") or {}).get("pattern") if e.get("type") == (
            "string_pattern_mismatch") else None
        if pattern == TEXT_PATTERN:
            what = "must not contain control characters (tabs and newlines are fine)"
        elif pattern == FILLED_PATTERN:
            what = ("must say something (not only spaces), without control characters (tabs "
                    "and newlines are fine)")
        sentences.append(f"{_where(e.get('loc', ()))}: {what}")
    detail = "; ".join(sentences) or "the request is not valid"
    return error(request, 400, "invalid_input", detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = str(exc)
    if detail in ("", "Unauthorized"):
        detail = ("sign in, or send a personal access token as `Authorization: Bearer <token>` "
                  "(make one on your profile)")
    response = error(request, 401, "unauthenticated", detail)
    response["WWW-Authenticate"] = 'Bearer realm="sovet"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    code = "csrf_failed" if status == 403 and "CSRF" in str(exc) else _CODES.get(status, "error")
    return error(request, status, code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", str(exc) or "there is nothing at this address")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, "too_large", "the request body is too large for this server")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s %s", request.method, request.path)
    return error(request, 500, "server_error",
                 "the server could not answer this request (the operator's log has the "
                 "details); an act is written whole or not at all, so check the council's "
                 "book before trying again")


api.add_router("", endpoints.router)


def _answer_not_allowed_in_json(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    # ninja answers a known path with an unknown method in plain text; the API has one shape.
    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"):
            allowed = response.get("Allow", "")
            response = error(request, 405, "method_not_allowed",
                             f"this address does not take {request.method}; it takes "
                             f"{allowed or 'other methods'}")
            response["Allow"] = allowed
        return response

    return run


def _nowhere(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(request, 404, "not_found", "there is no API endpoint at this address; the "
                                            "endpoints are listed in /api/v1/openapi.json")


def urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns for `path("api/v1/", …)`: ninja's, answering 405 in JSON, then
    a JSON 404 for every other address under the API."""
    patterns, app_name, namespace = api.urls
    for p in patterns:
        if isinstance(p, URLPattern):
            p.callback = _answer_not_allowed_in_json(p.callback)
    return [*patterns, re_path(r"^(?P<rest>.*)$", csrf_exempt(_nowhere))], app_name, namespace
