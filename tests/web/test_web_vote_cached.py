"""Votes decided first on the process's cached state of the council (`services._vote_on_cache`).

On PostgreSQL, outside a transaction, a secret vote is decided on this process's cached state
and written, under the box's shared lock, only if the council's head is still the one that
state is at; an open ballot's vote is checked on that state and queued at once, for the writer
to decide again on the book's own state. A process whose cache is behind (another worker
appended since) must get exactly the answer the full path gives. These tests hold on SQLite
too, where every vote takes the full path: what a voter gets must not depend on the path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson
import psycopg
import pytest
from councilcast import World
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from test_web_council_pages import open_resolution, open_secret
from test_web_vote_queue import votes_in_book

from sovet.core.errors import AlreadyVoted, BallotNotOpen
from sovet.web import rows
from sovet.web.books.models import Council
from sovet.web.books.services import council_lock_statement
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, NamedVote, SealedBallot, VoterRoll
from sovet.web.councils.selectors import council_state, council_state_store

pytestmark = pytest.mark.django_db(transaction=True)


def ballots(world: World, motion: int) -> tuple[list[str], list[str]]:
    """The roll's names and the box's choices of a motion."""
    council = world.fresh()
    return (sorted(VoterRoll.objects.filter(council=council, ballot=motion)
                   .values_list("person", flat=True)),
            sorted(orjson.loads(c) for c in BallotBoxEntry.objects.filter(
                council=council, ballot=motion).values_list("content", flat=True)))


def vote(world: World, who: str, motion: int, choice: str) -> None:
    services.motion_vote(person=world[who], council_id=world.bakers.pk, motion_id=motion,
                         choice=choice)


def behind(world: World, elsewhere: Callable[[], object]) -> None:
    """Another worker does `elsewhere`; this process's cached state stays where it was."""
    before = Council.objects.get(pk=world.bakers.pk)  # not world.fresh(): it is refreshed
    state = council_state(before)
    elsewhere()
    council_state_store(before, state)


def close_elsewhere(world: World, motion: int) -> None:
    """Another worker closes the ballot at its closing time; this process does not see it."""
    closes = council_state(world.fresh()).motions[motion].closes
    assert closes is not None
    behind(world, lambda: services.motions_close_due(council_id=world.bakers.pk, now=closes))


def second_elsewhere(world: World, motion: int) -> None:
    """Another worker seconds the motion (its ballot opens); this process does not see it."""
    behind(world, lambda: services.motion_second(person=world["bo"],
                                                 council_id=world.bakers.pk, motion_id=motion))


def test_on_a_current_cache_a_secret_vote_is_one_round_trip(world: World) -> None:
    motion = open_secret(world)
    council_state(world.fresh())  # this process has seen the head
    # The first vote on a connection prepares its statements (once per connection).
    vote(world, "ana", motion, "yes")
    with CaptureQueriesContext(connection) as sent:
        vote(world, "cy", motion, "no")
    if connection.vendor == "postgresql":
        assert len(sent.captured_queries) == 1
        assert sent.captured_queries[0]["sql"].startswith("EXECUTE sovet_")
    assert ballots(world, motion) == (["ana", "cy"], ["no", "yes"])


def test_on_a_current_cache_an_open_vote_and_its_append_are_four_round_trips(
        world: World) -> None:
    """The vote queued, committed, the writer's turn taken and its fate read, in one script;
    then, as the writer, its batch in three: the lock and the reads with the BEGIN, the
    append, the COMMIT with the end of the turn. The driver sends nothing of its own."""
    from test_web_rows import driver_commands

    motion = open_resolution(world)
    council_state(world.fresh())
    vote(world, "ana", motion, "yes")  # prepares this connection's statements
    with CaptureQueriesContext(connection) as sent, driver_commands() as own:
        vote(world, "cy", motion, "no")
    if connection.vendor == "postgresql":
        scripts = [q["sql"] for q in sent.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        assert own == [] and len(scripts) == 4, scripts
        assert scripts[0].startswith("SET LOCAL synchronous_commit = off; EXECUTE sovet_")
        assert scripts[1].startswith("BEGIN; ") and scripts[3].startswith("COMMIT; ")
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("cy", "no")]
    assert not NamedVote.objects.exists()


def test_a_vote_whose_script_fails_after_taking_the_writers_turn_gives_the_turn_back(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn left held would keep every other writer of the council waiting as long as the
    connection lives; the vote queued before the failure is appended by the next writer."""
    motion = open_resolution(world)
    council_state(world.fresh())
    if connection.vendor == "postgresql":
        monkeypatch.setattr(services, "_fate_of_last", lambda: ("SELECT 1 / 0", []))
        with pytest.raises(DatabaseError):
            vote(world, "cy", motion, "no")
        monkeypatch.undo()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND pid = pg_backend_pid()")
            assert cursor.fetchone() == (0,)
    else:
        vote(world, "cy", motion, "no")  # no such script: the same outcome
    vote(world, "ana", motion, "yes")
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("cy", "no")]
    assert not NamedVote.objects.exists()


SESSION_LOCKS = ("pg_try_advisory_lock(", "pg_advisory_lock(", "pg_advisory_unlock")


def test_behind_a_transaction_pooler_no_lock_outlives_a_transaction(
        world: World, settings: Any) -> None:
    """A pooler in transaction mode hands each transaction to any server connection: a lock
    held across transactions would be released on another connection, or never, and keep
    the council's writers out for good. There a writer's turn is one transaction; a voter
    that finds another writer waits for it, then appends its vote itself."""
    settings.SOVET_TRANSACTION_POOLER = True
    settings.SOVET_PREPARED_STATEMENTS = False
    motion = open_resolution(world)
    council_state(world.fresh())
    if connection.vendor != "postgresql":  # one writer at a time anyway: the same outcome
        vote(world, "cy", motion, "no")
        vote(world, "ana", motion, "yes")
        assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("cy", "no")]
        return
    # Another server connection is the council's writer for a while.
    lock, params = council_lock_statement(world.bakers.pk)
    with psycopg.connect(connection.connection.info.dsn) as other:
        other.execute(lock.sql if isinstance(lock, rows.Plan) else lock, params)
        threading.Timer(0.3, other.commit).start()
        with CaptureQueriesContext(connection) as sent:
            vote(world, "cy", motion, "no")
            vote(world, "ana", motion, "yes")
    assert not [q["sql"] for q in sent.captured_queries
                if any(f in q["sql"] for f in SESSION_LOCKS)]
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("cy", "no")]
    assert not NamedVote.objects.exists()


def test_a_second_vote_is_refused_and_leaves_one_ballot(world: World) -> None:
    motion = open_secret(world)
    vote(world, "cy", motion, "no")
    with pytest.raises(AlreadyVoted):
        vote(world, "cy", motion, "yes")
    assert ballots(world, motion) == (["cy"], ["no"])


def test_a_cache_behind_the_book_cannot_put_a_vote_into_a_sealed_ballot(world: World) -> None:
    motion = open_secret(world)
    vote(world, "ana", motion, "yes")
    close_elsewhere(world, motion)  # and seals the box
    with pytest.raises(BallotNotOpen):
        vote(world, "cy", motion, "no")
    assert ballots(world, motion) == (["ana"], [])  # the roll stays; the box was sealed
    assert SealedBallot.objects.filter(council=world.fresh(), ballot=motion).count() == 1


def test_a_refusal_on_a_cache_behind_the_book_is_not_the_last_word(world: World) -> None:
    c = world.fresh().pk
    motion = int(services.motion_move(person=world["ana"], council_id=c, kind="expulsion",
                                      subject="dan", text="Manager"))
    second_elsewhere(world, motion)  # this process still sees no open ballot
    vote(world, "cy", motion, "yes")
    assert ballots(world, motion) == (["cy"], ["yes"])


def test_on_a_current_cache_an_open_vote_is_queued_at_once_and_appended(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    motion = open_resolution(world)
    council_state(world.fresh())
    full: list[str] = []
    cast = services._cast
    monkeypatch.setattr(services, "_cast", lambda *a, **k: full.append(a[4]) or cast(*a, **k))
    vote(world, "cy", motion, "no")
    # The queue, not the full path, on PostgreSQL; either way the vote is in the book.
    assert full == ([] if connection.vendor == "postgresql" else ["cy"])
    assert ("cy", "no") in votes_in_book(world, motion)
    assert not NamedVote.objects.exists()


def test_an_open_vote_queued_on_a_cache_behind_the_book_gets_the_books_refusal(
        world: World) -> None:
    motion = open_resolution(world)
    vote(world, "ana", motion, "yes")
    close_elsewhere(world, motion)
    after = world.fresh().head_seq
    with pytest.raises(BallotNotOpen):
        vote(world, "cy", motion, "no")
    assert world.fresh().head_seq == after and votes_in_book(world, motion) == [("ana", "yes")]
    assert not NamedVote.objects.exists()


def test_an_open_vote_refused_on_a_cache_behind_the_book_is_not_refused(world: World) -> None:
    c = world.fresh().pk
    motion = int(services.motion_move(person=world["ana"], council_id=c, kind="resolution",
                                      text="We join the strike"))
    second_elsewhere(world, motion)
    vote(world, "cy", motion, "yes")
    assert ("cy", "yes") in votes_in_book(world, motion)
