"""Reads of an election's count: the book's record, the ballots anyone may recount, the BLT
and the chart.

The book's `election.counted` act holds who was elected and each stage's votes. The full
count (transfers, exhausted, quota, ties) is recounted with `sovet.core.election.count` from
the ballots the council may see: an open election's named rankings, or a secret one's sealed
list when it is published (at least the charter's `min_published_voters` voted), plus the
seated delegates' named rankings. Below that minimum only the book's stage counts are shown.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from sovet.core.acts import from_record
from sovet.core.ballot import BallotSealed, Content, sealed_contents
from sovet.core.council import CouncilState, Election
from sovet.core.election import ElectionCounted, count
from sovet.core.errors import NotFound
from sovet.count.blt import write_blt
from sovet.count.chart import draw_chart
from sovet.count.profile import Profile
from sovet.count.result import Result, Round
from sovet.web.books.models import Act, Council
from sovet.web.councils.selectors import sealed_list, sealed_of


@dataclass(frozen=True)
class Count:
    """An election's count as the results page shows it.

    `result` is the full recount when the ballots are public, else a `Result` rebuilt from the
    book's stage counts only (`full` False). `ballots` are the public ballots (None when
    they are not public).
    """

    counted: ElectionCounted
    sealed: BallotSealed | None
    result: Result | None
    full: bool
    ballots: tuple[Content, ...] | None


def _acts_of(council: Council, kind: str) -> list[object]:
    rows = Act.objects.filter(council=council, kind=kind).values_list("body", flat=True)
    return [from_record(orjson.loads(bytes(b))) for b in rows]


def counted_act(council: Council, number: int) -> ElectionCounted | None:
    """The book's `election.counted` act of election `number`, if it has been counted."""
    for a in _acts_of(council, ElectionCounted.kind):
        if isinstance(a, ElectionCounted) and a.election == number:
            return a
    return None


def sealed_act(council: Council, number: int) -> BallotSealed | None:
    """The book's `ballot.sealed` act of a secret election, if it is closed."""
    return sealed_of(council, "election", number)


def public_ballots(council: Council, e: Election, number: int,
                   sealed: BallotSealed | None) -> tuple[Content, ...] | None:
    """The ballots of a counted election that anyone may read, or None if they are not public.

    Open election: every named ranking. Secret: the published sealed list (in its sealed
    order) and the delegates' named rankings; None when the list is not published.
    """
    named = tuple(e.rankings[p] for p in sorted(e.rankings))
    if not e.secret:
        return named
    rows = sealed_list(council, "election", number) if sealed is not None else None
    if rows is None:
        return None
    return tuple(sealed_contents(rows)) + named


def _summary(c: ElectionCounted) -> Result:
    """A `Result` holding only what the book records: each stage's votes and name."""
    rounds = []
    previous = (0,) * len(c.candidates)
    for i, (votes, action) in enumerate(zip(c.stages, c.actions, strict=True)):
        rounds.append(Round(number=i + 1, action=action, subject=None, votes=votes,
                            transfers=tuple(v - p for v, p in zip(votes, previous, strict=True)),
                            exhausted=0))
        previous = votes
    index = {p: i for i, p in enumerate(c.candidates)}
    return Result(method=c.method, candidates=c.candidates, seats=c.seats,
                  elected=tuple(index[p] for p in c.elected), rounds=tuple(rounds),
                  scale=c.scale, seed=c.seed)


def election_counted(council: Council, state: CouncilState, number: int) -> Count:
    """The count of election `number`; raises `NotFound` while it is not counted."""
    found = election_count(council, state, number)
    if found is None:
        raise NotFound(f"election {number} is not counted yet; its results and ballots are "
                       f"public when its voting closes", election=number)
    return found


def election_count(council: Council, state: CouncilState, number: int) -> Count | None:
    """The count of election `number`, or None while it is not counted."""
    c = counted_act(council, number)
    if c is None:
        return None
    e = state.election(number)
    sealed = sealed_act(council, number) if e.secret else None
    ballots = public_ballots(council, e, number, sealed)
    if not c.stages:
        return Count(c, sealed, None, ballots is not None, ballots)
    if ballots is None:
        return Count(c, sealed, _summary(c), False, None)
    result = count(c.method, c.seats, c.candidates, list(ballots), c.seed)
    return Count(c, sealed, result, True, ballots)


def ballots_profile(candidates: tuple[str, ...], seats: int, ballots: tuple[Content, ...],
                    title: str) -> Profile:
    """The public ballots as a count profile (identical rankings counted together)."""
    index = {p: i for i, p in enumerate(candidates)}
    rows: dict[tuple[int, ...], int] = {}
    for b in ballots:
        key = tuple(index[p] for p in b)
        rows[key] = rows.get(key, 0) + 1
    keys = sorted(rows)
    matrix = np.full((len(keys), max(1, len(candidates))), -1, dtype=np.int16)
    for i, k in enumerate(keys):
        matrix[i, : len(k)] = k
    return Profile(candidates=candidates, rankings=matrix,
                   weights=np.array([rows[k] for k in keys], dtype=np.int64), seats=seats,
                   title=title.replace('"', "'").replace("\n", " "))


def ballots_blt(counted: ElectionCounted, ballots: tuple[Content, ...], title: str) -> bytes:
    """The public ballots as BLT (no voter, no order of casting: one line per ranking)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ballots.blt"
        write_blt(ballots_profile(counted.candidates, counted.seats, ballots, title), path)
        return path.read_bytes()


def chart_svg(result: Result) -> bytes:
    """The count's chart from `sovet.count.chart.draw_chart`, as SVG."""
    with tempfile.TemporaryDirectory() as tmp:
        return draw_chart(result, Path(tmp) / "chart.svg").read_bytes()
