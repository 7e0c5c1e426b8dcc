"""Scottish STV: the 2007 Order's rules, the reference counts, Edinburgh 2017 and STVPoll."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from countcast import elections, profile
from data import DATA, case_id, cases, fixed, load, need
from hypothesis import given, settings
from hypothesis import strategies as st
from stvpoll.scottish_stv import ScottishSTV

from sovet.count.blt import read_blt
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError
from sovet.count.stv import SCOTTISH_SCALE, meek, stv_scottish

S = SCOTTISH_SCALE


def test_quota_is_ballots_over_seats_plus_one_ignoring_fractions_plus_one() -> None:
    # Rule 46: 15 ballots, 2 seats: 15/3 = 5, + 1 = 6.
    r = stv_scottish(profile("ABCDE", [(1, "AB"), (2, "B"), (3, "C"), (4, "D"), (5, "E")],
                             seats=2), lot=Lot(1))
    assert r.rounds[0].quota == 6 * S
    r = stv_scottish(profile("AB", [(10, "A"), (7, "B")], seats=2), lot=Lot(1))
    assert r.rounds[0].quota == (17 // 3 + 1) * S


def test_surplus_transfer_values_are_truncated_to_five_places() -> None:
    # A: 10 votes, quota 8 (21 ballots, 2 seats), surplus 2; each paper goes on at
    # 2/10 = 0.2; B gets 3 papers (0.6), C gets 7 (1.4). Rule 48(3).
    p = profile("ABCD", [(3, "AB"), (7, "AC"), (6, "D"), (5, "C")], seats=2)
    r = stv_scottish(p, lot=Lot(1))
    surplus = r.rounds[1]
    assert (surplus.action, surplus.subject) == ("surplus", 0)
    assert surplus.votes == (8 * S, 60000, 5 * S + 140000, 6 * S)


def test_truncation_loss_is_reported_per_stage() -> None:
    # A has 7 votes, quota 6 (16 ballots, 2 seats: 16/3 = 5, + 1), surplus 1 over 7 papers:
    # 0.14285 each, 7 x 0.14285 = 0.99995, so 0.00005 is lost.
    p = profile("ABCD", [(7, "AB"), (5, "C"), (4, "D")], seats=2)
    r = stv_scottish(p, lot=Lot(1))
    assert r.rounds[1].votes[1] == 99995
    assert r.rounds[0].lost == 0
    assert all(x.lost == 5 for x in r.rounds[1:])  # lost so far: the later stages keep it
    assert "truncation" not in r.rounds[1].note  # a field of its own, not prose to parse


def test_the_truncation_loss_accumulates_over_surpluses() -> None:
    # 16 ballots, 3 seats: quota 5. A and C have 7 each: surplus 2 over 7 papers at 0.28571,
    # 7 x 0.28571 = 1.99997, so each surplus loses 0.00003 and the total so far grows.
    p = profile("ABCDE", [(7, "AB"), (7, "CD"), (2, "E")], seats=3)
    r = stv_scottish(p, lot=Lot(1))
    assert [x.action for x in r.rounds[:3]] == ["first preferences", "surplus", "surplus"]
    assert [x.lost for x in r.rounds[:3]] == [0, 3, 6]
    assert all(x.lost == 6 for x in r.rounds[3:])
    for x in r.rounds:
        assert sum(x.votes) + x.exhausted + x.lost == 16 * S


def test_largest_surplus_is_transferred_first() -> None:
    p = profile("ABCD", [(10, "AC"), (12, "BD"), (3, "C"), (2, "D")], seats=3)
    r = stv_scottish(p, lot=Lot(1))
    assert r.rounds[0].elected == (1, 0)
    assert r.rounds[1].subject == 1  # B's larger surplus first (rule 49(1))


def test_exclusion_tie_goes_by_the_most_recent_earlier_stage() -> None:
    # The Droop "weak-defeat" case: after A goes, B and C both have 3; at the first stage B
    # had fewer (2 to 3), so B is excluded (rule 51(2)(a)).
    p = profile("ABCDE", [(1, "AB"), (2, "B"), (3, "C"), (4, "D"), (5, "E")], seats=2)
    r = stv_scottish(p, lot=Lot(1))
    assert [x.excluded for x in r.rounds[1:]] == [(0,), (1,), (2,)]
    assert r.ties[0].among == (1, 2) and r.ties[0].chosen == 1
    assert r.ties[0].how == "earlier stage"
    assert r.rounds[r.ties[0].round - 1].excluded == (1,)  # the tie names its stage
    assert set(r.elected) == {3, 4}


def test_a_tie_equal_at_every_stage_is_drawn_by_the_recorded_lot() -> None:
    p = profile("ABC", [(4, "A"), (2, "B"), (2, "C")], seats=1)
    chosen = set()
    for seed in range(12):
        r = stv_scottish(p, lot=Lot(seed))
        (tie,) = r.ties
        assert (tie.how, tie.seed, tie.among) == ("lot", seed, (1, 2))
        assert r.seed == seed
        assert r.rounds[1].excluded == (tie.chosen,)
        again = stv_scottish(p, lot=Lot(seed))
        assert again.ties == r.ties  # the seed reproduces the draw
        chosen.add(tie.chosen)
    assert chosen == {1, 2}  # the lot really draws


def test_a_tie_order_fixed_in_advance_replaces_the_lot() -> None:
    p = profile("ABC", [(4, "A"), (2, "B"), (2, "C")], seats=1)
    r = stv_scottish(p, lot=Lot(3), tie_order=[2, 1, 0])
    assert (r.ties[0].how, r.ties[0].chosen) == ("tie order", 2)


def test_continuing_candidates_fill_the_last_vacancies_without_transfer() -> None:
    # Rule 52: after C goes, A and B are the only continuing candidates for two seats.
    p = profile("ABC", [(4, "A"), (2, "B"), (1, "C")], seats=2)
    r = stv_scottish(p, lot=Lot(1))
    assert set(r.elected) == {0, 1}
    assert "rule 52" in r.rounds[-1].note


def test_withdrawn_candidates_are_skipped_on_every_paper() -> None:
    p = profile("ABC", [(4, "BA"), (3, "C"), (2, "A")], seats=1, withdrawn="B")
    r = stv_scottish(p, lot=Lot(1))
    assert r.rounds[0].votes == (6 * S, 0, 3 * S)
    assert r.elected == (0,)


def test_transfers_skip_candidates_already_elected() -> None:
    # A and B both reach the quota at the first stage; A's surplus passes over B to C.
    p = profile("ABCD", [(6, "ABC"), (5, "B"), (2, "C"), (3, "D")], seats=3)
    r = stv_scottish(p, lot=Lot(1))
    assert r.rounds[0].elected == (0, 1)
    assert r.rounds[1].subject == 0
    assert r.rounds[1].transfers[1] == 0 and r.rounds[1].transfers[2] > 0


def test_an_impossible_count_is_refused() -> None:
    with pytest.raises(CountError, match="at least one seat"):
        stv_scottish(profile("AB", [(1, "A")], seats=1), seats=0, lot=Lot(1))


# --- the reference counts ------------------------------------------------------------------


def stage_totals(rounds_file: Path) -> list[tuple[int, ...]]:
    """The stage totals of a Droop count sheet: first preferences, then each transfer."""
    rounds = json.loads(rounds_file.read_text())["rounds"]
    keep = [r for r in rounds if r["action"] == "Begin Count"
            or r["action"].startswith(("Surplus transferred", "Transfer defeated"))]
    return [tuple(fixed(v, S) for v in r["votes"]) for r in keep]


@pytest.mark.parametrize("expected", cases("scottish"), ids=case_id)
def test_reference_counts_elect_the_same_and_agree_stage_by_stage(expected: Path) -> None:
    case = load(need(expected))
    p = read_blt(expected.parent / case["file"])
    # The reference program settles what the Order leaves to lot by the file's order.
    r = stv_scottish(p, lot=Lot(0), tie_order=range(len(p.candidates)))
    assert list(r.elected) == [i - 1 for i in case["elected_index"]]  # same order, too
    if "rounds_file" in case:
        want = stage_totals(expected.parent / case["rounds_file"])
        assert [x.votes for x in r.rounds] == want  # exact: the Order truncates at 10**-5


def test_edinburgh_2017_wards_elect_the_declared_councillors() -> None:
    folder = need(DATA / "edinburgh-2017")
    declared = json.loads((folder / "elected.json").read_text())
    assert len(declared) == 8
    for ward, names in declared.items():
        r = stv_scottish(read_blt(folder / ward), lot=Lot(2017))
        assert sorted(r.elected_names) == sorted(names), ward
        assert r.ties == ()


def stvpoll_elects(p: Profile) -> set[int]:
    # STVPoll treats a falsy candidate as no preference, so candidates are named, not 0-based.
    poll = ScottishSTV(seats=p.seats, candidates=[f"c{i}" for i in range(len(p.candidates))])
    for row, w in zip(p.rankings.tolist(), p.weights.tolist(), strict=True):
        poll.add_ballot([f"c{c}" for c in row if c >= 0], w)
    result = poll.calculate()
    assert not result.randomized
    return {int(c[1:]) for c in result.elected_as_set()}


def scot_elex() -> list[Path]:
    folder = DATA / "scot-elex"
    return sorted(folder.glob("*.blt")) if folder.exists() else [folder / "missing.blt"]


# South Ayrshire 2012 ward 3: two candidates reach the quota together at the first stage.
# STVPoll passes the first one's surplus on to the second, who is already elected; the
# Order (rule 48(2)) transfers only to continuing candidates, i.e. neither elected nor
# excluded, as Droop's reference count does. The last seat then goes the other way.
STVPOLL_DEPARTS_FROM_THE_ORDER = {"south_ayrshire_2012_ward3.blt"}


@pytest.mark.parametrize("path", scot_elex(), ids=lambda p: p.stem)
def test_scot_elex_agrees_with_stvpoll(path: Path) -> None:
    p = read_blt(need(path))
    ours = set(stv_scottish(p, lot=Lot(0)).elected)
    if path.name in STVPOLL_DEPARTS_FROM_THE_ORDER:
        assert ours != stvpoll_elects(p)
        assert ours == {0, 1, 2, 3}  # Sovet and Droop: CAMPBELL, CAVANA, and the next two
    else:
        assert ours == stvpoll_elects(p)


def test_stvpoll_difference_is_only_the_transfer_to_an_elected_candidate() -> None:
    p = read_blt(need(DATA / "scot-elex" / "south_ayrshire_2012_ward3.blt"))
    r = stv_scottish(p, lot=Lot(0))
    assert r.rounds[0].elected == (1, 0)  # both over the quota at the first stage
    assert r.rounds[1].transfers[0] == 0  # the Order gives nothing of B's surplus to A


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(elections())
def test_every_vote_is_accounted_for_at_every_stage(p: Profile) -> None:
    r = stv_scottish(p, lot=Lot(5))
    for stage, x in enumerate(r.rounds):
        assert sum(x.votes) + x.exhausted + x.lost == p.total * S
        assert all(v >= 0 for v in x.votes)
        assert sum(x.transfers) == (sum(x.votes) - sum(r.rounds[stage - 1].votes)
                                    if stage else 0)


@settings(max_examples=200, deadline=None)
@given(elections())
def test_the_seats_are_filled_and_quota_holders_elected(p: Profile) -> None:
    r = stv_scottish(p, lot=Lot(5))
    assert len(r.elected) == len(set(r.elected)) == p.seats  # enough candidates: all filled
    quota = r.rounds[0].quota
    assert quota is not None
    for c, v in enumerate(r.rounds[0].votes):
        if v >= quota:
            assert c in r.elected


@settings(max_examples=150, deadline=None)
@given(elections(), st.randoms(use_true_random=False), st.integers(0, 10**6))
def test_the_result_does_not_depend_on_the_order_of_rows_or_their_grouping(
    p: Profile, rnd: object, seed: int
) -> None:
    order = list(range(p.rankings.shape[0]))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    # Split each row's ballots into single ballots, then shuffle: the same election.
    ranks = np.repeat(p.rankings[order], p.weights[order], axis=0)
    split = Profile(candidates=p.candidates, rankings=ranks,
                    weights=np.ones(ranks.shape[0], dtype=np.int64), seats=p.seats)
    a, b = stv_scottish(p, lot=Lot(seed)), stv_scottish(split, lot=Lot(seed))
    assert a.elected == b.elected
    assert a.rounds == b.rounds
    assert a.ties == b.ties


@settings(max_examples=150, deadline=None)
@given(elections(max_cands=5))
def test_one_seat_scottish_and_meek_are_both_instant_runoff(p: Profile) -> None:
    one = Profile(candidates=p.candidates, rankings=p.rankings, weights=p.weights, seats=1)
    a, b = stv_scottish(one, lot=Lot(1)), meek(one, lot=Lot(1))
    if not a.ties and not b.ties:
        assert a.elected == b.elected


def test_fewer_candidates_than_seats_elects_every_candidate() -> None:
    r = stv_scottish(profile("ABC", [(2, "AB"), (1, "C")], seats=5), lot=Lot(1))
    assert sorted(r.elected) == [0, 1, 2]


def test_a_count_with_no_ballots_still_ends_and_records_its_lots() -> None:
    empty = Profile(candidates=("A", "B", "C"), rankings=np.zeros((0, 1), dtype=np.int16),
                    weights=np.zeros(0, dtype=np.int64), seats=2)
    r = stv_scottish(empty, lot=Lot(8))
    assert len(r.elected) == 2
    assert r.ties and all(t.how == "lot" and t.seed == 8 for t in r.ties)
