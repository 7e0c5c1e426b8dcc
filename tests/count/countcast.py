"""Profiles for the counting tests: from letters, at random, and as pref_voting sees them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from pref_voting.profiles_with_ties import ProfileWithTies

from sovet.count.profile import Profile


def profile(
    names: str, ballots: Sequence[tuple[int, str]], *, seats: int = 1, withdrawn: str = ""
) -> Profile:
    """A profile from (count, "ranking as letters") pairs, e.g. (3, "ACB")."""
    depth = max((len(r) for _, r in ballots), default=1)
    ranks = np.full((len(ballots), max(depth, 1)), -1, dtype=np.int16)
    for i, (_, r) in enumerate(ballots):
        ranks[i, : len(r)] = [names.index(c) for c in r]
    return Profile(candidates=tuple(names), rankings=ranks,
                   weights=np.array([w for w, _ in ballots], dtype=np.int64), seats=seats,
                   withdrawn=frozenset(names.index(c) for c in withdrawn))


@st.composite
def random_profiles(draw: st.DrawFn, max_candidates: int = 5) -> Profile:
    """Small profiles of strict, possibly truncated rankings (some empty), weighted 1-12."""
    c = draw(st.integers(2, max_candidates))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(1, 12),
                st.permutations(range(c)).flatmap(
                    lambda perm: st.integers(0, len(perm)).map(lambda k: tuple(perm[:k]))
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )
    names = "ABCDEFGH"[:c]
    return profile(names, [(w, "".join(names[x] for x in r)) for w, r in rows])


def to_pref_voting(p: Profile, *, extended: bool = False) -> ProfileWithTies:
    """The same ballots for pref_voting; `extended`: a truncated ballot prefers every listed
    candidate to every unlisted one (as Schulze reads it)."""
    rankings = [{int(x): j + 1 for j, x in enumerate(row) if x >= 0} for row in p.rankings]
    pv = ProfileWithTies(
        rankings, [int(w) for w in p.weights], candidates=list(range(len(p.candidates)))
    )
    if extended:
        pv.use_extended_strict_preference()
    return pv


@st.composite
def elections(draw: st.DrawFn, max_cands: int = 6) -> Profile:
    """Random STV elections: 2 to `max_cands` candidates, truncated rankings, 1 to n seats."""
    n = draw(st.integers(2, max_cands))
    rows = draw(st.lists(st.tuples(st.permutations(range(n)), st.integers(1, n),
                                   st.integers(1, 40)), min_size=1, max_size=25))
    ranks = np.full((len(rows), n), -1, dtype=np.int16)
    for i, (perm, k, _) in enumerate(rows):
        ranks[i, :k] = perm[:k]
    return Profile(candidates=tuple("ABCDEFGH"[:n]), rankings=ranks,
                   weights=np.array([w for *_, w in rows], dtype=np.int64),
                   seats=draw(st.integers(1, n)))
