"""Reads of a council's business: its `CouncilState`, built from its book and cached.

The book is the source of truth; a rule needs a `CouncilState`. `council_state(council)` keeps
a per-process cache {council pk: (seq, head hash, state)} and catches up by reading only the
acts after the cached seq (usually none) and applying them with `sovet.core.council.replay`; a
cache miss replays the whole book. An entry is used only if the book still passes through its
(seq, hash): after a rolled-back transaction, or a database swapped under a running process,
the hashes differ and the whole book is replayed, so the cache can never serve a state the
book does not hold.

Thread-safe (waitress is threaded): a lock guards the cache, and a cached state is never
changed in place (catching up applies the new acts to a copy). Callers must not mutate the
returned state; rules never do (`decide` copies).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import orjson

import sovet.core  # noqa: F401 (registers every act kind, so replay knows them all)
from sovet.core import election
from sovet.core.acts import Act as CoreAct
from sovet.core.acts import from_record
from sovet.core.ballot import BallotBox, BallotSealed, cast_secret, vote
from sovet.core.book import GENESIS
from sovet.core.council import CouncilState, Declaration, permits, replay
from sovet.web.books.models import Act, Council
from sovet.web.councils.models import Membership, SealedBallot, VoterRoll
from sovet.web.rows import Statement, planned, script

_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class _Cached:
    seq: int
    hash: str
    state: CouncilState


_cache: dict[int, _Cached] = {}
_lock = threading.Lock()


def _acts(rows: Iterable[bytes]) -> Iterable[CoreAct]:
    for b in rows:
        yield from_record(orjson.loads(bytes(b)))


def council_state(council: Council,
                  known: Sequence[tuple[Any, ...]] = ()) -> CouncilState:
    """The council's state at the head read with `council` (do not mutate it).

    Reads only the acts after the cached seq; replays the whole book on a miss or when the
    cached entry is not on this book's chain. `known` may hold those acts already, as
    `acts_after_cached` read them in the caller's round trip.
    """
    with _lock:
        cached = _cache.get(council.pk)
    if cached is not None and cached.seq == council.head_seq and cached.hash == council.head_hash:
        return cached.state
    state: CouncilState | None = None
    if cached is not None and cached.seq < council.head_seq:
        # Every vote of a busy council catches up here with the acts other workers appended: by
        # hand (see `sovet.web.rows`).
        rows = (list(known) if known and known[0][2] == cached.hash else
                script([(f"SELECT body, hash, prev FROM {Act._meta.db_table} WHERE council_id = "
                         "%s AND seq > %s AND seq <= %s ORDER BY seq",
                         [council.pk, cached.seq, council.head_seq])]))
        # The new acts must chain onto the cached head, and end at the council's head.
        if rows and rows[0][2] == cached.hash and rows[-1][1] == council.head_hash:
            state = replay(_acts(r[0] for r in rows), cached.state.copy())
    if state is None:
        bodies = (
            Act.objects.filter(council=council, seq__lte=council.head_seq)
            .order_by("seq")
            .values_list("body", flat=True)
            .iterator(chunk_size=_CHUNK)
        )
        state = replay(_acts(bodies))
    council_state_store(council, state)
    return state


def acts_after_cached(council_id: int) -> Statement:
    """The statement that reads the acts of a council's book after this process's cached
    head, for `council_state(council, known=…)`: a writer sends it with its lock, in one round
    trip, instead of reading them after. With nothing cached it reads nothing (the whole book
    is replayed then, as ever)."""
    with _lock:
        cached = _cache.get(council_id)
    return (planned(f"SELECT body, hash, prev FROM {Act._meta.db_table} WHERE council_id = %s "
                    "AND seq > %s ORDER BY seq"),
            [council_id, _NOTHING if cached is None else cached.seq])


# A seq no book reaches.
_NOTHING = 2**62


def council_state_cached(council_id: int) -> tuple[int, str, CouncilState] | None:
    """This process's cached state of a council and the head it is at (seq, hash), or None.

    Without reading the database, so it may be behind the book: a write decided on it must
    check, in its own statement, that the head is still there (`head_unmoved`).
    """
    with _lock:
        cached = _cache.get(council_id)
    return None if cached is None else (cached.seq, cached.hash, cached.state)


def council_state_store(council: Council, state: CouncilState) -> None:
    """Keep `state` as the council's state at its current head (a service, after appending).

    Safe even if the transaction later rolls back: the entry names the head it belongs to, and
    `council_state` uses it only while the book passes through that head.
    """
    if council.head_seq == 0 and council.head_hash == GENESIS:
        return
    with _lock:
        _cache[council.pk] = _Cached(council.head_seq, council.head_hash, state)


def council_state_forget() -> None:
    """Empty the cache (tests, and a `sovet rebuild` that replaces the books)."""
    with _lock:
        _cache.clear()


def memberships_of(person: str) -> list[Membership]:
    """A person's standing in every council that knows them, by council name."""
    return list(
        Membership.objects.filter(person=person)
        .select_related("council")
        .order_by("council__name", "council_id")
    )


def declarations_of(council: Council, person: str) -> list[tuple[int, Declaration]]:
    """A person's declarations in a council, from its state (numbered as in the book)."""
    state = council_state(council)
    return [(n, d) for n, d in sorted(state.declarations.items()) if d.person == person]


def has_voted(council: Council, state: CouncilState, of: str, number: int, person: str) -> bool:
    """Whether `person` has voted on a motion's or an election's ballot (`of`: motion or
    election): the roll for a secret ballot (a seated delegate votes by name), else the
    named votes. Pages and the API both ask here."""
    if not person:
        return False
    if of == "motion":
        m = state.motion(number)
        secret, named = m.secret, person in m.votes
    else:
        e = state.election(number)
        secret, named = e.secret, person in e.rankings
    if named or not secret or person in state.delegates:
        return named
    return VoterRoll.objects.filter(council=council, of=of, ballot=number,
                                    person=person).exists()


def may_cast(state: CouncilState, of: str, number: int, person: str, voted: bool,
             at: datetime) -> bool:
    """Whether `person` may vote now on a motion's or an election's ballot (`of`), asked of
    the very rule their vote would go through, so a page offers the ballot exactly when the
    vote would count: by name on an open ballot or for a seated delegate, else secretly, with
    `voted` (`has_voted`) standing for the roll."""
    if not person:
        return False
    box = BallotBox(roll={person} if voted else set())
    rule: Callable[[], object]
    if of == "motion":
        named = not state.motion(number).secret or person in state.delegates
        rule = (partial(vote, state, motion=number, by=person, choice="yes", at=at) if named
                else partial(cast_secret, state, box, motion=number, by=person, choice="yes",
                             at=at))
        return permits(rule)
    e = state.election(number)
    if not e.candidates:
        return False  # nobody to rank yet
    ranking = (min(e.candidates),)
    named = not e.secret or person in state.delegates
    rule = (partial(election.rank, state, election=number, by=person, ranking=ranking, at=at)
            if named else partial(election.cast_secret_ranking, state, box, election=number,
                                  by=person, ranking=ranking, at=at))
    return permits(rule)


def sealed_of(council: Council, of: str, number: int) -> BallotSealed | None:
    """The book's `ballot.sealed` act of a motion's or election's secret ballot, once closed."""
    rows = Act.objects.filter(council=council, kind=BallotSealed.kind).values_list("body",
                                                                                   flat=True)
    for b in rows:
        a = from_record(orjson.loads(bytes(b)))
        if isinstance(a, BallotSealed) and a.of == of and a.ballot == number:
            return a
    return None


def sealed_list(council: Council, of: str, number: int) -> list[bytes] | None:
    """A closed secret ballot's sealed list in its sealed order, or None when it is not
    published (fewer than the charter's `min_published_voters` voted), not sealed yet, or not
    kept on this server (a council imported from its book)."""
    sealed = sealed_of(council, of, number)
    if sealed is None or not sealed.published:
        return None
    rows = [bytes(b) for b in SealedBallot.objects.filter(council=council, of=of, ballot=number)
            .order_by("position").values_list("content", flat=True)]
    # A council imported from its book has the seal's Merkle root but not the list itself.
    return rows if len(rows) == sealed.voters else None
