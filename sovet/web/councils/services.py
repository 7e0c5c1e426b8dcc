"""Services: one command each, in one transaction, from the lock to the projection.

The pipeline, for every service (`<concept>_<verb>`, keyword-only, `@transaction.atomic`):

1. `council_lock` locks the council's book head for the transaction;
2. `_close_due` closes every motion whose voting window has ended (the lazy close), so no
   command ever acts on a ballot that should be closed;
3. `council_state` gives the `CouncilState` at the head (cached, caught up from the book);
4. a core rule decides: a `Decision` with its acts, or a `RuleError` that rolls everything
   back (nothing written);
5. `book_append` chains the acts into the book, `council_state_store` caches the decision's
   state at the new head, and `project` updates the tables, all in that same transaction.

A secret vote writes no act: its roll row and box row are written together (`motion_vote`);
the close seals the box (`_close_motion`). Views parse a form, call one service, render;
services never call services.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from psycopg import errors as psycopg_errors

from sovet.core import action, election, founding, membership, party, petition
from sovet.core import declaration as core_declaration
from sovet.core import motion as core_motion
from sovet.core.acts import Act as CoreAct
from sovet.core.ballot import BallotBox, SecretVote, cast_secret, vote
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision, settled, working
from sovet.core.errors import AlreadyVoted, BadCommand, RuleError, WrongState, refusal
from sovet.web import rows
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.books.services import (
    CouncilBusy,
    after_writer,
    book_append,
    box_lock,
    box_lock_statement,
    council_lock,
    council_lock_statement,
    council_row,
    head_unmoved,
    turn_end_statement,
    writer_abandon,
    writer_release,
    writer_try,
    writer_try_or_wait_statement,
)
from sovet.web.councils.models import (
    BallotBoxEntry,
    NamedVote,
    SealedBallot,
    VoterRoll,
    random_id,
)
from sovet.web.councils.projector import project
from sovet.web.councils.selectors import (
    acts_after_cached,
    council_state,
    council_state_cached,
    council_state_store,
)
from sovet.web.councils.vacuum import vacuum_box
from sovet.web.notifications.services import notify

Declared = tuple[tuple[str, str, str, str], ...]


class CouncilIdTaken(WrongState):
    """Another council on this server already has that id."""

    code = "council_id_taken"


class NoSuchPerson(BadCommand):
    """A username that names nobody on this server."""

    code = "no_such_person"


def _now(at: datetime | None) -> datetime:
    return timezone.now() if at is None else at


def _commit(council: Council, decision: Decision,
            also: Sequence[rows.Statement] = ()) -> CouncilState:
    """Append a decision's acts, cache its state at the new head, and project the entries
    (`also`: see `book_append`)."""
    entries = book_append(council, decision.acts, also=also)
    council_state_store(council, decision.state)
    project(council, entries)
    notify(council, entries, decision.state)  # inbox rows now; e-mail on commit
    return decision.state


def _box(council: Council, of: str, ballot: int) -> tuple[BallotBox, QuerySet[BallotBoxEntry]]:
    """A secret ballot's roll and box as the core's `BallotBox`, and the box's rows.

    Takes the box's lock exclusive first, so every vote in flight is in (guarantee 3).
    """
    box_lock(council.pk, exclusive=True)
    roll = set(
        VoterRoll.objects.filter(council=council, of=of, ballot=ballot)
        .values_list("person", flat=True)
    )
    rows = BallotBoxEntry.objects.filter(council=council, of=of, ballot=ballot)
    contents = [_content(c) for c in rows.values_list("content", flat=True)]
    return BallotBox(roll=roll, ballots=contents), rows


def _seal(council: Council, of: str, ballot: int, decision: Decision,
          rows: QuerySet[BallotBoxEntry]) -> None:
    """Keep the sealed list in its sealed order and delete the open box (guarantee 3)."""
    SealedBallot.objects.bulk_create(
        SealedBallot(council=council, of=of, ballot=ballot, position=i, content=b)
        for i, b in enumerate(decision.sealed)
    )
    rows.delete()
    # A deleted row stays readable in the table's pages, its transaction id beside the voter
    # roll's, until the table is rewritten: after the commit, it is.
    vacuum_box()


def _seed() -> int:
    """The lot's seed for a seal or a count: drawn here, recorded in the book."""
    return secrets.randbelow(2**63)


def _close_motion(council: Council, state: CouncilState, motion: int, at: datetime) -> Decision:
    """Close one motion's ballot; a secret one is sealed and its open box deleted."""
    if not state.motion(motion).secret:
        decision = core_motion.close(state, motion=motion, at=at)
    else:
        box, rows = _box(council, "motion", motion)
        decision = core_motion.close(state, motion=motion, at=at, box=box, seed=_seed())
        _seal(council, "motion", motion, decision, rows)
    _commit(council, decision)
    return decision


def _close_election(council: Council, state: CouncilState, number: int,
                    at: datetime) -> Decision:
    """Count one election whose voting has ended; a secret one is sealed first."""
    if not state.election(number).secret:
        decision = election.close_election(state, election=number, at=at, seed=_seed())
    else:
        box, rows = _box(council, "election", number)
        decision = election.close_election(state, election=number, at=at, seed=_seed(),
                                           box=box)
        _seal(council, "election", number, decision, rows)
    _commit(council, decision)
    return decision


def _content(text: str) -> str | tuple[str, ...]:
    value = orjson.loads(text)
    return tuple(value) if isinstance(value, list) else str(value)


def anything_due(state: CouncilState, now: datetime) -> bool:
    """Whether a lazy close has something to do (cheap: pages check it before locking)."""
    return bool(core_motion.closes_due(state, now) or election.counts_due(state, now)
                or membership.unopposed_due(state, now))


def _close_due(council: Council, state: CouncilState, now: datetime) -> CouncilState:
    """Close every ballot due by `now`, count every election due, and admit the applicants
    whose objection period passed (in the caller's transaction, after `council_lock`)."""
    for motion in core_motion.closes_due(state, now):
        state = _close_motion(council, state, motion, now).state
    for number in election.counts_due(state, now):
        state = _close_election(council, state, number, now).state
    for person in membership.unopposed_due(state, now):
        state = _commit(council, membership.admit_unopposed(state, applicant=person, at=now))
    return state


def _begin(council_id: int, at: datetime) -> tuple[Council, CouncilState]:
    """Lock the council, close what is due, and return it with its state."""
    council = council_lock(council_id)
    state = _flush_named(council, council_state(council)).state
    return council, _close_due(council, state, at)


def _run(council_id: int, at: datetime | None,
         rule: Callable[[CouncilState, datetime], Decision]) -> CouncilState:
    """The pipeline of one command: lock, close what is due, decide, append, project."""
    when = _now(at)
    council, state = _begin(council_id, when)
    return _commit(council, rule(state, when))


@transaction.atomic(durable=True)
def motions_close_due(*, council_id: int, now: datetime) -> list[int]:
    """Close every motion of the council whose voting window has ended by `now`; count every
    election whose voting has ended; admit applicants whose objection period passed.

    Pages call it before showing a council that has something due (the lazy close); a
    `sovet close-due` command can call it for every council. Returns the motions closed.
    """
    council = council_lock(council_id)
    state = _flush_named(council, council_state(council)).state
    # A refused queued vote whose voter's request died before reading it: nobody will.
    NamedVote.objects.filter(council=council, at__lt=now - _FORGOTTEN).exclude(
        refused="").delete()
    due = core_motion.closes_due(state, now)
    _close_due(council, state, now)
    return due


@transaction.atomic(durable=True)
def council_found(
    *,
    person: Person,
    slug: str,
    name: str,
    cofounders: Sequence[str],
    charter: Charter,
    at: datetime | None = None,
) -> Council:
    """Propose a new council with its first charter; the proposer confirms at once.

    Each co-founder (a username on this server) then confirms with `founding_confirm`; the
    last confirmation founds the council. Raises `CouncilIdTaken`, `NoSuchPerson`, and what
    `sovet.core.founding.propose_founding` raises.
    """
    when = _now(at)
    founders = (person.username, *cofounders)
    known = set(Person.objects.filter(username__in=cofounders).values_list("username", flat=True))
    unknown = [u for u in cofounders if u not in known]
    if unknown:
        raise NoSuchPerson(
            f"nobody on this server has the username {', '.join(unknown)}; co-founders must "
            f"sign up first", founders=tuple(unknown))
    if Council.objects.filter(slug=slug).exists():
        raise CouncilIdTaken(f"a council with the id {slug!r} already exists; choose another id",
                             council=slug)
    try:
        with transaction.atomic():
            created = Council.objects.create(slug=slug, name=name)
    except IntegrityError:
        raise CouncilIdTaken(f"a council with the id {slug!r} already exists; choose another "
                             f"id", council=slug) from None
    council = council_lock(created.pk)
    decision = founding.propose_founding(CouncilState(), council=slug, name=name,
                                         founders=founders, by=person.username, at=when,
                                         charter=charter)
    _commit(council, decision)
    return council


@transaction.atomic(durable=True)
def founding_confirm(*, person: Person, council_id: int, at: datetime | None = None) -> None:
    """Confirm a founding as one of its founding group (the last confirmation founds it)."""
    council = council_lock(council_id)
    decision = founding.confirm_founding(council_state(council), by=person.username,
                                         at=_now(at))
    _commit(council, decision)


@transaction.atomic(durable=True)
def member_apply(
    *, person: Person, council_id: int, declarations: Declared = (), at: datetime | None = None
) -> None:
    """Apply to join the council, declaring the positions of command or privilege one holds."""
    _run(council_id, at, lambda st, when: membership.apply_for(
        st, person=person.username, at=when, declarations=declarations))


@transaction.atomic(durable=True)
def applicant_sponsor(
    *, person: Person, council_id: int, applicant: str, at: datetime | None = None
) -> None:
    """Sponsor an applicant; the last sponsor needed moves the charter's procedure on."""
    _run(council_id, at, lambda st, when: membership.sponsor(
        st, applicant=applicant, by=person.username, at=when))


@transaction.atomic(durable=True)
def applicant_object(
    *, person: Person, council_id: int, applicant: str, reason: str, at: datetime | None = None
) -> None:
    """Object to a sponsored applicant in the objection period: their admission goes to a vote."""
    _run(council_id, at, lambda st, when: membership.object_to(
        st, applicant=applicant, by=person.username, reason=reason, at=when))


@transaction.atomic(durable=True)
def declaration_renounce(
    *, person: Person, council_id: int, declaration: int, at: datetime | None = None
) -> None:
    """Renounce a position one declared."""
    _run(council_id, at, lambda st, when: core_declaration.renounce(
        st, person=person.username, declaration=declaration, at=when))


@transaction.atomic(durable=True)
def member_leave(*, person: Person, council_id: int, at: datetime | None = None) -> None:
    """Leave the council, or withdraw one's application."""
    _run(council_id, at, lambda st, when: membership.leave(st, person=person.username,
                                                            at=when))


@transaction.atomic(durable=True)
def motion_move(
    *,
    person: Person,
    council_id: int,
    kind: str,
    text: str = "",
    subject: str = "",
    ref: int = 0,
    seats: int = 0,
    method: str = "",
    role: str = "",
    charter: Charter | None = None,
    at: datetime | None = None,
) -> int:
    """Table a motion of one of the charter's kinds; returns its number."""
    state = _run(council_id, at, lambda st, when: core_motion.move(
        st, kind=kind, by=person.username, at=when, text=text, subject=subject, ref=ref,
        seats=seats, method=method, role=role, charter=charter))
    return max(state.motions)


@transaction.atomic(durable=True)
def motion_second(
    *, person: Person, council_id: int, motion_id: int, at: datetime | None = None
) -> None:
    """Second a motion; the ballot opens when the charter's seconders are reached."""
    _run(council_id, at, lambda st, when: core_motion.second(
        st, motion=motion_id, by=person.username, at=when))


def motion_vote(
    *, person: Person, council_id: int, motion_id: int, choice: str, at: datetime | None = None
) -> None:
    """Vote yes, no or abstain on a motion's ballot.

    An open ballot's vote is a named act in the book: appended at once, or, when the council is
    busy, queued and appended in one batch with the other votes queued meanwhile (`_vote`);
    this returns once it is in the book. A secret ballot's vote writes the roll row (who) and
    the box row (what, with a random id, no person, no time) in one transaction and nothing
    else; nothing identifying the ballot is returned.
    Raises `AlreadyVoted` for a second vote (the roll's UNIQUE constraint backs the rule).
    """
    when = _now(at)
    _vote(council_id, when, "motion", motion_id, person.username, choice,
          named=lambda st, when: vote(st, motion=motion_id, by=person.username, choice=choice,
                                      at=when),
          secret=lambda st, box, when: cast_secret(st, box, motion=motion_id,
                                                   by=person.username, choice=choice, at=when))


def motion_vote_as(voter: rows.Statement, *, council_id: int, motion_id: int, choice: str,
                   first: Sequence[rows.Statement] = ()) -> bool:
    """Vote on a motion's open ballot as the person an SQL expression names (`voter`: their
    username, NULL for nobody, as `sovet.api.tokens.Holder` gives it), after the statements
    `first` (a token's note of its use), in one round trip when another writer appends it;
    True once the vote is in the book, and raises its refusal as `motion_vote` does.

    For the vote's fast lane: the voter is checked in the statement that queues the vote, and
    the rules are asked once, by the writer that appends it, on the book's own state; so a
    vote costs no round trip of its own to learn who votes. On PostgreSQL, outside a
    transaction, on this process's cached state of the council. False, having written
    nothing, whenever this path cannot take the vote: no cached state, something due, no such
    motion or a secret ballot (which `motion_vote` takes), or `voter` names nobody.
    """
    when = timezone.now()
    cached = _cached_without_due(council_id, when)
    if cached is None:
        return False
    try:
        if cached[2].motion(motion_id).secret:
            return False
    except RuleError:
        return False  # no such motion: `motion_vote` names it
    return _enqueue_and_wait(council_id, when, "motion", motion_id, voter, choice, first=first)


def _cached_without_due(council_id: int, when: datetime
                        ) -> tuple[int, str, CouncilState] | None:
    """This process's cached state of the council and its head, for a vote decided on it: on
    PostgreSQL, outside a caller's transaction, and only when nothing is due at `when` (then
    the whole pipeline runs, so the due close comes first). None otherwise."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    cached = council_state_cached(council_id)
    if cached is None or anything_due(cached[2], when):
        return None
    return cached


NamedRule = Callable[[CouncilState, datetime], Decision]
SecretRule = Callable[[CouncilState, BallotBox, datetime], SecretVote]
# How long a refused queued vote waits for its voter to read it before `motions_close_due`
# forgets it.
_FORGOTTEN = timedelta(hours=1)


def _vote(council_id: int, when: datetime, of: str, ballot: int, person: str,
          content: str | tuple[str, ...], *, named: NamedRule, secret: SecretRule) -> None:
    """Cast one vote by the fastest path that keeps the rules.

    Usually one transaction (`_cast`): a secret vote under the box's shared lock, so secret
    voters never wait for each other; a named vote appended at once when nobody else is the
    council's writer. When another writer is, the named vote is queued in that same
    transaction and appended by the next writer in a batch with the others queued
    (`_await_named`), so a busy council's votes share transactions instead of each waiting for
    its own. When something is due, the whole pipeline under the council's lock, so the due
    close comes first. On PostgreSQL, outside a transaction, the vote is first tried on the
    process's cached state of the council (`_vote_on_cache`).
    """
    if _vote_on_cache(council_id, when, of, ballot, person, content, named=named,
                      secret=secret):
        return
    try:
        outcome = _cast(council_id, when, of, ballot, person, content, named=named,
                        secret=secret)
    except _Due:
        _vote_locked(council_id, when, of, ballot, person, named=named, secret=secret)
        return
    if isinstance(outcome, _Queued):
        _await_named(council_id, outcome.pk)
    elif outcome is not None:
        raise outcome


class _Due(Exception):
    """Something is due before this vote: it takes the whole pipeline instead."""


@dataclass(frozen=True)
class _Queued:
    """The named vote waits in the queue, as this row."""

    pk: int


@transaction.atomic(durable=True)
def _cast(council_id: int, when: datetime, of: str, ballot: int, person: str,
          content: str | tuple[str, ...], *, named: NamedRule,
          secret: SecretRule) -> RuleError | _Queued | None:
    # The box's lock comes before the head is read, so a seal that committed first has closed
    # the ballot in the state the rules see (and a seal waits for this vote).
    council = box_lock(council_id, exclusive=False)
    state = council_state(council)
    if anything_due(state, when):
        raise _Due
    if not _is_named(state, of, ballot, person):
        _cast_secret(council, state, person, when, secret)
        return None
    try:
        council = council_lock(council_id, nowait=True)
    except CouncilBusy:
        named(state, when)  # the rules' answer now: a refusal queues nothing, waits for nothing
        return _Queued(_enqueue(council_id, when, of, ballot, person, content))
    # Refused by a vote queued before it: that batch still commits, and the refusal is raised
    # after.
    return _flush_named(council, council_state(council), named, when).refused


def _vote_on_cache(council_id: int, when: datetime, of: str, ballot: int, person: str,
                   content: str | tuple[str, ...], *, named: NamedRule,
                   secret: SecretRule) -> bool:
    """Cast a vote decided on this process's cached state of the council, if it can be; True
    once it is cast (or refused by the book's own state, raised).

    On PostgreSQL, outside a caller's transaction. The cache may be behind the book, so:
    - a secret vote is written, in one round trip, only if the council's head is still the one
      the cache is at (`_store_secret_at_head`), where `_cast` needs four;
    - an open ballot's vote is queued at once, and waited for, in one round trip
      (`_enqueue_and_wait`): the writer that appends the queue asks the rules again on the
      book's own state, and only then is the vote counted.
    False, having written nothing, whenever this path cannot be sure: no cached state,
    something due, a delegate's named vote on a secret ballot (so a cache behind the book
    never queues a secret ballot's choice), a refusal (the refusal is `_cast`'s to give), a
    head that moved, or the roll's constraint refusing.
    """
    cached = _cached_without_due(council_id, when)
    if cached is None:
        return False
    seq, head, state = cached
    try:
        if not _is_named(state, of, ballot, person):
            return _store_secret_at_head(council_id, seq, head,
                                         secret(state, BallotBox(roll=set()), when))
        if _ballot(state, of, ballot).secret:
            return False
        named(state, when)
    except RuleError:
        return False
    _enqueue_and_wait(council_id, when, of, ballot, person, content)
    return True


def _enqueue(council_id: int, when: datetime, of: str, ballot: int, person: str,
             content: str | tuple[str, ...]) -> int:
    """Queue a named vote in this transaction, which then commits without waiting for the
    disk: the voter's answer waits for the append's commit, which is durable and flushes the
    log through the queued row too. So every vote answered as counted is in the book after a
    crash."""
    lazy: list[rows.Statement] = (
        [("SET LOCAL synchronous_commit = off", [])] if connection.vendor == "postgresql" else [])
    return int(rows.script([*lazy, _queueing(council_id, when, of, ballot, person,
                                             content)])[0][0])


def _queueing(council_id: int, when: datetime, of: str, ballot: int,
              person: str | rows.Statement, content: str | tuple[str, ...]) -> rows.Statement:
    """The statement that queues a named vote; `person` is the voter's username, or an SQL
    expression for it (with its parameters: see `motion_vote_as`)."""
    who, named = ("%s", [person]) if isinstance(person, str) else person
    return (rows.planned(
        f"INSERT INTO {NamedVote._meta.db_table} (council_id, of, ballot, person, content, at, "
        f"refused, detail) VALUES (%s, %s, %s, {who}, %s, %s, '', '') RETURNING id"),
            [council_id, of, ballot, *named, orjson.dumps(content).decode(),
             connection.ops.adapt_datetimefield_value(when)])


def _enqueue_and_wait(council_id: int, when: datetime, of: str, ballot: int,
                      person: str | rows.Statement, content: str | tuple[str, ...], *,
                      first: Sequence[rows.Statement] = ()) -> bool:
    """Queue a named vote and wait until it is in the book, in one round trip when another
    writer appends it (PostgreSQL, outside a transaction); raise its refusal.

    One script: the vote queued and committed (as `_enqueue`, after the statements `first`, in
    its transaction), the writer's turn taken if nobody holds it or else the wait for the
    writer (`writer_try_or_wait_statement`), and the vote's fate read. A voter that took the turn
    appends the queue itself, its own vote first; one that finds its vote still queued goes on
    as `_await_named` does. False, with nothing written, when `person` is an expression that
    names nobody (the queue's person is NOT NULL, so the script stops there).
    """
    try:
        found = rows.results([
            ("SET LOCAL synchronous_commit = off", []),
            *first,
            _queueing(council_id, when, of, ballot, person, content),
            ("COMMIT", []),
            writer_try_or_wait_statement(council_id),
            _fate_of_last(),
        ])
    except IntegrityError as e:
        if isinstance(e.__cause__, psycopg_errors.NotNullViolation):
            return False  # before the COMMIT and the turn: nothing written, nothing held
        writer_abandon()
        raise
    except DatabaseError:
        writer_abandon()  # the script may have failed after taking the turn
        raise
    queued, writer, fate = int(found[-4][0][0]), bool(found[-2][0][0]), _fate(found[-1])
    _await_named(council_id, queued, fate=_append_queued(council_id, queued, held=True)
                 if writer else fate)
    return True


def _fate_of_last() -> rows.Statement:
    """The statement that reads the fate of the vote this session queued last."""
    return rows.planned(f"SELECT refused, detail FROM {NamedVote._meta.db_table} "
                        "WHERE id = lastval()"), []


def _await_named(council_id: int, queued: int, fate: _Fate | None = None) -> None:
    """Wait until this queued vote is in the book, or refused; raise its refusal.

    Each round waits for the council's writer to end (`after_writer`, with every other
    waiting voter at once) and reads the vote's row: gone means appended, in a transaction
    that committed durably; refused means refused. A row still waiting was queued after that
    writer read the queue: this voter then tries to be the writer and append the queue itself.
    `fate`, if given, is the first round's, read already.
    """
    if fate is None:
        fate = _fate(after_writer(council_id, *_fate_query(queued)))
    while fate is _WAITING:
        fate = _append_queued(council_id, queued)
        if fate is _WAITING:
            fate = _fate(after_writer(council_id, *_fate_query(queued)))
    if fate is _APPENDED:
        return
    NamedVote.objects.filter(pk=queued).delete()
    raise refusal(*fate)


# A queued vote's fate: appended, waiting, or refused (the refusal's code and message).
_APPENDED = ("appended", "")
_WAITING = ("", "")
_Fate = tuple[str, str]


def _fate_query(queued: int) -> rows.Statement:
    return rows.planned(
        f"SELECT refused, detail FROM {NamedVote._meta.db_table} WHERE id = %s"), [queued]


def _fate(found: list[tuple[Any, ...]]) -> _Fate:
    """A queued vote's fate from its row: `_APPENDED` when gone, `_WAITING` while it waits,
    else (refused, detail)."""
    if not found:
        return _APPENDED
    refused, detail = found[0]
    return _WAITING if not refused else (str(refused), str(detail))


def _append_queued(council_id: int, queued: int, *, held: bool = False) -> _Fate:
    """Become the council's writer if nobody is (`held`: this session is already), append the
    queue, and return this vote's fate (`_WAITING` if another writer came first).

    The writer's turn (`writer_try`) lasts while votes keep arriving, up to `_TURN`: each
    transaction of the turn appends what was queued during the one before, and the voters
    waiting for the writer wake once, at the end of the turn, instead of each trying to become
    the next writer after every transaction. The turn ends in the round trip that commits its
    last transaction (`turn_end_statement`).
    """
    if not held and not writer_try(council_id):
        return _WAITING
    end = time.monotonic() + _TURN.total_seconds()
    fates: dict[int, _Fate] | None = None
    going = True
    try:
        while going:
            batch, going = _append_once(council_id, over=time.monotonic() >= end)
            fates = batch if fates is None else fates
    except CouncilBusy:
        pass  # another writer: only in a session that held no turn (SQLite's have none)
    finally:
        if going:
            writer_release(council_id)
    if fates is None:
        return _WAITING
    # Not in its batch: a writer before took it (or refused it) after this voter looked.
    return fates[queued] if queued in fates else _fate(rows.script([_fate_query(queued)]))


# How long a writer's turn may go on appending after its own vote: a bound on the wait it adds
# to its own voter's answer.
_TURN = timedelta(milliseconds=20)


def _append_once(council_id: int, *, over: bool) -> tuple[dict[int, _Fate], bool]:
    """Append the queue in one transaction, as the council's writer: the fate of every vote
    the batch read (empty: nothing was queued), and whether the turn goes on (not `over`, and
    votes queued meanwhile). Raises `CouncilBusy` if another writer holds the council.

    Three round trips: the lock, the acts this process has not seen and the queue, read with
    the BEGIN (`transaction_from`); the append; the COMMIT, with the end of the turn.
    """
    then: list[rows.Statement] = []
    with rows.transaction_from(
            [council_lock_statement(council_id), acts_after_cached(council_id),
             _queue_read(council_id)], then=then) as ends:
        locked, known, queued = ends.first
        if not locked:
            raise CouncilBusy(council_id)
        council = council_row(council_id, locked)
        fates = _flush_named(council, council_state(council, known), queued=queued).fates
        # Waiting means queued after the last row this batch read. Looking only past it skips
        # the rows just deleted, whose index entries stay until no snapshot can see them, and
        # which a look from the queue's start would visit, every one, at every turn's end.
        waiting = (f"EXISTS (SELECT 1 FROM {NamedVote._meta.db_table} WHERE council_id = %s "
                   "AND id > %s AND refused = '')",
                   [council_id, max((int(q[0]) for q in queued), default=0)])
        then.append(turn_end_statement(council_id, over=over, waiting=waiting))
    return fates, bool(ends.then[0][0][0])


def _queue_read(council_id: int) -> rows.Statement:
    """The statement that reads the council's queue, in the order queued (for `_flush_named`)."""
    queue, params = rows.select(NamedVote, "r.council_id = %s AND r.refused = '' ORDER BY r.id",
                                [council_id])
    return rows.planned(queue), params


def _is_named(state: CouncilState, of: str, ballot: int, person: str) -> bool:
    """Whether this person's vote on this ballot is a named act (open ballot, or a delegate)."""
    return not _ballot(state, of, ballot).secret or person in state.delegates


def _ballot(state: CouncilState, of: str, ballot: int) -> Any:
    """The motion or election (`of`) whose ballot this is; raises `NotFound`."""
    return state.motion(ballot) if of == "motion" else state.election(ballot)


@transaction.atomic(durable=True)
def _vote_locked(council_id: int, when: datetime, of: str, ballot: int, person: str, *,
                 named: NamedRule, secret: SecretRule) -> None:
    council, state = _begin(council_id, when)
    if _is_named(state, of, ballot, person):
        _commit(council, named(state, when))
        return
    box_lock(council.pk, exclusive=False)
    _cast_secret(council, state, person, when, secret)


@dataclass(frozen=True)
class _Batch:
    """What a flush of the queue did: the state after it, the refusal of the writer's own vote,
    and the fate of every queued vote it read."""

    state: CouncilState
    refused: RuleError | None = None
    fates: dict[int, _Fate] = field(default_factory=dict)


def _flush_named(council: Council, state: CouncilState, own: NamedRule | None = None,
                 when: datetime | None = None, *,
                 queued: list[tuple[Any, ...]] | None = None) -> _Batch:
    """Append every queued named vote of the council in one batch (after `council_lock`), and
    then `own`, a named vote cast at `when`; `queued` is the queue's rows, if read already
    (`_queue_read`).

    Each vote is decided by the same rule as a lone vote, in the order queued, at the time it
    was cast, all on one working copy of the state (`working`: one copy per batch, not one per
    vote); a refused one keeps its row with the refusal, for its voter to read.
    """
    votes = [rows.instance(NamedVote, r) for r in
             (rows.script([_queue_read(council.pk)]) if queued is None else queued)]
    if not votes and own is None:
        return _Batch(state)
    work = working(state)
    acts: list[CoreAct] = []
    appended: list[int] = []
    fates: dict[int, _Fate] = {}
    for q in votes:
        try:
            acts += _named_rule(q.of, q.ballot, q.person, _content(q.content))(work, q.at).acts
        except RuleError as e:
            NamedVote.objects.filter(pk=q.pk).update(refused=e.code, detail=e.message)
            fates[q.pk] = (e.code, e.message)
            continue
        appended.append(q.pk)
        fates[q.pk] = _APPENDED
    refused: RuleError | None = None
    if own is not None:
        try:
            acts += own(work, _now(when)).acts
        except RuleError as e:
            refused = e
    state = settled(work)
    if acts:  # every appended vote has an act: its row goes in the same round trip
        delete = (f"DELETE FROM {NamedVote._meta.db_table} WHERE id IN "
                  f"({', '.join(['%s'] * len(appended))})", appended)
        state = _commit(council, Decision(tuple(acts), state), also=[delete] if appended else [])
    return _Batch(state, refused, fates)


def _named_rule(of: str, ballot: int, person: str,
                content: str | tuple[str, ...]) -> NamedRule:
    if of == "motion":
        return lambda st, when: vote(st, motion=ballot, by=person, choice=str(content), at=when)
    ranking = tuple(content)
    return lambda st, when: election.rank(st, election=ballot, by=person, ranking=ranking,
                                          at=when)


def _cast_secret(council: Council, state: CouncilState, person: str, when: datetime,
                 secret: SecretRule) -> None:
    """Decide a secret vote and store it, asking the roll whether this person voted only by
    writing their roll row: the roll's UNIQUE constraint answers in the same statement, and
    when it refuses, the rule is asked again with the person on the roll, so the refusal is
    the rule's own."""
    if not _store_secret(council, secret(state, BallotBox(roll=set()), when)):
        secret(state, BallotBox(roll={person}), when)  # raises AlreadyVoted
        raise AlreadyVoted(f"{person} has already voted on this ballot; a person votes once",
                           person=person)


_ROLL = f"{VoterRoll._meta.db_table} (council_id, of, ballot, person)"
_BOX = f"{BallotBoxEntry._meta.db_table} (id, council_id, of, ballot, content)"


def _store_secret(council: Council, secret: SecretVote) -> bool:
    """Write a secret vote's roll row and box row together (guarantee 3); return False, having
    written nothing, when the person is on the roll already. Returns nothing that could serve
    as a receipt."""
    roll, box = _secret_rows(council.pk, secret)
    # No savepoint: a refused roll row refuses the whole transaction, which is what we want,
    # and a savepoint would cost two more round trips on every vote.
    try:
        rows.script([(f"INSERT INTO {_ROLL} VALUES (%s, %s, %s, %s)", roll),
                     (f"INSERT INTO {_BOX} VALUES (%s, %s, %s, %s, %s)", box)])
    except IntegrityError:
        return False
    return True


def _secret_rows(council_id: int, secret: SecretVote) -> tuple[list[object], list[object]]:
    """The values of a secret vote's roll row and box row (the box's id random, guarantee 3)."""
    roll, box = secret.roll, secret.box
    return ([council_id, roll.of, roll.ballot, roll.person],
            [random_id(), council_id, box.of, box.ballot, orjson.dumps(box.content).decode()])


def _store_secret_at_head(council_id: int, seq: int, head: str, secret: SecretVote) -> bool:
    """Write a secret vote's roll and box rows in one round trip, only while the council's
    head is still (`seq`, `head`); whether they were written.

    One script, one implicit transaction: the box's shared lock (`box_lock_statement`), then,
    with a snapshot taken after it, the two rows `WHERE` the head has not moved
    (`head_unmoved`), so the write is as current as `_cast`'s read under the lock. False,
    having written nothing, when the head moved or the roll's constraint refused.
    """
    roll, box = _secret_rows(council_id, secret)
    unmoved, at = head_unmoved(council_id, seq, head)
    write = (rows.planned(
        f"WITH roll AS (INSERT INTO {_ROLL} SELECT %s, %s, %s, %s WHERE {unmoved} RETURNING 1) "
        f"INSERT INTO {_BOX} SELECT %s, %s, %s, %s, %s FROM roll RETURNING 1"),
        [*roll, *at, *box])
    try:
        return bool(rows.script([box_lock_statement(council_id, exclusive=False), write]))
    except IntegrityError:
        return False


@transaction.atomic(durable=True)
def election_nominate(
    *, person: Person, council_id: int, election_id: int, at: datetime | None = None
) -> None:
    """Stand oneself in an election, during its nomination period."""
    _run(council_id, at, lambda st, when: election.nominate(
        st, election=election_id, person=person.username, at=when))


@transaction.atomic(durable=True)
def election_slate(
    *, person: Person, council_id: int, election_id: int, party_id: int,
    candidates: Sequence[str], at: datetime | None = None,
) -> None:
    """Stand a legal party's slate of its members, proposed by one of them."""
    _run(council_id, at, lambda st, when: election.stand_slate(
        st, election=election_id, party=party_id, candidates=tuple(candidates),
        by=person.username, at=when))


def election_rank(
    *, person: Person, council_id: int, election_id: int, ranking: Sequence[str],
    at: datetime | None = None,
) -> None:
    """Rank the candidates of an election: a named act if it is open, else roll and box."""
    ranked = tuple(ranking)
    _vote(council_id, _now(at), "election", election_id, person.username, ranked,
          named=lambda st, when: election.rank(st, election=election_id, by=person.username,
                                               ranking=ranked, at=when),
          secret=lambda st, box, when: election.cast_secret_ranking(
              st, box, election=election_id, by=person.username, ranking=ranked, at=when))


@transaction.atomic(durable=True)
def party_found(
    *, person: Person, council_id: int, name: str, platform: str, at: datetime | None = None
) -> int:
    """Found a party with its platform; it is proposed until the members' vote legalizes it.
    Returns its number."""
    state = _run(council_id, at, lambda st, when: party.found_party(
        st, name=name, platform=platform, by=person.username, at=when))
    return max(state.parties)


@transaction.atomic(durable=True)
def party_join(*, person: Person, council_id: int, party_id: int,
               at: datetime | None = None) -> None:
    """Join a party."""
    _run(council_id, at, lambda st, when: party.join_party(
        st, party=party_id, person=person.username, at=when))


@transaction.atomic(durable=True)
def petition_open(
    *, person: Person, council_id: int, office: int, holder: str, at: datetime | None = None
) -> int:
    """Open a petition to recall a mandate, and sign it; returns its number."""
    state = _run(council_id, at, lambda st, when: petition.petition_recall(
        st, office=office, person=holder, by=person.username, at=when))
    return max(state.petitions)


@transaction.atomic(durable=True)
def petition_sign(*, person: Person, council_id: int, petition_id: int,
                  at: datetime | None = None) -> None:
    """Sign a recall petition; the signature that reaches the threshold opens the recall vote."""
    _run(council_id, at, lambda st, when: petition.sign(
        st, petition=petition_id, by=person.username, at=when))


@transaction.atomic(durable=True)
def action_record(*, person: Person, council_id: int, title: str,
                  at: datetime | None = None) -> int:
    """Record an action the council did together; returns its number."""
    state = _run(council_id, at, lambda st, when: action.record_action(
        st, title=title, by=person.username, at=when))
    return max(state.actions)


@transaction.atomic(durable=True)
def attendance_record(*, person: Person, council_id: int, action_id: int,
                      at: datetime | None = None) -> None:
    """Record one's own attendance at an action."""
    _run(council_id, at, lambda st, when: action.record_attendance(
        st, action=action_id, person=person.username, at=when))


@transaction.atomic(durable=True)
def attendance_confirm(*, person: Person, council_id: int, action_id: int, attendee: str,
                       at: datetime | None = None) -> None:
    """Confirm another person's attendance (may admit an applicant, as the charter says)."""
    _run(council_id, at, lambda st, when: action.confirm_attendance(
        st, action=action_id, person=attendee, by=person.username, at=when))


def affiliation_act_hash(parent: Council, parent_state: CouncilState, child: str) -> str:
    """The hash of the parent's act that carried the `affiliation` motion naming `child`.

    Raises `WrongState` when the parent's members have not (yet) accepted the child by motion.
    """
    # Imported here so this late addition leaves the shared import block untouched.
    from sovet.core.acts import from_record
    from sovet.web.books.models import Act

    carried = {n for n, m in parent_state.motions.items()
               if m.kind == "affiliation" and m.subject == child and m.status == "carried"}
    if child in parent_state.children and carried:
        for body, digest in Act.objects.filter(council=parent, kind=core_motion.MotionDecided.kind
                                               ).values_list("body", "hash"):
            a = from_record(orjson.loads(bytes(body)))
            if isinstance(a, core_motion.MotionDecided) and a.motion in carried:
                return str(digest)
    raise WrongState(f"council {parent.slug} has not accepted {child} by a carried affiliation "
                     f"motion yet", parent=parent.slug)


@transaction.atomic(durable=True)
def parent_acceptance_record(*, person: Person, council_id: int, parent: Council,
                             at: datetime | None = None) -> None:
    """Record in the child's book that the parent accepted it, citing the parent's act hash.

    The hash is read from the parent's own book here, never taken from the person.
    """
    from sovet.core import federation  # see affiliation_act_hash

    def rule(st: CouncilState, when: datetime) -> Decision:
        act_hash = affiliation_act_hash(parent, council_state(parent), st.council)
        return federation.record_parent_acceptance(st, parent=parent.slug, act_hash=act_hash,
                                                   by=person.username, at=when)

    _run(council_id, at, rule)


def delegate_act_hash(child: Council, child_state: CouncilState, delegate: str) -> str:
    """The hash of the child's act that elected `delegate` to its delegate office (the count).

    Raises `WrongState` when the child's book holds no such election of that person.
    """
    # Imported here so this late addition leaves the shared import block untouched.
    from sovet.core.acts import from_record
    from sovet.web.books.models import Act

    delegate_offices = {n for n, o in child_state.offices.items()
                        if o.role == "delegate" and delegate in o.mandates}
    elections = {child_state.offices[n].mandates[delegate].election for n in delegate_offices}
    if elections:
        for body, digest in Act.objects.filter(council=child, kind=election.ElectionCounted.kind
                                               ).values_list("body", "hash"):
            a = from_record(orjson.loads(bytes(body)))
            if isinstance(a, election.ElectionCounted) and a.election in elections:
                return str(digest)
    raise WrongState(f"{delegate} holds no delegate's mandate from council {child.slug}",
                     council=child.slug, person=delegate)


@transaction.atomic(durable=True)
def delegate_seat(*, person: Person, council_id: int, child: Council, delegate: str,
                  at: datetime | None = None) -> None:
    """Seat a child council's elected delegate, citing the child's act that elected them.

    The hash is read from the child's own book here, never taken from the person.
    """
    from sovet.core import federation  # see delegate_act_hash

    def rule(st: CouncilState, when: datetime) -> Decision:
        act_hash = delegate_act_hash(child, council_state(child), delegate)
        return federation.seat_delegate(st, child=child.slug, person=delegate,
                                        act_hash=act_hash, by=person.username, at=when)

    _run(council_id, at, rule)


@transaction.atomic(durable=True)
def delegate_unseat(*, person: Person, council_id: int, delegate: str,
                    at: datetime | None = None) -> None:
    """Unseat a delegate whom the council that sent them no longer mandates (recalled, gone
    from it), citing that council's act that ended the mandate.

    The hash is read from the child's own book here (`mandate_ended`), never taken from the
    person; while the delegate still holds the child's mandate there is none, and the rule
    refuses.
    """
    from sovet.core import federation  # see delegate_act_hash
    from sovet.core.book import read_book
    from sovet.web.books.selectors import book_lines, council_get

    def rule(st: CouncilState, when: datetime) -> Decision:
        child = federation.seated_from(st, person=delegate, by=person.username)
        ended = federation.mandate_ended(read_book(book_lines(council_get(child))), delegate)
        return federation.unseat_delegate(st, child=child, person=delegate, act_hash=ended,
                                          by=person.username, at=when)

    _run(council_id, at, rule)


@transaction.atomic(durable=True)
def council_rebuild(*, council_id: int) -> int:
    """Rebuild the council's tables (its `Membership` rows) from its book; return the acts read.

    The book is verified first, from its stored bytes to its head: a broken book raises
    `BrokenBook` naming the first bad act, and its tables are left as they are. Otherwise the
    rows are deleted and projected again by the same projector the live path uses.
    """
    # Imported here so this late addition leaves the shared import block untouched.
    from sovet.core.book import BrokenBook, read_book, verify
    from sovet.web.books.selectors import book_lines
    from sovet.web.councils.models import Membership
    from sovet.web.councils.selectors import council_state_forget

    council = council_lock(council_id)
    verdict = verify(book_lines(council), head=council.head_hash if council.head_seq else None)
    if not verdict.ok:
        raise BrokenBook(f"the book of council {council.slug} is broken: {verdict}; its tables "
                         f"were not rebuilt", council=council.slug)
    council_state_forget()  # the state is replayed from the verified book, not the cache
    entries = list(read_book(book_lines(council)))
    Membership.objects.filter(council=council).delete()
    project(council, entries)
    return len(entries)
