"""Every error of the API has one shape, `{"error": code, "detail": sentence}`, with the
status that fits, and never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from apicast import Api, body
from councilcast import World
from django.test import Client

from sovet.web.accounts.models import Person

ApiAs = Callable[[Person | None], Api]


def shaped(answer: Any, status: int, code: str, *words: str) -> dict[str, str]:
    """Assert the answer is the one error shape, with this status, code and words."""
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/json")
    data: dict[str, str] = body(answer)
    assert set(data) == {"error", "detail"}, data
    assert data["error"] == code, data
    for w in words:
        assert w in data["detail"], data
    assert "Traceback" not in data["detail"] and 'File "' not in data["detail"]
    return data


@pytest.mark.django_db
def test_bad_input_is_400_invalid_input_naming_the_field_and_what_is_wrong(
        world: World, api_as: ApiAs) -> None:
    ana = api_as(world["ana"])
    shaped(ana.post("/councils/bakers/motions/3/vote", {"choice": "maybe"}), 400,
           "invalid_input", "choice", "'yes', 'no' or 'abstain'")
    shaped(ana.post("/councils/bakers/motions/3/vote", {}), 400, "invalid_input", "choice",
           "required")
    shaped(ana.post("/councils/bakers/motions", {"kind": "resolution", "ref": "twelve"}), 400,
           "invalid_input", "ref", "integer")
    shaped(ana.post("/councils/bakers/motions", {"kind": "resolution", "text": "a\x00b"}), 400,
           "invalid_input", "text", "control character")
    shaped(ana.post("/councils/bakers/parties", {"name": "x" * 201}), 400, "invalid_input",
           "name", "200")
    shaped(ana.get("/councils/bakers/motions/0"), 400, "invalid_input", "n")
    shaped(ana.get("/councils/bakers/motions/99999999999"), 400, "invalid_input", "n")
    shaped(ana.get("/councils/no%20such"), 400, "invalid_input", "slug")
    malformed = ana.client.post("/api/v1/councils/bakers/motions/3/vote", data=b'{"choice":',
                                content_type="application/json",
                                headers={"Authorization": f"Bearer {ana.token}"})
    assert malformed.status_code == 400 and body(malformed)["error"] == "invalid_input"


@pytest.mark.django_db
def test_no_token_a_bad_token_or_a_bad_header_is_401(world: World) -> None:
    shaped(Api().post("/councils/bakers/motions/3/vote", {"choice": "yes"}), 401,
           "unauthenticated", "personal access token")
    shaped(Api("sovet_guess").post("/councils/bakers/leave"), 401, "unauthenticated",
           "not valid")
    answer = Api().client.get("/api/v1/me", headers={"Authorization": "Basic YW5hOnB3"})
    shaped(answer, 401, "unauthenticated", "Bearer")
    assert answer["WWW-Authenticate"].startswith("Bearer")
    # A bad token is refused even where anyone may read: a script learns its token is dead.
    shaped(Api("sovet_guess").get("/councils/bakers/motions/3"), 401, "unauthenticated")


@pytest.mark.django_db
def test_a_rule_refusal_is_its_code_and_sentence_with_the_pages_status(
        world: World, api_as: ApiAs) -> None:
    dan = api_as(world["dan"])  # an applicant
    shaped(dan.post("/councils/bakers/motions", {"kind": "resolution", "text": "x"}), 403,
           "not_a_member", "dan")
    shaped(dan.get("/councils/nobody"), 404, "no_such_council", "'nobody'")
    shaped(dan.get("/councils/bakers/motions/77"), 404, "no_such_motion")
    shaped(api_as(world["ana"]).post("/councils/bakers/motions/3/vote", {"choice": "no"}), 409,
           "ballot_not_open")


@pytest.mark.django_db
def test_a_session_needs_the_csrf_token_for_an_act_but_not_for_a_read(
        world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["ana"])
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/councils/bakers/actions", data=b'{"title": "Picket"}',
                          content_type="application/json")
    shaped(refused, 403, "csrf_failed", "CSRF")
    page = client.get("/accounts/profile/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    made = client.post("/api/v1/councils/bakers/actions", data=b'{"title": "Picket"}',
                       content_type="application/json", headers={"X-CSRFToken": found.group(1)})
    assert made.status_code == 201
    # A token needs no CSRF token: the browser never sends it on its own.
    anonymous = Client(enforce_csrf_checks=True)
    shaped(anonymous.post("/api/v1/councils/bakers/actions", data=b'{"title": "Picket"}',
                          content_type="application/json"), 401, "unauthenticated")


@pytest.mark.django_db
def test_unknown_addresses_and_methods_answer_in_the_same_shape(founded: Any) -> None:
    shaped(Api().get("/nothing/here"), 404, "not_found", "openapi.json")
    answer = Api().client.delete("/api/v1/councils")
    shaped(answer, 405, "method_not_allowed", "DELETE")
    # ninja lists the allowed methods from a set: in any order.
    assert sorted(answer["Allow"].split(", ")) == ["GET", "POST"]


@pytest.mark.django_db
def test_an_unexpected_failure_is_a_500_saying_nothing_of_the_code(
        founded: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals at /srv/sovet/db.py line 12")

    monkeypatch.setattr("sovet.web.books.selectors.council_list", broken)
    answer = Api().get("/councils")
    data = shaped(answer, 500, "server_error", "operator's log")
    assert "secret internals" not in data["detail"] and "RuntimeError" not in data["detail"]
    assert "secret internals" in caplog.text  # the operator can still find out what broke


@pytest.mark.django_db
def test_a_book_over_the_import_limit_is_413(world: World, api_as: ApiAs,
                                             settings: Any) -> None:
    settings.SOVET_IMPORT_MAX_BYTES = 100
    ana = api_as(world["ana"])
    answer = ana.client.post("/api/v1/councils/import", data=b"x" * 101,
                             content_type="application/x-ndjson",
                             headers={"Authorization": f"Bearer {ana.token}"})
    shaped(answer, 413, "too_large", "at most 100 bytes", "SOVET_IMPORT_MAX_BYTES")


@pytest.mark.django_db
def test_an_ordinary_request_body_over_djangos_limit_is_413(world: World, api_as: ApiAs,
                                                             settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = api_as(world["ana"]).post("/councils/bakers/motions",
                                       {"kind": "resolution", "text": "x" * 5000})
    shaped(answer, 413, "too_large")
