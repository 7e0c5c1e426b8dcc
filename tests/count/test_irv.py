"""Instant-runoff: worked counts, the tie rules, and agreement with pref_voting."""

from __future__ import annotations

import pytest
from countcast import profile, random_profiles, to_pref_voting
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.iterative_methods import instant_runoff, instant_runoff_put

from sovet.count.irv import irv
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError


def test_the_lowest_is_excluded_and_their_ballots_move_to_the_next_preference() -> None:
    # A 8, B 7, C 5 (C's ballots: 4 to B, 1 exhausted) -> B 11 of 19 continuing.
    p = profile("ABC", [(8, "A"), (7, "BA"), (4, "CB"), (1, "C")])
    result = irv(p, lot=Lot(1))
    assert result.elected_names == ("B",)
    first, second = result.rounds
    assert first.votes == (8, 7, 5) and first.exhausted == 0 and first.quota == 11
    assert second.action == "exclusion" and second.subject == 2 and second.excluded == (2,)
    assert second.votes == (8, 11, 0)
    assert second.transfers == (0, 4, -5)
    assert second.exhausted == 1
    assert second.elected == (1,)
    assert result.ties == ()


def test_a_first_round_majority_ends_the_count() -> None:
    result = irv(profile("ABC", [(6, "A"), (3, "B"), (2, "CB")]), lot=Lot(0))
    assert result.elected_names == ("A",)
    assert len(result.rounds) == 1


def test_every_stage_accounts_for_every_ballot() -> None:
    p = profile("ABCD", [(5, "ABD"), (4, "B"), (4, "CDA"), (3, "DC"), (2, "DB")])
    result = irv(p, lot=Lot(3))
    for r in result.rounds:
        assert sum(r.votes) + r.exhausted == p.total


def test_more_than_one_seat_is_refused_with_a_pointer_to_stv() -> None:
    with pytest.raises(CountError, match=r"fills exactly one seat.*STV"):
        irv(profile("ABC", [(1, "A")], seats=3), lot=Lot(0))
    with pytest.raises(CountError, match="2 were asked for"):
        irv(profile("ABC", [(1, "A")]), seats=2, lot=Lot(0))


def test_a_withdrawn_candidate_gets_no_votes_and_is_skipped() -> None:
    p = profile("ABC", [(5, "BA"), (4, "A"), (2, "CA")], withdrawn="B")
    result = irv(p, lot=Lot(0))
    assert result.rounds[0].votes[1] == 0
    assert result.elected_names == ("A",)


def test_candidates_with_no_votes_are_excluded_together() -> None:
    p = profile("ABCDE", [(3, "AB"), (2, "BA"), (3, "C")])
    result = irv(p, lot=Lot(0))
    assert result.rounds[1].excluded == (3, 4)
    assert result.ties == ()


def test_a_tie_for_last_is_broken_by_the_latest_stage_they_differed() -> None:
    # A 9, B 6, C 5, D 1: excluding D gives C 6, tied with B; at stage 1 C had fewer, so C goes.
    p = profile("ABCD", [(9, "A"), (6, "B"), (5, "CB"), (1, "DC")])
    result = irv(p, lot=Lot(0))
    assert result.rounds[1].votes == (9, 6, 6, 0)
    assert result.rounds[2].excluded == (2,)
    tie = result.ties[0]
    assert tie.among == (1, 2) and tie.chosen == 2 and tie.how == "earlier stage"
    assert result.elected_names == ("B",)


def test_the_most_recent_stage_that_differs_decides_not_the_first() -> None:
    # B and D swap places before they tie: stage 1 B 7 > D 5; stage 2 (E out, 4 to D)
    # D 9 > B 7; stage 3 (C out, 2 to B) B 9 = D 9. The most recent stage at which they
    # differed is stage 2, where B was lower, so B goes (the first stage would say D).
    p = profile("ABCDE", [(15, "A"), (7, "B"), (2, "CB"), (4, "C"), (5, "D"), (4, "ED")])
    result = irv(p, lot=Lot(0))
    assert [r.votes[1] for r in result.rounds[:3]] == [7, 7, 9]
    assert [r.votes[3] for r in result.rounds[:3]] == [5, 9, 9]
    tie = result.ties[0]
    assert tie.among == (1, 3) and tie.chosen == 1 and tie.how == "earlier stage"
    assert result.rounds[3].excluded == (1,)


def test_a_tie_that_never_differed_is_drawn_by_the_recorded_lot() -> None:
    p = profile("ABC", [(3, "A"), (2, "BA"), (2, "CA")])
    chosen = set()
    for seed in range(20):
        result = irv(p, lot=Lot(seed))
        (tie,) = result.ties
        assert tie.how == "lot" and tie.seed == seed == result.seed and tie.among == (1, 2)
        assert result.rounds[1].excluded == (tie.chosen,)
        # The same seed draws the same lot again.
        assert irv(p, lot=Lot(seed)).ties == result.ties
        chosen.add(tie.chosen)
    assert chosen == {1, 2}


def test_every_candidate_withdrawn_is_refused() -> None:
    with pytest.raises(CountError, match="every candidate has withdrawn"):
        irv(profile("AB", [(1, "A")], withdrawn="AB"), lot=Lot(0))


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_profiles(), st.integers(0, 2**32))
def test_irv_agrees_with_pref_voting(p: Profile, seed: int) -> None:
    result = irv(p, lot=Lot(seed))
    pv = to_pref_voting(p)
    # Whatever the tie-breaks, our winner is one that some order of exclusions gives.
    assert result.elected[0] in instant_runoff_put(pv)
    if not result.ties:
        assert [result.elected[0]] == instant_runoff(pv)
