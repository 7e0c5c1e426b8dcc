"""Approval voting: each ballot approves a set of candidates; the most approved are elected.

A ballot is a `Profile` row that lists the candidates it approves, in any order (the order
means nothing here), padded with -1; so a BLT file read for approval is a list of approved
sets, and `weights` still counts identical ballots once.
"""

from __future__ import annotations

import numpy as np

from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError, Result, Round, Tie


def approval(profile: Profile, *, seats: int | None = None, lot: Lot) -> Result:
    """Count `profile` by approval and elect the `seats` most approved candidates.

    Each ballot gives one vote to every candidate it lists (a candidate listed twice on one
    ballot counts once). Candidates are elected in order of approvals; when equal approvals
    straddle the last seat, the recorded `lot` chooses among them (kept in `Result.ties`).
    Withdrawn candidates get no votes and are never elected.

    Raises `CountError` when `seats` is not between 1 and the number of standing candidates.
    """
    seats = profile.seats if seats is None else seats
    c = len(profile.candidates)
    standing = [x for x in range(c) if x not in profile.withdrawn]
    if not 1 <= seats <= len(standing):
        raise CountError(
            f"approval cannot fill {seats} seat(s) from {len(standing)} standing candidate(s); "
            "ask for at least one seat and no more seats than candidates.",
            seats=seats,
        )
    r = profile.rankings.astype(np.intp)
    n = r.shape[0]
    approved = np.zeros((n, c + 1), dtype=np.bool_)
    r = np.where(r < 0, c, r)
    approved[np.arange(n)[:, None], r] = True
    approved = approved[:, :c]
    approved[:, list(profile.withdrawn)] = False
    votes = profile.weights.astype(np.int64) @ approved
    none = int(profile.weights[~approved.any(axis=1)].sum())

    elected: list[int] = []
    ties: list[Tie] = []
    left = sorted(standing, key=lambda x: -int(votes[x]))
    while len(elected) < seats:
        top = int(votes[left[0]])
        level = [x for x in left if int(votes[x]) == top]
        room = seats - len(elected)
        if len(level) <= room:
            elected.extend(sorted(level))
        else:
            # Equal approvals for fewer seats than candidates: only the lot can decide.
            pool = sorted(level)
            for _ in range(room):
                chosen = lot.choose(pool)
                ties.append(Tie(1, tuple(pool), chosen, "lot", lot.seed))
                elected.append(chosen)
                pool.remove(chosen)
        left = [x for x in left if x not in level]
    stage = Round(
        number=1,
        action="approvals",
        subject=None,
        votes=tuple(int(v) for v in votes),
        transfers=tuple(int(v) for v in votes),
        exhausted=none,
        elected=tuple(elected),
    )
    return Result(
        method="approval",
        candidates=profile.candidates,
        seats=seats,
        elected=tuple(elected),
        rounds=(stage,),
        scale=1,
        ties=tuple(ties),
        seed=lot.seed,
    )
