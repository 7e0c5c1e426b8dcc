"""Instant-runoff voting: one seat, the lowest candidate excluded until one has a majority.

Vectorised over the profile's distinct rankings: each row keeps the position of its current
first continuing preference, and an exclusion moves only the rows that sat on the excluded
candidate, so a count costs a few passes over the ballot matrix, never a Python loop per ballot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError, Result, Round, Tie


def padded_rankings(profile: Profile) -> npt.NDArray[np.intp]:
    """Return the rankings as `intp` with the end-of-ranking padding (-1) mapped to `C`.

    `C` is the number of candidates, so a lookup array of length `C + 1` whose last entry is
    False treats "no further preference" like a candidate that is never continuing.
    """
    c = len(profile.candidates)
    r = profile.rankings.astype(np.intp, copy=True)
    r[r < 0] = c
    return r


def first_continuing(
    ranks: npt.NDArray[np.intp], continuing: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp]:
    """Return each row's first continuing candidate, or `C` (the padding) if it is exhausted.

    `continuing` has length `C + 1` with `continuing[C]` False.
    """
    c = continuing.shape[0] - 1
    if ranks.shape[1] == 0:
        return np.full(ranks.shape[0], c, dtype=np.intp)
    ok = continuing[ranks]
    pos = ok.argmax(axis=1)
    top: npt.NDArray[np.intp] = ranks[np.arange(ranks.shape[0]), pos]
    # argmax gives 0 for an all-False row: such a row has no continuing preference left.
    top[~ok[np.arange(ranks.shape[0]), pos]] = c
    return top


def tally_rows(
    top: npt.NDArray[np.intp], weights: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.int64]:
    """Sum `weights` by `top` (a candidate index per row) into an int64 array of `size`."""
    if top.shape[0] == 0:
        return np.zeros(size, dtype=np.int64)
    # bincount adds in float64, exact below 2**53 votes, far above any electorate.
    return np.bincount(top, weights=weights, minlength=size).astype(np.int64)


def break_exclusion_tie(
    tied: Sequence[int], history: Sequence[Sequence[int]], lot: Lot, round_number: int
) -> tuple[int, Tie]:
    """Choose which of `tied` (equal lowest) to exclude, and record how.

    The rule's own procedure first, as the Scottish Local Government Elections Order 2007 words
    it (SSI 2007/42, Schedule 1, rule 51(2)): regard is had to the votes of the tied candidates
    at the most recently preceding stage at which they had unequal votes, and the lowest then
    is excluded. If several are lowest at that stage, the stages before it narrow them further
    in the same way; if they were equal at every stage, the recorded lot chooses.
    """
    left = sorted(tied)
    for votes in reversed(history):
        low = min(votes[c] for c in left)
        narrowed = [c for c in left if votes[c] == low]
        if len(narrowed) < len(left):
            left = narrowed
        if len(left) == 1:
            return left[0], Tie(round_number, tuple(sorted(tied)), left[0], "earlier stage")
    chosen = lot.choose(left)
    return chosen, Tie(round_number, tuple(sorted(tied)), chosen, "lot", lot.seed)


def irv(profile: Profile, *, seats: int | None = None, lot: Lot) -> Result:
    """Count `profile` by instant-runoff voting and return the winner and every stage.

    Each stage excludes the continuing candidate with the fewest votes and moves each of their
    ballots to its next continuing preference (a ballot with none left is non-transferable),
    until a candidate holds more than half of the continuing votes or is the last one
    continuing. Candidates with no votes at all are excluded together in one stage, since the
    order of their exclusion cannot change anything. A tie for the fewest votes is broken by the
    most recent stage at which the tied candidates differed, then by `lot` (both recorded in
    `Result.ties`). Withdrawn candidates never continue. Each round's `quota` is the number of
    votes that would have been a majority of the continuing votes at that stage.

    Raises `CountError` when asked for more than one seat (use STV) or when no candidate stands.
    """
    seats = profile.seats if seats is None else seats
    if seats != 1:
        raise CountError(
            f"instant-runoff fills exactly one seat, and {seats} were asked for; to fill "
            "several seats count by STV (method scottish-stv or meek), or ask for one seat.",
            seats=seats,
        )
    c = len(profile.candidates)
    continuing = np.ones(c + 1, dtype=np.bool_)
    continuing[c] = False
    for w in profile.withdrawn:
        continuing[w] = False
    if not continuing.any():
        raise CountError("there is no candidate to elect: every candidate has withdrawn.")

    ranks = padded_rankings(profile)
    weights = profile.weights.astype(np.int64, copy=False)
    top = first_continuing(ranks, continuing)
    votes = tally_rows(top, weights, c + 1)

    rounds: list[Round] = []
    ties: list[Tie] = []
    history: list[tuple[int, ...]] = []

    def record(action: str, subject: int | None, excluded: tuple[int, ...], change: object) -> None:
        active = int(votes[:c][continuing[:c]].sum())
        stage = tuple(int(v) for v in votes[:c])
        rounds.append(
            Round(
                number=len(rounds) + 1,
                action=action,
                subject=subject,
                votes=stage,
                transfers=tuple(int(v) for v in np.asarray(change)[:c]),
                exhausted=int(votes[c]),
                quota=active // 2 + 1,
                excluded=excluded,
            )
        )
        history.append(stage)

    record("first preferences", None, (), votes)
    while True:
        live = np.flatnonzero(continuing[:c])
        live_votes = votes[live]
        active = int(live_votes.sum())
        best = int(live[np.argmax(live_votes)])
        if live.shape[0] == 1 or 2 * int(votes[best]) > active:
            rounds[-1] = replace(rounds[-1], elected=(best,))
            return Result(
                method="irv",
                candidates=profile.candidates,
                seats=1,
                elected=(best,),
                rounds=tuple(rounds),
                scale=1,
                ties=tuple(ties),
                seed=lot.seed,
            )
        zero = live[live_votes == 0]
        if 0 < zero.shape[0] < live.shape[0]:
            out = tuple(int(x) for x in zero)
            subject = out[0] if len(out) == 1 else None
            action = "exclusion"
        else:
            low = int(live_votes.min())
            tied = [int(x) for x in live[live_votes == low]]
            if len(tied) == 1:
                chosen = tied[0]
            else:
                chosen, tie = break_exclusion_tie(tied, history, lot, len(rounds) + 1)
                ties.append(tie)
            out = (chosen,)
            subject = chosen
            action = "exclusion"
        before = votes.copy()
        continuing[list(out)] = False
        moving = np.flatnonzero(np.isin(top, out))
        if moving.shape[0]:
            new_top = first_continuing(ranks[moving], continuing)
            top[moving] = new_top
            votes = votes + tally_rows(new_top, weights[moving], c + 1)
            votes[list(out)] = 0
        record(action, subject, out, votes - before)
