"""The Schulze method: pairwise defeats, strongest paths, and the full ranking they give.

M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and Condorcet-consistent
single-winner election method", Social Choice and Welfare 36 (2011) 267-303.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError, Result, Round, Tie

Strength = Literal["winning", "margin"]

_BLOCK = 1 << 15  # rows per block when counting pairwise preferences


def pairwise(profile: Profile) -> npt.NDArray[np.int64]:
    """Return `d`, where `d[a, b]` is the number of ballots that rank `a` above `b`.

    A ballot ranks every candidate it lists above every candidate it leaves out, and expresses
    no preference between two candidates it leaves out (Schulze 2011, section 2.1).
    """
    c = len(profile.candidates)
    n, depth = profile.rankings.shape
    d = np.zeros((c, c), dtype=np.int64)
    # In blocks of rows, so the temporaries stay small next to the ballot matrix itself.
    for start in range(0, n, _BLOCK):
        r = profile.rankings[start : start + _BLOCK]
        w = profile.weights[start : start + _BLOCK].astype(np.int64)
        m = r.shape[0]
        # pos[i, x] is the place of candidate x on row i; unlisted candidates share the last.
        pos = np.full((m, c), depth, dtype=np.int16)
        rows = np.repeat(np.arange(m), depth)
        cols = r.reshape(-1).astype(np.intp)
        places = np.tile(np.arange(depth, dtype=np.int16), m)
        listed = cols >= 0
        pos[rows[listed], cols[listed]] = places[listed]
        for a in range(c):
            d[a] += w @ (pos[:, a : a + 1] < pos)
    return d


def strongest_paths(
    d: npt.NDArray[np.int64], strength: Strength = "winning"
) -> npt.NDArray[np.int64]:
    """Return `p`, where `p[a, b]` is the strength of the strongest path from `a` to `b`.

    A link `a -> b` exists when more ballots prefer `a` to `b` than the reverse; its strength is
    `d[a, b]` (winning votes, Schulze's own choice) or `d[a, b] - d[b, a]` (margins). A path is as
    strong as its weakest link (Floyd-Warshall over the widest-path semiring; section 2.3).
    """
    wins = d > d.T
    p = np.where(wins, d if strength == "winning" else d - d.T, 0).astype(np.int64)
    c = d.shape[0]
    for k in range(c):
        through = np.minimum(p[:, k : k + 1], p[k : k + 1, :])
        np.maximum(p, through, out=p)
    np.fill_diagonal(p, 0)
    return p


def schulze_ranking(p: npt.NDArray[np.int64], among: list[int]) -> tuple[tuple[int, ...], ...]:
    """Order `among` by the Schulze relation: `a` above `b` when `p[a, b] > p[b, a]`.

    The relation is a strict partial order (Schulze 2011, section 4.1), so the ranking takes,
    again and again, the candidates no remaining candidate beats; candidates taken together are
    tied and form one group.
    """
    left = list(among)
    groups: list[tuple[int, ...]] = []
    while left:
        sub = p[np.ix_(left, left)]
        unbeaten = [left[i] for i in range(len(left)) if not (sub[:, i] > sub[i, :]).any()]
        groups.append(tuple(sorted(unbeaten)))
        left = [x for x in left if x not in unbeaten]
    return tuple(groups)


def schulze(
    profile: Profile, *, seats: int | None = None, lot: Lot, strength: Strength = "winning"
) -> Result:
    """Count `profile` by the Schulze method and return the winner, ranking and path matrix.

    The potential winners are the candidates whom no one beats by a stronger path (Schulze 2011,
    section 2.2); if there are several, the recorded `lot` chooses among them and the tie is
    kept in `Result.ties`. `Result.ranking` is the full Schulze order with tied candidates
    grouped, `Result.matrix` the strongest paths `p[a][b]`, and the one round's `votes` are
    first preferences, for reference. Withdrawn candidates are left out of the pairwise
    comparisons and the ranking.

    Raises `CountError` when asked for more than one seat (Schulze here fills one; use STV for
    several) or when no candidate stands.
    """
    seats = profile.seats if seats is None else seats
    if seats != 1:
        raise CountError(
            f"the Schulze method here fills exactly one seat, and {seats} were asked for; to "
            "fill several seats count by STV (method scottish-stv or meek), or ask for one seat.",
            seats=seats,
        )
    c = len(profile.candidates)
    standing = [x for x in range(c) if x not in profile.withdrawn]
    if not standing:
        raise CountError("there is no candidate to elect: every candidate has withdrawn.")
    kept = profile
    if profile.withdrawn:
        # A withdrawn candidate is struck off every ballot; the rest keep their order.
        r = profile.rankings
        struck = np.isin(r, list(profile.withdrawn))
        order = np.argsort(struck | (r < 0), axis=1, kind="stable")
        r2 = np.take_along_axis(np.where(struck, -1, r), order, axis=1).astype(np.int16)
        kept = Profile(profile.candidates, r2, profile.weights, 1, profile.withdrawn)
    d = pairwise(kept)
    p = strongest_paths(d, strength)
    ranking = schulze_ranking(p, standing)
    winners = ranking[0]
    ties: tuple[Tie, ...] = ()
    if len(winners) == 1:
        chosen = winners[0]
    else:
        chosen = lot.choose(winners)
        ties = (Tie(1, winners, chosen, "lot", lot.seed),)
    firsts = np.zeros(c, dtype=np.int64)
    if kept.rankings.shape[1]:
        head = kept.rankings[:, 0].astype(np.intp)
        listed = head >= 0
        firsts = np.bincount(head[listed], weights=kept.weights[listed], minlength=c).astype(
            np.int64
        )
    exhausted = int(kept.weights.sum() - firsts.sum())
    note = "strength of a link: " + ("winning votes" if strength == "winning" else "margin")
    stage = Round(
        number=1,
        action="first preferences",
        subject=None,
        votes=tuple(int(v) for v in firsts),
        transfers=tuple(int(v) for v in firsts),
        exhausted=exhausted,
        elected=(chosen,),
        note=note,
    )
    return Result(
        method="schulze",
        candidates=profile.candidates,
        seats=1,
        elected=(chosen,),
        rounds=(stage,),
        scale=1,
        ties=ties,
        seed=lot.seed,
        ranking=ranking,
        matrix=tuple(tuple(int(v) for v in row) for row in p),
    )
