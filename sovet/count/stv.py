"""Single transferable vote: Scottish STV (the 2007 Order) and Meek STV (the PRF reference rule).

Both count on the profile's distinct rankings as NumPy arrays, never one object per ballot,
and in integer arithmetic: Scottish STV at 10**5 (the Order truncates to five decimal places),
Meek at 10**9 (the reference rule's nine). Ties are broken by each rule's own procedure, then
by the recorded lot (or by an order fixed in advance, when one is given); every tie is in
`Result.ties`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np
import numpy.typing as npt

from sovet.count.blt import aggregate
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import CountError, Result, Round, Tie
from sovet.count.sums import exact_sum_by, sum_by_key

__all__ = ["MEEK_SCALE", "SCOTTISH_SCALE", "meek", "stv_scottish"]

SCOTTISH_SCALE = 10**5
MEEK_SCALE = 10**9

_HOPEFUL, _PENDING, _ELECTED, _EXCLUDED, _WITHDRAWN = 0, 1, 2, 3, 4
_MAX_SCOTTISH_BALLOTS = 9 * 10**8


def _check(profile: Profile, seats: int | None) -> int:
    n = len(profile.candidates)
    seats = profile.seats if seats is None else seats
    if seats < 1:
        raise CountError(f"an election must fill at least one seat, not {seats}")
    if n == 0:
        raise CountError("the election has no candidates")
    if profile.rankings.ndim != 2 or profile.rankings.shape[0] != profile.weights.shape[0]:
        raise CountError("the profile's rankings and weights do not have one row per ranking")
    if profile.weights.size and int(profile.weights.min()) < 0:
        raise CountError("a ranking's weight (its number of ballots) cannot be negative")
    r = profile.rankings
    if r.size and (int(r.max()) >= n or int(r.min()) < -1):
        raise CountError("a ranking names a candidate that is not in the election")
    return seats


def _sum_by(
    groups: npt.NDArray[np.intp], values: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Sum non-negative int64 `values` by group, exactly when their total is below 2**53.

    `bincount` adds in float64, which is exact while every partial sum is an integer below
    2**53; Scottish STV's sums are at most ballots x 10**5 (`_MAX_SCOTTISH_BALLOTS` keeps
    that below 10**14).
    """
    return np.bincount(groups, weights=values, minlength=n).astype(np.int64)


def _matrix(profile: Profile) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """The rankings with a closing column of -1, and their weights (rows of weight 0 dropped)."""
    keep = profile.weights > 0
    r = profile.rankings[keep]
    out = np.full((r.shape[0], r.shape[1] + 1), -1, dtype=np.int16)
    out[:, : r.shape[1]] = r
    return out, profile.weights[keep].astype(np.int64)


class _Tiebreak:
    """The lot of a count, or an order fixed in advance; records every tie it settles."""

    def __init__(self, lot: Lot, order: Sequence[int] | None) -> None:
        self.lot = lot
        self.order = {c: i for i, c in enumerate(order)} if order is not None else None
        self.ties: list[Tie] = []
        self.used_lot = False

    def record(self, stage: int, among: Sequence[int], chosen: int, how: str) -> int:
        self.ties.append(Tie(round=stage, among=tuple(sorted(among)), chosen=chosen, how=how,
                             seed=self.lot.seed if how == "lot" else None))
        return chosen

    def draw(self, stage: int, among: Sequence[int]) -> int:
        if self.order is not None:
            order = self.order
            chosen = min(among, key=lambda c: order.get(c, len(order) + c))
            return self.record(stage, among, chosen, "tie order")
        self.used_lot = True
        return self.record(stage, among, self.lot.choose(list(among)), "lot")


# --- Scottish STV -------------------------------------------------------------------------


def stv_scottish(
    profile: Profile,
    *,
    seats: int | None = None,
    lot: Lot,
    tie_order: Sequence[int] | None = None,
) -> Result:
    """Count `profile` by the Scottish Local Government Elections Order 2007, Schedule 1.

    - Rule 45: first preferences; every ballot paper has the value 1.
    - Rule 46: the quota is the number of valid ballot papers divided by seats + 1, ignoring
      any fraction, plus one.
    - Rule 47: a candidate whose votes equal or exceed the quota is elected.
    - Rule 48: the surplus of an elected candidate is transferred by sorting all the papers the
      candidate holds to their next available preference; each paper's transfer value is
      surplus x its value / the candidate's votes, truncated to five decimal places (48(3)).
      The truncation loss is not credited to anyone; each stage's `Round.lost` is the loss so
      far, so that votes + exhausted + lost is the number of ballots at every stage.
    - Rule 49: the largest surplus first; equal surpluses go by the most recent preceding
      stage at which the candidates' votes differed (the higher first), then by lot.
    - Rules 50-51: with no surplus to transfer, the candidate with the fewest votes is
      excluded and their papers go on at the value they arrived with; a tie goes by the most
      recent preceding stage at which the votes differed (the lower is excluded), then by lot.
    - Rule 52: when the continuing candidates are no more than the vacancies left, they are
      deemed elected and no further transfer is made.

    Votes in the result are integers at `SCOTTISH_SCALE` (10**5). Withdrawn candidates are
    skipped on every paper. The lot is drawn from `lot` (its seed is recorded); `tie_order`, if
    given, settles what the Order leaves to the lot by that fixed order instead (earliest
    first), as a reference count that fixes its lot in advance does. Raises `CountError` for a
    profile that cannot be counted (no candidates, fewer than one seat).
    """
    seats = _check(profile, seats)
    ncand = len(profile.candidates)
    scale = SCOTTISH_SCALE
    ranks, counts = profile.rankings, profile.weights.astype(np.int64, copy=False)
    total = int(counts.sum())
    if total > _MAX_SCOTTISH_BALLOTS:
        # Every sum below is at most ballots x 10**5 and must be exact in float64 (2**53);
        # value x surplus must fit 64 bits: 10**5 x (ballots x 10**5) < 2**63.
        raise CountError(f"{total} ballots are more than Scottish STV counts exactly here "
                         f"(at most {_MAX_SCOTTISH_BALLOTS})")
    nrows, depth = ranks.shape
    state = [_WITHDRAWN if c in profile.withdrawn else _HOPEFUL for c in range(ncand)]

    # Papers are moved on a flat copy of the rankings shifted by one (0: the ranking has
    # ended) with a closing column of 0s, so that moving on never runs past a row.
    width = depth + 1
    flat = np.zeros((nrows, width), dtype=np.int16)
    np.add(ranks, 1, out=flat[:, :depth])
    flat = flat.ravel()
    cursor = np.arange(0, nrows * width, width)  # where each row's papers are in `flat`
    value = np.full(nrows, scale, dtype=np.int64)  # each paper's value, at 10**5
    hold = flat[::width].copy()  # who holds each row's papers, + 1 (0: nobody)
    # Whether a paper passes over the candidate it reaches (+ 1): all but the hopefuls, and
    # not the end of the ranking.
    skip = np.array([False] + [x != _HOPEFUL for x in state], dtype=bool)

    def advance(sel: npt.NDArray[np.intp]) -> None:
        """Move the papers of rows `sel` on to their next continuing candidate (or exhaust)."""
        at = cursor[sel] + 1
        cand = flat[at]
        going = np.flatnonzero(skip[cand])  # those that reached someone to pass over
        while going.size:
            step = at[going] + 1
            at[going] = step
            reached = flat[step]
            cand[going] = reached
            going = going[skip[reached]]
        cursor[sel] = at
        hold[sel] = cand

    if profile.withdrawn:
        advance(np.flatnonzero(skip[hold]))
    quota = (total // (seats + 1) + 1) * scale  # rule 46
    # Every paper is worth `scale` at first: count rows by weight, then scale.
    tally = _sum_by(hold, counts, ncand + 1) * scale  # [0]: exhausted; [c + 1]: candidate c
    exhausted = int(tally[0])
    votes = tally[1:]
    lost = 0
    # The stage logic runs on Python lists of C numbers; NumPy only moves the papers.
    now: list[int] = votes.tolist()
    history: list[list[int]] = [now]
    rounds: list[Round] = [
        Round(number=1, action="first preferences", subject=None, votes=tuple(now),
              transfers=(0,) * ncand, exhausted=exhausted, quota=quota)
    ]
    elected: list[int] = []
    ties = _Tiebreak(lot, tie_order)

    def set_status(c: int, to: int) -> None:
        state[c] = to
        skip[c + 1] = to != _HOPEFUL

    def hopefuls() -> list[int]:
        return [c for c in range(ncand) if state[c] == _HOPEFUL]

    def stage_tie(among: list[int], *, highest: bool) -> int:
        """Rules 49(2)-(3) and 51(2): the most recent preceding stage where they differed."""
        if len(among) == 1:
            return among[0]
        for past in reversed(history):
            vals = [past[c] for c in among]
            best = max(vals) if highest else min(vals)
            at = [c for c, v in zip(among, vals, strict=True) if v == best]
            if len(at) == 1:
                return ties.record(len(rounds) + 1, among, at[0], "earlier stage")
        return ties.draw(len(rounds) + 1, among)

    def elect_quota_holders() -> None:
        """Rule 47: those at or over the quota, the highest first."""
        newly = sorted((c for c in hopefuls() if now[c] >= quota), key=lambda c: (-now[c], c))
        for c in newly:
            set_status(c, _PENDING)
            elected.append(c)
        if newly:
            last = rounds[-1]
            rounds[-1] = _with(last, elected=last.elected + tuple(newly))

    while True:
        elect_quota_holders()
        if seats - len(elected) <= 0 or len(hopefuls()) <= seats - len(elected):
            break
        pending = [c for c in range(ncand) if state[c] == _PENDING]
        excluded: tuple[int, ...] = ()
        if pending:
            high = max(now[c] for c in pending)
            subject = stage_tie([c for c in pending if now[c] == high], highest=True)
            set_status(subject, _ELECTED)
            v = now[subject]
            surplus = v - quota
            held = np.flatnonzero(hold == subject + 1)
            # Rule 48(3): surplus x value / votes, truncated to five places, paper by paper.
            value[held] = value[held] * surplus // v
            action = "surplus"
            moving = value[held] * counts[held]
            lost += surplus - int(moving.sum())
            votes[subject] = quota
        else:
            low = min(now[c] for c in hopefuls())
            subject = stage_tie([c for c in hopefuls() if now[c] == low], highest=False)
            set_status(subject, _EXCLUDED)
            held = np.flatnonzero(hold == subject + 1)
            action = "exclusion"
            excluded = (subject,)
            votes[subject] = 0
            moving = value[held] * counts[held]
        advance(held)
        gained = _sum_by(hold[held], moving, ncand + 1)
        exhausted += int(gained[0])
        votes += gained[1:]
        before, now = now, votes.tolist()
        history.append(now)
        rounds.append(Round(
            number=len(rounds) + 1, action=action, subject=subject, votes=tuple(now),
            transfers=tuple(x - y for x, y in zip(now, before, strict=True)),
            exhausted=exhausted, quota=quota, excluded=excluded, lost=lost))
        if seats - len(elected) <= 0 or len(hopefuls()) <= seats - len(elected):
            break

    # Rule 52: the continuing candidates fill the last vacancies without further transfer.
    rest = hopefuls()
    if 0 < len(rest) <= seats - len(elected):
        for c in rest:
            set_status(c, _ELECTED)
            elected.append(c)
        last = rounds[-1]
        rounds[-1] = _with(last, elected=last.elected + tuple(rest),
                           note=(last.note + "; " if last.note else "")
                           + "rule 52: the continuing candidates fill the last vacancies")
    return Result(
        method="scottish-stv", candidates=profile.candidates, seats=seats,
        elected=tuple(elected), rounds=tuple(rounds), scale=scale, ties=tuple(ties.ties),
        seed=lot.seed)


def _with(r: Round, **changes: object) -> Round:
    return replace(r, **changes)  # type: ignore[arg-type]


# --- Meek STV -----------------------------------------------------------------------------


def meek(
    profile: Profile,
    *,
    seats: int | None = None,
    lot: Lot,
    omega: Decimal | str = "0.000001",
    places: int = 9,
    tie_order: Sequence[int] | Literal["file", "lot"] = "file",
) -> Result:
    """Count `profile` by Meek STV, the Proportional Representation Foundation's reference rule.

    The rule (A, B.1-B.4, C, T of the reference text), in fixed-point decimals of `places`
    places (9 by default), rounding as the rule says:

    - A: every hopeful candidate's keep factor is 1; a withdrawn candidate's is 0.
    - B.1: the count ends when every seat is filled or the hopeful candidates are no more
      than the seats left.
    - B.2: iterate: each ballot gives each candidate in turn its weight times the candidate's
      keep factor (rounded up) and keeps the rest; the quota is the votes counted divided by
      seats + 1, truncated, plus 10**-places; hopefuls at or over the quota are elected (which
      ends the round); the total surplus is the elected candidates' votes above the quota;
      the iteration stops when the surplus is below `omega` or no longer falls; otherwise each
      elected candidate's keep factor becomes kf x quota / votes (each step rounded up).
    - B.3: the hopeful with the fewest votes is defeated; every hopeful within the total
      surplus of the lowest is tied with it, and the tie goes by procedure T.
    - C: if seats remain, the remaining hopefuls are elected; otherwise they are defeated.
    - T: ties go by an order fixed before the count. `tie_order="file"` (the default) uses the
      file's `[tie]` order or else the order of the candidates in the file, as the reference
      program does; a sequence gives the order; `"lot"` draws each tie from `lot` instead.
      The candidate earliest in the order is defeated. Every tie is recorded.

    Votes are integers at 10**places. One round of the result is one round B of the rule,
    with the votes its iteration converged to. Raises `CountError` for `places` above 9 (the
    products would not fit 64-bit integers) or a profile that cannot be counted.
    """
    seats = _check(profile, seats)
    if not 1 <= places <= 9:
        raise CountError(f"Meek counts with 1 to 9 decimal places, not {places}")
    ncand = len(profile.candidates)
    scale = 10**places
    try:
        omega_s = int(Decimal(omega) * scale)
    except (InvalidOperation, ValueError):
        raise CountError(f"omega must be a decimal number such as 0.000001, not {omega!r}") \
            from None
    if omega_s < 1:
        raise CountError(f"omega {omega} is below the precision of {places} decimal places")
    ranks, counts = _matrix(profile)
    if counts.size and int(counts.max()) > (2**62) // scale:
        raise CountError("a ranking's weight is too large to count at this precision")
    total = int(counts.sum())

    status = np.full(ncand + 1, _HOPEFUL, dtype=np.int8)
    status[ncand] = _EXCLUDED
    kf = np.zeros(ncand + 1, dtype=np.int64)
    kf[:ncand] = scale
    for c in profile.withdrawn:
        status[c] = _WITHDRAWN
        kf[c] = 0
    if tie_order == "lot":
        ties = _Tiebreak(lot, None)
    elif tie_order == "file":
        ties = _Tiebreak(lot, profile.tie_order or range(ncand))
    else:
        ties = _Tiebreak(lot, tie_order)

    elected: list[int] = []
    rounds: list[Round] = []
    prev = np.zeros(ncand, dtype=np.int64)

    def hopefuls() -> list[int]:
        return [c for c in range(ncand) if status[c] == _HOPEFUL]

    while len(hopefuls()) > seats - len(elected) > 0:
        paths, weights = _meek_paths(ranks, counts, status, ncand)
        last_surplus = total * scale
        iterations = 0
        newly: list[int] = []
        while True:
            iterations += 1
            votes = _meek_distribute(paths, weights, kf, scale, ncand)
            quota = int(votes.sum()) // (seats + 1) + 1
            # Elected in candidate order within one iteration, as the reference program logs.
            newly = [c for c in hopefuls() if votes[c] >= quota]
            for c in newly:
                status[c] = _ELECTED
                elected.append(c)
            surplus = max(0, sum(int(votes[c]) - quota for c in elected))
            if newly or surplus < omega_s or surplus >= last_surplus:
                break
            last_surplus = surplus
            for c in elected:
                # B.2.f, in Python integers: kf x quota overflows 64 bits on large counts.
                kf[c] = _ceil_div(_ceil_div(int(kf[c]) * quota, scale) * scale, int(votes[c]))
        defeated: tuple[int, ...] = ()
        if not newly:
            low = min(int(votes[c]) for c in hopefuls())
            tied = [c for c in hopefuls() if votes[c] <= low + surplus]
            loser = tied[0] if len(tied) == 1 else ties.draw(len(rounds) + 1, tied)
            status[loser] = _EXCLUDED
            kf[loser] = 0
            defeated = (loser,)
        rounds.append(Round(
            number=len(rounds) + 1, action="round", subject=defeated[0] if defeated else None,
            votes=tuple(int(v) for v in votes[:ncand]),
            transfers=tuple(int(v) for v in votes[:ncand] - prev),
            exhausted=total * scale - int(votes[:ncand].sum()), quota=quota,
            elected=tuple(newly), excluded=defeated,
            note=f"{iterations} iterations; surplus {surplus}; keep factors "
                 + " ".join(str(int(k)) for k in kf[:ncand])))
        prev = votes[:ncand].copy()

    rest = hopefuls()
    if rest:
        # C.1-C.2: fill any seats left with the remaining hopefuls, else defeat them.
        fill = rest if len(elected) < seats else []
        for c in fill:
            status[c] = _ELECTED
            elected.append(c)
        if not rounds:
            paths, weights = _meek_paths(ranks, counts, status, ncand)
            votes = _meek_distribute(paths, weights, kf, scale, ncand)
            rounds.append(Round(
                number=1, action="round", subject=None,
                votes=tuple(int(v) for v in votes[:ncand]),
                transfers=tuple(int(v) for v in votes[:ncand]),
                exhausted=total * scale - int(votes[:ncand].sum()),
                quota=int(votes.sum()) // (seats + 1) + 1))
        if fill:
            last = rounds[-1]
            rounds[-1] = _with(last, elected=last.elected + tuple(fill),
                               note=(last.note + "; " if last.note else "")
                               + "C.1: the remaining hopefuls fill the seats left")
    return Result(
        method="meek", candidates=profile.candidates, seats=seats, elected=tuple(elected),
        rounds=tuple(rounds), scale=scale, ties=tuple(ties.ties),
        seed=lot.seed)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _meek_paths(
    ranks: npt.NDArray[np.int16],
    counts: npt.NDArray[np.int64],
    status: npt.NDArray[np.int8],
    ncand: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Each ranking cut to what a round can use: elected candidates up to the first hopeful.

    A hopeful's keep factor is 1, so nothing passes it; defeated and withdrawn candidates
    keep nothing. Within a round no status changes until it ends, so identical cut rankings
    can be merged and the iteration runs over far fewer rows than the profile has. A cut
    path is at most the elected candidates and one hopeful; it is built as one integer key
    (candidates as base-(C+1) digits) column by column, so no second matrix is made.
    """
    n, width = ranks.shape
    base = ncand + 1
    longest = int((status[:ncand] == _ELECTED).sum()) + 1
    if longest * np.log2(base) >= 62:
        return _meek_paths_by_rows(ranks, counts, status, ncand)
    key = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    going = np.ones(n, dtype=bool)  # not yet past the first hopeful or the ranking's end
    for j in range(width):
        c = ranks[:, j].astype(np.intp)
        c[c < 0] = ncand
        st = status[c]
        hope = st == _HOPEFUL
        take = going & (hope | (st == _ELECTED))
        key[take] = key[take] * base + (c[take] + 1)
        length += take
        going &= ~hope & (c != ncand)
        if not going.any():
            break
    top = int(length.max()) if n else 0
    # Left-align: shorter paths get trailing zero digits, so every key has `top` digits.
    key *= (base ** np.arange(top + 1, dtype=np.int64))[top - length]
    uniq, weights = sum_by_key(key, counts)
    paths = np.empty((uniq.size, max(top, 1)), dtype=np.intp)
    paths[:, :] = ncand
    rest = uniq.copy()
    for j in range(top - 1, -1, -1):
        digit = rest % base
        paths[:, j] = np.where(digit > 0, digit - 1, ncand)
        rest //= base
    return paths, weights


def _meek_paths_by_rows(
    ranks: npt.NDArray[np.int16],
    counts: npt.NDArray[np.int64],
    status: npt.NDArray[np.int8],
    ncand: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """`_meek_paths` for rankings whose cut paths may not fit one 63-bit key."""
    n, width = ranks.shape
    ix = np.where(ranks < 0, ncand, ranks).astype(np.intp)
    st = status[ix]
    hope = st == _HOPEFUL
    usable = hope | (st == _ELECTED)
    first = np.where(hope.any(axis=1), hope.argmax(axis=1), width)
    keep = usable & (np.arange(width)[None, :] <= first[:, None])
    order = np.argsort(~keep, axis=1, kind="stable")
    cut = np.take_along_axis(ix, order, axis=1)
    kept = np.take_along_axis(keep, order, axis=1)
    depth = int(kept.sum(axis=1).max()) if n else 0
    cut16: npt.NDArray[np.int16] = np.where(kept, cut, -1)[:, : max(depth, 1)].astype(np.int16)
    paths, weights = aggregate(cut16, counts, ncand)
    return np.where(paths < 0, ncand, paths).astype(np.intp), weights


def _meek_distribute(
    paths: npt.NDArray[np.intp],
    weights: npt.NDArray[np.int64],
    kf: npt.NDArray[np.int64],
    scale: int,
    ncand: int,
) -> npt.NDArray[np.int64]:
    """B.2.a: each path gives each candidate weight x keep factor, rounded up, at `scale`."""
    w = np.full(paths.shape[0], scale, dtype=np.int64)
    votes = np.zeros(ncand + 1, dtype=np.int64)
    for j in range(paths.shape[1]):
        c = paths[:, j]
        keep = -((-w * kf[c]) // scale)  # w x kf, rounded up; w, kf <= 10**9 fit int64
        votes += exact_sum_by(c, keep * weights, ncand + 1)
        w -= keep
    votes[ncand] = 0
    return votes
