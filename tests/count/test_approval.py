"""Approval: each ballot approves a set; the most approved fill the seats."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.count.approval import approval
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError


def ballots(
    names: str, sets: Sequence[tuple[int, str]], *, seats: int = 1, withdrawn: str = ""
) -> Profile:
    """Build an approval profile from ("count", "approved letters") pairs."""
    depth = max((len(r) for _, r in sets), default=0)
    ranks = np.full((len(sets), depth), -1, dtype=np.int16)
    for i, (_, r) in enumerate(sets):
        ranks[i, : len(r)] = [names.index(x) for x in r]
    return Profile(
        tuple(names),
        ranks,
        np.array([w for w, _ in sets], dtype=np.int64),
        seats,
        frozenset(names.index(x) for x in withdrawn),
    )


def test_the_most_approved_candidates_are_elected_in_order_of_approvals() -> None:
    p = ballots("ABCD", [(4, "AB"), (3, "BC"), (2, "D"), (1, "")], seats=2)
    result = approval(p, lot=Lot(0))
    assert result.elected_names == ("B", "A")
    (stage,) = result.rounds
    assert stage.votes == (4, 7, 3, 2)
    assert stage.exhausted == 1  # the blank ballot approved no one
    assert result.ties == ()


def test_a_candidate_listed_twice_on_a_ballot_counts_once() -> None:
    p = ballots("AB", [(3, "AA"), (2, "B")])
    assert approval(p, lot=Lot(0)).rounds[0].votes == (3, 2)


def test_a_tie_across_the_last_seat_is_drawn_by_the_recorded_lot() -> None:
    p = ballots("ABC", [(5, "A"), (3, "B"), (3, "C")], seats=2)
    seen = set()
    for seed in range(16):
        result = approval(p, lot=Lot(seed))
        assert result.elected[0] == 0
        (tie,) = result.ties
        assert tie.among == (1, 2) and tie.how == "lot" and tie.seed == seed
        assert result.elected[1] == tie.chosen
        seen.add(tie.chosen)
    assert seen == {1, 2}


def test_equal_candidates_that_all_fit_need_no_lot() -> None:
    p = ballots("ABC", [(5, "A"), (3, "BC")], seats=3)
    result = approval(p, lot=Lot(0))
    assert result.elected == (0, 1, 2) and result.ties == ()


def test_withdrawn_candidates_get_no_votes() -> None:
    p = ballots("ABC", [(5, "AB"), (3, "C")], withdrawn="A")
    result = approval(p, lot=Lot(0))
    assert result.rounds[0].votes == (0, 5, 3)
    assert result.elected_names == ("B",)


def test_more_seats_than_standing_candidates_are_refused() -> None:
    with pytest.raises(CountError, match="cannot fill 3 seat"):
        approval(ballots("AB", [(1, "A")], seats=3), lot=Lot(0))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 9), st.sets(st.sampled_from("ABCDE"), max_size=5)),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 5),
    st.integers(0, 1000),
)
def test_approvals_are_counted_as_a_plain_tally_would(
    sets: list[tuple[int, set[str]]], seats: int, seed: int
) -> None:
    p = ballots("ABCDE", [(w, "".join(sorted(s))) for w, s in sets], seats=seats)
    result = approval(p, lot=Lot(seed))
    expected: Counter[str] = Counter()
    for w, s in sets:
        for x in s:
            expected[x] += w
    assert result.rounds[0].votes == tuple(expected[x] for x in "ABCDE")
    assert len(result.elected) == seats == len(set(result.elected))
    worst_elected = min(expected["ABCDE"[x]] for x in result.elected)
    best_other = max((expected[x] for x in "ABCDE" if "ABCDE".index(x) not in result.elected),
                     default=-1)
    assert worst_elected >= best_other
