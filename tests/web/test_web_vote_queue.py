"""Named votes go through a queue that one writer appends in batches (group commit).

A named vote is queued in its own transaction, then whoever holds the council's lock next
appends every queued vote at once. These tests drive the queue directly: they put votes in it
as if other voters' requests had queued them and not yet been appended, then check that one
append takes them all, that the rules still decide each vote (a duplicate is refused to its own
voter), and that a close never leaves a queued vote behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from councilcast import World
from django.utils import timezone
from test_web_council_pages import open_resolution

from sovet.core.ballot import VoteCast
from sovet.core.errors import AlreadyVoted, BallotNotOpen, NotAMember, RuleError, refusal
from sovet.web.books.models import Act
from sovet.web.councils import services
from sovet.web.councils.models import NamedVote
from sovet.web.councils.selectors import council_state

pytestmark = pytest.mark.django_db(transaction=True)


def queue(world: World, motion: int, person: str, choice: str) -> NamedVote:
    """A vote queued by another request that has not reached the writer yet."""
    return NamedVote.objects.create(council=world.fresh(), of="motion", ballot=motion,
                                    person=person, content=orjson.dumps(choice).decode(),
                                    at=timezone.now())


def votes_in_book(world: World, motion: int) -> list[tuple[str, str]]:
    from sovet.core.acts import from_record

    acts = [from_record(orjson.loads(bytes(b))) for b in
            Act.objects.filter(council=world.fresh(), kind=VoteCast.kind).values_list("body",
                                                                                        flat=True)]
    return [(a.by, a.choice) for a in acts if isinstance(a, VoteCast) and a.motion == motion]


def test_one_append_takes_every_queued_vote(world: World) -> None:
    motion = open_resolution(world)
    queue(world, motion, "bo", "yes")
    queue(world, motion, "cy", "no")
    before = world.fresh().head_seq
    services.motion_vote(person=world["ana"], council_id=world.bakers.pk, motion_id=motion,
                         choice="yes")
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("bo", "yes"), ("cy", "no")]
    assert world.fresh().head_seq == before + 3
    assert not NamedVote.objects.exists()
    assert council_state(world.fresh()).motion(motion).votes == {"ana": "yes", "bo": "yes",
                                                                 "cy": "no"}


@pytest.mark.parametrize("lock", ["free", "busy"])
def test_a_duplicate_in_the_queue_is_refused_to_its_own_voter(
        world: World, lock: str, request: pytest.FixtureRequest) -> None:
    """Two requests of one voter raced past the early check; the writer counts the first,
    whether the second vote went straight in (free lock) or through the queue (busy)."""
    if lock == "busy":
        request.getfixturevalue("busy")
    motion = open_resolution(world)
    queue(world, motion, "ana", "no")
    with pytest.raises(AlreadyVoted):
        services.motion_vote(person=world["ana"], council_id=world.bakers.pk, motion_id=motion,
                             choice="yes")
    assert votes_in_book(world, motion) == [("ana", "no")]
    assert not NamedVote.objects.exists()


def test_a_refused_queued_vote_keeps_its_refusal_for_its_voter(world: World) -> None:
    motion = open_resolution(world)
    stranger = queue(world, motion, "eve", "yes")  # eve is a tanner, not a baker
    services.motion_vote(person=world["bo"], council_id=world.bakers.pk, motion_id=motion,
                         choice="yes")
    stranger.refresh_from_db()
    assert stranger.refused == NotAMember.code
    assert "eve" in stranger.detail
    assert votes_in_book(world, motion) == [("bo", "yes")]


def test_a_close_appends_the_queue_first(world: World) -> None:
    """A vote cast in time but still queued when the close comes is counted, not lost."""
    motion = open_resolution(world)
    queue(world, motion, "cy", "yes")
    closes = council_state(world.fresh()).motion(motion).closes
    assert closes is not None
    services.motions_close_due(council_id=world.bakers.pk, now=closes + timedelta(seconds=1))
    m = council_state(world.fresh()).motion(motion)
    assert m.status != "open"
    assert m.votes == {"cy": "yes"}
    assert not NamedVote.objects.exists()


def test_a_vote_after_the_close_is_refused_and_queues_nothing(world: World) -> None:
    motion = open_resolution(world)
    closes = council_state(world.fresh()).motion(motion).closes
    assert closes is not None
    with pytest.raises(BallotNotOpen):
        services.motion_vote(person=world["ana"], council_id=world.bakers.pk,
                             motion_id=motion, choice="yes", at=closes + timedelta(hours=1))
    assert not NamedVote.objects.exists()
    assert votes_in_book(world, motion) == []


@pytest.mark.parametrize("kind", [AlreadyVoted, NotAMember, BallotNotOpen])
def test_refusal_gives_back_the_class_of_its_code(kind: type[RuleError]) -> None:
    again = refusal(kind.code, "said once")
    assert type(again) is kind
    assert again.message == "said once"


def test_refusal_of_an_unknown_code_keeps_the_code() -> None:
    again = refusal("from_a_later_version", "said once")
    assert again.code == "from_a_later_version"
    assert str(again) == "said once"


def test_close_due_forgets_refusals_nobody_came_back_for(world: World) -> None:
    motion = open_resolution(world)
    stale = queue(world, motion, "eve", "yes")
    NamedVote.objects.filter(pk=stale.pk).update(refused=NotAMember.code, detail="not a member",
                                                 at=timezone.now() - timedelta(hours=2))
    fresh = queue(world, motion, "hal", "yes")
    NamedVote.objects.filter(pk=fresh.pk).update(refused=NotAMember.code, detail="not a member")
    services.motions_close_due(council_id=world.bakers.pk, now=timezone.now())
    assert list(NamedVote.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.fixture
def busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer holds the council when the vote first tries it without waiting (what
    PostgreSQL's writer lock reports; SQLite has no other writer to report it), and has ended
    by the voter's next try."""
    from sovet.web.books.services import CouncilBusy, council_lock

    tried: list[int] = []

    def lock(council_id: int, *, nowait: bool = False) -> Any:
        if nowait and not tried:
            tried.append(council_id)
            raise CouncilBusy(council_id)
        return council_lock(council_id, nowait=nowait)

    monkeypatch.setattr(services, "council_lock", lock)


def test_a_busy_council_queues_the_vote_and_the_batch_appends_it(world: World,
                                                                    busy: None) -> None:
    motion = open_resolution(world)
    queue(world, motion, "bo", "no")
    before = world.fresh().head_seq
    services.motion_vote(person=world["ana"], council_id=world.bakers.pk, motion_id=motion,
                         choice="yes")
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("bo", "no")]
    assert world.fresh().head_seq == before + 2
    assert not NamedVote.objects.exists()


def test_a_waiter_whose_vote_another_writer_appended_only_reads_its_fate(world: World) -> None:
    """The queued voter waits for the writer to end; if that writer took its vote, the voter
    reads its fate and appends nothing; a refusal is raised to its voter and its row goes."""
    motion = open_resolution(world)
    mine = queue(world, motion, "cy", "yes")
    services.motions_close_due(council_id=world.bakers.pk, now=timezone.now())  # another writer
    head = world.fresh().head_seq
    services._await_named(world.bakers.pk, mine.pk)
    assert world.fresh().head_seq == head
    assert votes_in_book(world, motion) == [("cy", "yes")]
    stranger = queue(world, motion, "eve", "yes")
    services.motions_close_due(council_id=world.bakers.pk, now=timezone.now())
    with pytest.raises(NotAMember):
        services._await_named(world.bakers.pk, stranger.pk)
    assert not NamedVote.objects.filter(pk=stranger.pk).exists()
    assert world.fresh().head_seq == head


def test_a_waiter_whose_vote_is_still_queued_appends_the_queue_itself(world: World) -> None:
    """A vote queued after the last writer read the queue: its voter becomes the writer."""
    motion = open_resolution(world)
    mine = queue(world, motion, "cy", "no")
    queue(world, motion, "bo", "yes")
    head = world.fresh().head_seq
    services._await_named(world.bakers.pk, mine.pk)
    assert world.fresh().head_seq == head + 2
    assert sorted(votes_in_book(world, motion)) == [("bo", "yes"), ("cy", "no")]
    assert not NamedVote.objects.exists()


def _arriving(world: World, motion: int, voters: Iterator[str],
              monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """After every batch the writer appends, another vote arrives in the queue (as another
    request would queue it meanwhile), for as long as `voters` last; the batch sizes."""
    batches: list[int] = []
    flush = services._flush_named

    def flush_then_queue(*args: Any, **kwargs: Any) -> Any:
        done = flush(*args, **kwargs)
        batches.append(len(done.fates))
        who = next(voters, None)
        if who is not None:
            queue(world, motion, who, "yes")
        return done

    monkeypatch.setattr(services, "_flush_named", flush_then_queue)
    return batches


def test_a_writers_turn_appends_the_votes_that_arrive_during_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The voters waiting for the writer wake once, when its turn ends, and find their votes
    appended: the turn goes on while the queue has votes."""
    motion = open_resolution(world)
    mine = queue(world, motion, "ana", "yes")
    batches = _arriving(world, motion, iter(["bo", "cy"]), monkeypatch)
    services._await_named(world.bakers.pk, mine.pk)
    assert sorted(votes_in_book(world, motion)) == [("ana", "yes"), ("bo", "yes"), ("cy", "yes")]
    assert not NamedVote.objects.exists()
    assert batches == [1, 1, 1]  # then the queue was empty, and the turn ended


def test_a_writers_turn_ends_in_time_however_many_votes_keep_arriving(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    motion = open_resolution(world)
    mine = queue(world, motion, "ana", "yes")
    crowd = (f"p{i}" for i in range(100_000))  # strangers: refused, but votes to append
    batches = _arriving(world, motion, crowd, monkeypatch)
    started = time.monotonic()
    services._await_named(world.bakers.pk, mine.pk)
    # The turn stops taking new batches after services._TURN; the vote was appended first.
    assert time.monotonic() - started < services._TURN.total_seconds() + 5
    assert ("ana", "yes") in votes_in_book(world, motion) and len(batches) >= 2
