"""Meek STV: the PRF reference rule on every reference case, round by round, and properties."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from countcast import elections, profile
from data import case_id, cases, fixed, load, need
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.count.blt import BltError, read_blt
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError
from sovet.count.stv import MEEK_SCALE, meek

S = MEEK_SCALE


def reference_rounds(path: Path) -> list[tuple[int, ...]]:
    """Each round's converged votes from a rounds file (Droop's log or Meeks-PRF-js's list)."""
    data = json.loads(path.read_text())
    if "final_status" in data:
        return [tuple(fixed(v, S) for v in r["votes"]) for r in data["rounds"]]
    out: dict[int, tuple[int, ...]] = {}
    for r in data["rounds"]:
        # The votes the round's iteration ended with are logged with its first decision.
        if r["round"] >= 1 and r["round"] not in out and r["action"].startswith(
                ("Elect:", "Defeat (", "Break tie")):
            out[r["round"]] = tuple(fixed(v, S) for v in r["votes"])
    return [out[k] for k in sorted(out)]


@pytest.mark.parametrize("expected", cases("meek"), ids=case_id)
def test_reference_counts_elect_the_same_and_agree_round_by_round(expected: Path) -> None:
    case = load(need(expected))
    path = expected.parent / case["file"]
    if case.get("equal_rankings"):
        # Sovet counts strict rankings only; the refusal must say so, with the line.
        with pytest.raises(BltError, match=r"^line \d+: .* ranks candidates equally"):
            read_blt(path)
        return
    p = read_blt(path)
    r = meek(p, lot=Lot(0))
    assert set(r.elected) == {i - 1 for i in case["elected_index"]}
    rounds_file = expected.parent / case["file"].replace(".blt", ".meek.rounds.json")
    if rounds_file.exists():
        # Two implementations of this rule agree to the last place (10**-9): so must we.
        assert [x.votes for x in r.rounds] == reference_rounds(rounds_file)


def test_precision_case_elects_y_by_nine_place_arithmetic() -> None:
    # Voting matters 12: in 9-place fixed point X, Y and Z end within the surplus of each
    # other and X, first in the file, is defeated; exact arithmetic would elect X.
    expected = need(Path(__file__).resolve().parents[2] / ".." / "shared" / "data" /
                    "reference" / "droop" / "SC-Vm-12.blt")
    r = meek(read_blt(expected), lot=Lot(0))
    assert r.elected_names == ("A", "B", "Y")
    (tie,) = r.ties
    assert (tie.among, tie.chosen, tie.how) == ((2, 3, 4), 2, "tie order")
    assert r.rounds[tie.round - 1].excluded == (2,)


def test_quota_is_votes_over_seats_plus_one_truncated_plus_one_unit() -> None:
    r = meek(profile("ABC", [(2, "A"), (2, "B"), (3, "C")], seats=2), lot=Lot(0))
    assert r.rounds[0].quota == 7 * S // 3 + 1  # 2.333333333 + 0.000000001


def test_a_surplus_flows_on_by_keep_factors() -> None:
    # A: 6, quota 4 (12 votes, 2 seats) so A keeps 2/3 and passes 1/3 of each ballot to B.
    p = profile("ABC", [(6, "AB"), (3, "C"), (3, "B")], seats=2)
    r = meek(p, lot=Lot(0))
    assert r.elected == (0, 1)
    assert r.rounds[0].elected == (0,)
    second = r.rounds[1]
    assert second.elected == (1,)
    assert second.quota is not None
    assert 0 <= second.votes[0] - second.quota < 10**3  # A kept just the quota (omega 1e-6)
    assert second.votes[1] >= 5 * S - 10**3  # B: 3 + 6 x 1/3


def test_withdrawn_candidates_keep_nothing() -> None:
    p = profile("ABC", [(4, "BA"), (3, "C"), (2, "A")], seats=1, withdrawn="B")
    r = meek(p, lot=Lot(1))
    assert r.rounds[0].votes[1] == 0
    assert r.elected == (0,)


def test_defeat_ties_go_by_file_order_or_by_the_lot() -> None:
    p = profile("ABC", [(4, "A"), (2, "B"), (2, "C")], seats=1)
    assert meek(p, lot=Lot(0)).ties[0].chosen == 1  # first in the file is defeated
    assert meek(p, lot=Lot(0), tie_order=[2, 1, 0]).ties[0].chosen == 2
    drawn = {meek(p, lot=Lot(s), tie_order="lot").ties[0].chosen for s in range(12)}
    assert drawn == {1, 2}
    r = meek(p, lot=Lot(4), tie_order="lot")
    assert (r.ties[0].how, r.ties[0].seed) == ("lot", 4)


def test_bad_parameters_are_refused() -> None:
    p = profile("AB", [(1, "A")], seats=1)
    with pytest.raises(CountError, match="1 to 9 decimal places"):
        meek(p, lot=Lot(0), places=12)
    with pytest.raises(CountError, match="omega must be a decimal"):
        meek(p, lot=Lot(0), omega="tiny")
    with pytest.raises(CountError, match="below the precision"):
        meek(p, lot=Lot(0), omega="0.0000000001")


def test_a_looser_omega_still_elects_the_same_here() -> None:
    p = profile("ABCD", [(10, "AB"), (6, "BC"), (5, "C"), (4, "DC")], seats=2)
    assert set(meek(p, lot=Lot(0), omega="0.001").elected) == set(meek(p, lot=Lot(0)).elected)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_seats_filled_votes_conserved_and_quota_holders_elected(p: Profile) -> None:
    r = meek(p, lot=Lot(3))
    assert len(r.elected) == len(set(r.elected)) == p.seats
    for x in r.rounds:
        assert sum(x.votes) + x.exhausted == p.total * S
        assert x.quota == sum(x.votes) // (p.seats + 1) + 1
    first = r.rounds[0]
    assert first.quota is not None
    for c, v in enumerate(first.votes):
        if v >= first.quota:
            assert c in r.elected


@settings(max_examples=100, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_or_grouping_of_ballots(
    p: Profile, rnd: object
) -> None:
    order = list(range(p.rankings.shape[0]))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    ranks = np.repeat(p.rankings[order], p.weights[order], axis=0)
    split = Profile(candidates=p.candidates, rankings=ranks,
                    weights=np.ones(ranks.shape[0], dtype=np.int64), seats=p.seats)
    a, b = meek(p, lot=Lot(9)), meek(split, lot=Lot(9))
    assert a.elected == b.elected
    assert a.rounds == b.rounds


def test_fewer_candidates_than_seats_elects_every_candidate() -> None:
    r = meek(profile("ABC", [(2, "AB"), (1, "C")], seats=5), lot=Lot(1))
    assert sorted(r.elected) == [0, 1, 2]
    assert len(r.rounds) == 1 and "C.1" in r.rounds[0].note
