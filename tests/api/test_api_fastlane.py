"""The vote's fast lane answers exactly as Django would, and hands Django all it cannot.

Each case sends the same request (or the same request by another voter) through the lane and
straight to Django's WSGI handler, and compares status, headers and body; a spy on the lane's
inner application tells whether the lane answered or handed the request on.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import pytest
from apicast import hal_admission
from councilcast import World
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import override_settings
from test_web_council_pages import open_resolution

from sovet.api import fastlane
from sovet.api.fastlane import FastLane
from sovet.api.models import Token
from sovet.api.tokens import token_person, token_revoke
from sovet.web.accounts.models import Person
from sovet.web.councils.models import BallotBoxEntry, NamedVote, VoterRoll
from sovet.web.councils.selectors import council_state

Answer = tuple[int, dict[str, str], bytes]


class Spy:
    """Django's handler, counting the requests it is handed."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.calls += 1
        return self.handler(environ, start_response)


def call(app: Callable[..., Iterable[bytes]], path: str, body: bytes, *, token: str | None,
         content_type: str = "application/json", host: str = "127.0.0.1",
         scheme: str = "http", query: str = "") -> Answer:
    """One request through a WSGI application, as a server would make it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query,
        "SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": host,
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": scheme,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started: list[Any] = []
    # As Django's test client does: the request must not close the connection that holds the
    # test's transaction (on PostgreSQL the test's data would go with it).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, lambda status, headers, *exc: started.append((status, headers)))
        content = b"".join(chunks)
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    status, headers = started[0]
    return int(status.split()[0]), dict(headers), content


def vote(n: int, choice: object = "yes") -> tuple[str, bytes]:
    return f"/api/v1/councils/bakers/motions/{n}/vote", orjson.dumps({"choice": choice})


@pytest.fixture
def lanes() -> tuple[FastLane, Spy, WSGIHandler]:
    """The lane (with a spy as its Django), and Django alone."""
    spy = Spy()
    return FastLane(spy), spy, WSGIHandler()


@pytest.mark.django_db
def test_the_lane_answers_a_vote_and_its_refusals_as_django_does(
        world: World, token_for: Callable[[Any], str],
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    lane, spy, django = lanes
    n = open_resolution(world)
    path, body = vote(n)
    ana, bo = token_for(world["ana"]), token_for(world["bo"])
    first = call(lane, path, body, token=ana)
    assert spy.calls == 0, "the lane handed a plain vote to Django"
    assert first == call(django, path, body, token=bo)
    assert first[0] == 200 and first[2] == b'{"recorded": true}'
    assert council_state(world.fresh()).motion(n).votes == {"ana": "yes", "bo": "yes"}
    # Refusals: the rule's own, in the API's shape, the same from both.
    again = call(lane, path, body, token=ana)
    assert again == call(django, path, body, token=ana)
    assert again[0] == 409 and orjson.loads(again[2])["error"] == "already_voted"
    eve = token_for(world["eve"])  # a tanner, not a baker
    stranger = call(lane, path, body, token=eve)
    assert stranger == call(django, path, body, token=eve) and stranger[0] == 403
    missing = vote(n + 1000)[0]
    assert call(lane, missing, body, token=ana) == call(django, missing, body, token=ana)
    elsewhere = path.replace("bakers", "no-such-council")
    assert call(lane, elsewhere, body, token=ana) == call(django, elsewhere, body, token=ana)
    assert spy.calls == 0


@pytest.mark.django_db
def test_a_secret_vote_through_the_lane_writes_roll_and_box_and_says_only_recorded(
        world: World, api_as: Any, token_for: Callable[[Any], str],
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    lane, spy, django = lanes
    admission = hal_admission(world, api_as)
    path, body = vote(admission)
    answer = call(lane, path, body, token=token_for(world["cy"]))
    assert spy.calls == 0
    assert answer == call(django, path, body, token=token_for(world["ana"]))
    assert answer[2] == b'{"recorded": true}'
    assert set(VoterRoll.objects.filter(ballot=admission).values_list("person", flat=True)) \
        == {"cy", "ana"}
    assert BallotBoxEntry.objects.filter(ballot=admission).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["bad token", "no token", "malformed json", "wrong choice",
                                  "not json", "too large", "query string", "unknown host",
                                  "zero"])
def test_what_the_lane_cannot_answer_exactly_goes_to_django(
        case: str, world: World, token_for: Callable[[Any], str],
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    lane, spy, django = lanes
    n = open_resolution(world)
    path, body = vote(n)
    kwargs: dict[str, Any] = {"token": token_for(world["ana"])}
    # Where Django accepts the vote, the direct call is another voter's.
    other = token_for(world["bo"])
    if case == "bad token":
        kwargs["token"] = "sovet_" + "x" * 43
    elif case == "no token":
        kwargs["token"] = None
    elif case == "malformed json":
        body = b'{"choice": "yes"'
    elif case == "wrong choice":
        body = orjson.dumps({"choice": "maybe"})
    elif case == "not json":
        kwargs["content_type"] = "text/plain"
    elif case == "too large":
        body = orjson.dumps({"choice": "yes", "pad": "x" * 3_000_000})
    elif case == "query string":
        kwargs["query"] = "x=1"
    elif case == "unknown host":
        kwargs["host"] = "evil.example"
    elif case == "zero":
        path = vote(0)[0]
    through_lane = call(lane, path, body, **kwargs)
    assert spy.calls == 1, f"the lane answered {case} itself"
    if through_lane[0] == 200:
        kwargs["token"] = other
    assert through_lane == call(django, path, body, **kwargs)


@pytest.mark.django_db
def test_under_https_settings_the_lane_answers_with_the_same_security_headers(
        world: World, token_for: Callable[[Any], str]) -> None:
    n = open_resolution(world)
    path, body = vote(n)
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000,
                           SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True):
        # Made under these settings: Django's middleware reads them when the handler is made.
        spy = Spy()
        lane, django = FastLane(spy), WSGIHandler()
        secure = call(lane, path, body, token=token_for(world["ana"]), scheme="https")
        assert spy.calls == 0
        assert secure == call(django, path, body, token=token_for(world["bo"]), scheme="https")
        assert "Strict-Transport-Security" in secure[1]
        # Over plain HTTP Django redirects; the lane leaves that to it.
        plain = call(lane, path, body, token=token_for(world["cy"]))
        assert spy.calls == 1 and plain[0] == 301


@pytest.mark.django_db(transaction=True)
def test_the_lane_checks_its_connection_only_when_a_read_fails_on_it(
        world: World, token_for: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch,
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    """Django would check a persistent connection (`is_usable`: a `SELECT 1`) before each
    request's first query; the lane reads first, and checks and replaces the connection only
    if the read failed (here: the server terminated its backend)."""
    from django.db import connection, connections

    lane, spy, _ = lanes
    n = open_resolution(world)
    path, body = vote(n)
    ana, bo = token_for(world["ana"]), token_for(world["bo"])
    checks: list[bool] = []
    usable = connection.is_usable

    def counted() -> bool:
        checks.append(usable())
        return checks[-1]

    monkeypatch.setattr(connection, "is_usable", counted)
    connection.health_check_done = False  # as a new request finds it (`close_old_connections`)
    assert call(lane, path, body, token=ana)[0] == 200
    assert checks == []
    if connection.vendor == "postgresql":
        assert connection.health_check_enabled
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
    connection.health_check_done = False
    assert call(lane, path, body, token=bo)[0] == 200
    assert checks == ([False] if connection.vendor == "postgresql" else [])
    assert council_state(world.fresh()).motion(n).votes == {"ana": "yes", "bo": "yes"}
    assert spy.calls == 0


@pytest.mark.django_db(transaction=True)
def test_an_open_vote_checks_its_token_in_the_statement_that_queues_it(
        world: World, token_for: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch,
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    """On PostgreSQL the token is not read on its own: the vote's queueing names its holder
    (`token_holder`), so the vote costs no round trip to learn who votes. Elsewhere the lane
    reads the token first; the answers are the same."""
    lane, spy, django = lanes
    n = open_resolution(world)
    path, body = vote(n)
    ana = token_for(world["ana"])
    council_state(world.fresh())  # this process has seen the head
    read: list[str] = []

    def reading(plaintext: str) -> Any:
        read.append(plaintext)
        return token_person(plaintext)

    monkeypatch.setattr(fastlane, "token_person", reading)
    answer = call(lane, path, body, token=ana)
    assert answer == call(django, path, body, token=token_for(world["bo"]))
    assert answer[0] == 200 and spy.calls == 0
    assert council_state(world.fresh()).motion(n).votes == {"ana": "yes", "bo": "yes"}
    assert read == ([] if connection.vendor == "postgresql" else [ana])
    assert Token.objects.get(person=world["ana"]).last_used is not None
    assert not NamedVote.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["revoked", "inactive", "unknown", "stranger", "twice"])
def test_a_vote_whose_token_or_voter_fails_is_answered_as_django_does_and_queues_nothing(
        case: str, world: World, token_for: Callable[[Any], str],
        lanes: tuple[FastLane, Spy, WSGIHandler]) -> None:
    lane, _spy, django = lanes
    n = open_resolution(world)
    path, body = vote(n)
    who = "eve" if case == "stranger" else "cy"  # eve is a tanner, not a baker
    token = token_for(world[who])
    if case == "revoked":
        token_revoke(person=world[who], token_id=Token.objects.get(person=world[who]).pk)
    elif case == "inactive":
        Person.objects.filter(username=who).update(is_active=False)
    elif case == "unknown":
        token = "sovet_" + "y" * 43
    elif case == "twice":
        assert call(lane, path, body, token=token)[0] == 200
    council_state(world.fresh())
    before = council_state(world.fresh()).motion(n).votes
    answer = call(lane, path, body, token=token)
    assert answer == call(django, path, body, token=token)
    expected = {"revoked": 401, "inactive": 401, "unknown": 401, "stranger": 403, "twice": 409}
    assert answer[0] == expected[case], answer
    assert council_state(world.fresh()).motion(n).votes == before
    assert not NamedVote.objects.exists()
