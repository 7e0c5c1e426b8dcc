"""Schulze: Schulze's worked examples, ties by lot, and agreement with pref_voting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from countcast import profile, random_profiles, to_pref_voting
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.margin_based_methods import beat_path

from sovet.count.blt import read_blt
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError
from sovet.count.schulze import pairwise, schulze

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SCHULZE = DATA / "reference" / "schulze"


def reference_cases() -> list[Path]:
    return sorted(SCHULZE.glob("*.schulze.json")) if SCHULZE.is_dir() else []


@pytest.mark.skipif(not SCHULZE.is_dir(), reason=f"reference data not found at {SCHULZE}")
@pytest.mark.parametrize("case", reference_cases(), ids=lambda p: p.name)
def test_schulze_matches_the_worked_examples_of_the_paper(case: Path) -> None:
    expected = json.loads(case.read_text())
    p = read_blt(case.parent / expected["file"])
    result = schulze(p, lot=Lot(0))
    names = [[p.candidates[x] for x in group] for group in result.ranking or ()]
    assert [sorted(g) for g in names] == [sorted(g) for g in expected["ranking"]]
    assert (len(names[0]) > 1) == expected.get("tie", False)
    assert (len(result.ties) == 1) == expected.get("tie", False)
    assert [i + 1 for i in result.elected] == expected["elected_index"] or expected.get("tie")


def test_the_wikipedia_example_gives_its_strongest_paths() -> None:
    # Schulze (2011) example 1, 45 voters; the path matrix is printed in the paper.
    p = profile(
        "ABCDE",
        [
            (5, "ACBED"),
            (5, "ADECB"),
            (8, "BEDAC"),
            (3, "CABED"),
            (7, "CAEBD"),
            (2, "CBADE"),
            (7, "DCEBA"),
            (8, "EBADC"),
        ],
    )
    result = schulze(p, lot=Lot(0))
    assert result.matrix == (
        (0, 28, 28, 30, 24),
        (25, 0, 28, 33, 24),
        (25, 29, 0, 29, 24),
        (25, 28, 28, 0, 24),
        (25, 28, 28, 31, 0),
    )
    assert result.ranking == ((4,), (0,), (2,), (1,), (3,))
    assert result.elected_names == ("E",)
    assert result.ties == ()
    assert result.rounds[0].votes == (10, 8, 12, 7, 8)


def test_two_potential_winners_are_decided_by_the_recorded_lot() -> None:
    p = profile("ABCD", [(3, "ABCD"), (2, "DABC"), (2, "DBCA"), (2, "CBDA")])
    winners = set()
    for seed in range(16):
        result = schulze(p, lot=Lot(seed))
        assert result.ranking is not None and result.ranking[0] == (1, 3)
        (tie,) = result.ties
        assert tie.among == (1, 3) and tie.how == "lot" and tie.seed == seed
        assert result.elected == (tie.chosen,)
        winners.add(tie.chosen)
    assert winners == {1, 3}


def test_unlisted_candidates_rank_below_listed_ones() -> None:
    d = pairwise(profile("ABC", [(4, "A"), (1, "BC")]))
    assert d.tolist() == [[0, 4, 4], [1, 0, 1], [1, 0, 0]]


def test_a_withdrawn_candidate_is_struck_off_every_ballot() -> None:
    # Without B, C beats A 3-2 on the ballots "BCA" and "CA".
    p = profile("ABC", [(2, "ABC"), (2, "BCA"), (1, "CA")], withdrawn="B")
    result = schulze(p, lot=Lot(0))
    assert result.elected_names == ("C",)
    assert result.ranking == ((2,), (0,))


def test_more_than_one_seat_is_refused() -> None:
    with pytest.raises(CountError, match=r"exactly one seat.*STV"):
        schulze(profile("ABC", [(1, "ABC")], seats=2), lot=Lot(0))


def python_strongest_paths(d: list[list[int]], margin: bool) -> list[list[int]]:
    """The Floyd-Warshall loop as Schulze (2011) section 2.3 writes it, one pair at a time."""
    c = len(d)
    p = [[0] * c for _ in range(c)]
    for i in range(c):
        for j in range(c):
            if i != j and d[i][j] > d[j][i]:
                p[i][j] = d[i][j] - d[j][i] if margin else d[i][j]
    for i in range(c):
        for j in range(c):
            if i != j:
                for k in range(c):
                    if i != k and j != k:
                        p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_profiles(6), st.integers(0, 2**32))
def test_schulze_agrees_with_pref_voting(p: Profile, seed: int) -> None:
    pv = to_pref_voting(p, extended=True)
    d = pairwise(p)
    for strength, oracle in (("winning", pv.support), ("margin", pv.margin)):
        result = schulze(p, lot=Lot(seed), strength=strength)  # type: ignore[arg-type]
        assert result.ranking is not None and result.matrix is not None
        assert list(result.ranking[0]) == beat_path(pv, strength_function=oracle)
        assert result.elected[0] in result.ranking[0]
        expected = python_strongest_paths(d.tolist(), margin=strength == "margin")
        assert [list(row) for row in result.matrix] == expected
        # No candidate is beaten by one ranked below them.
        place = {x: g for g, group in enumerate(result.ranking) for x in group}
        for a in place:
            for b in place:
                if place[a] < place[b]:
                    assert not result.matrix[b][a] > result.matrix[a][b]
