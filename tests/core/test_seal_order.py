"""The sealed order is independent of the cast order (DESIGN.md, guarantee 3).

At the close a secret ballot's box is rewritten in a random order (`sovet.core.ballot.seal`),
so the place of a ballot in the sealed list tells nothing of when it was cast, hence nothing
of who cast it (the voter roll is a list of who voted, and a watcher may know the order in
which people voted).

Two kinds of evidence:

- exact: sealing any permutation of the same ballots with the same seed gives the same sealed
  list, so the cast order cannot matter at all (Hypothesis, over ballot multisets and
  permutations);
- statistical: over many seals of 2,000 distinct ranked ballots, cast in adversarial orders
  (sorted as the seal's own sort would put them, reversed, and shuffled), the Spearman rank
  correlation between cast position and sealed position is consistent with zero, the
  position buckets are independent (chi-square), and a given ballot's sealed place is uniform
  over the seeds. The seeds are fixed, so the test is deterministic; the bounds are the null
  distributions' 1 - 1e-4 quantiles, so a correct seal passes with room and a seal that keeps
  any trace of the cast order (or of a fixed permutation) fails by tens of standard errors.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.core.ballot import Content, ballot_bytes, seal

N = 2_000  # ballots per seal
SEEDS = tuple(range(1, 61))  # fixed: the test is deterministic
BUCKETS = 10
P_FAIL = 1e-4  # a correct seal fails a bound with about this probability, per bound
CANDIDATES = ("ana", "bo", "cy", "dan", "eve", "fay", "gus")  # 7! = 5,040 distinct rankings


def _ballots() -> list[Content]:
    """2,000 distinct STV ballots (full rankings of seven candidates), a fixed set."""
    rankings = list(itertools.permutations(CANDIDATES))
    pick = np.random.Generator(np.random.PCG64(20260302)).choice(len(rankings), N,
                                                                 replace=False)
    return [rankings[int(i)] for i in pick]


def _sorted_cast(ballots: list[Content]) -> list[Content]:
    # Cast in the very order the seal sorts into first: a seal that forgot to permute (or
    # permuted by a fixed rule) would keep it.
    return sorted(ballots, key=ballot_bytes)


def _reversed_cast(ballots: list[Content]) -> list[Content]:
    return sorted(ballots, key=ballot_bytes, reverse=True)


def _shuffled_cast(ballots: list[Content]) -> list[Content]:
    order = np.random.Generator(np.random.PCG64(7)).permutation(len(ballots))
    return [ballots[int(i)] for i in order]


CAST_ORDERS: dict[str, Callable[[list[Content]], list[Content]]] = {
    "sorted": _sorted_cast, "reversed": _reversed_cast, "shuffled": _shuffled_cast,
}


def sealed_positions(cast: Sequence[Content], seed: int) -> np.ndarray:
    """For each cast position i, the position of that ballot in the sealed list."""
    sealed = seal(cast, seed)
    where = {b: p for p, b in enumerate(sealed)}
    assert len(where) == len(cast), "the ballots must be distinct for positions to be defined"
    return np.array([where[ballot_bytes(c)] for c in cast])


def spearman(positions: np.ndarray) -> float:
    """Spearman's rho between cast position (0..n-1) and sealed position (a permutation)."""
    n = len(positions)
    d = positions - np.arange(n)
    return float(1 - 6 * float(np.sum(d * d)) / (n * (n * n - 1)))


def chi2_upper(df: int, p: float = P_FAIL) -> float:
    """The upper `p` quantile of the chi-square distribution (Wilson-Hilferty; within 1% for
    the degrees of freedom used here)."""
    z = NormalDist().inv_cdf(1 - p)
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def chi2_lower(df: int, p: float = P_FAIL) -> float:
    """The lower `p` quantile of the chi-square distribution (Wilson-Hilferty)."""
    z = NormalDist().inv_cdf(p)
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def bucket_table(pairs: list[np.ndarray]) -> np.ndarray:
    """The BUCKETS x BUCKETS counts of (cast bucket, sealed bucket), summed over seals."""
    table = np.zeros((BUCKETS, BUCKETS), dtype=np.int64)
    for positions in pairs:
        n = len(positions)
        cast_b = np.arange(n) * BUCKETS // n
        sealed_b = positions * BUCKETS // n
        np.add.at(table, (cast_b, sealed_b), 1)
    return table


def chi_square(table: np.ndarray) -> float:
    """Pearson's chi-square of independence of a contingency table."""
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    return float(np.sum((table - expected) ** 2 / expected))


@pytest.fixture(scope="module")
def seals() -> dict[str, list[np.ndarray]]:
    """Sealed positions for each adversarial cast order and each fixed seed."""
    ballots = _ballots()
    return {name: [sealed_positions(order(ballots), s) for s in SEEDS]
            for name, order in CAST_ORDERS.items()}


@pytest.mark.parametrize("cast_order", sorted(CAST_ORDERS))
def test_the_rank_correlation_of_cast_and_sealed_position_is_consistent_with_zero(
    seals: dict[str, list[np.ndarray]], cast_order: str
) -> None:
    """Under independence rho has mean 0 and variance 1/(n-1); each rho is within the
    two-sided 1e-4 normal bound, and the sum of the squared z-scores over the seeds is within
    the chi-square bounds (too small would mean the seal is not random either)."""
    z = np.array([spearman(p) * math.sqrt(N - 1) for p in seals[cast_order]])
    bound = NormalDist().inv_cdf(1 - P_FAIL / 2)
    assert np.all(np.abs(z) < bound), f"rho z-scores {z[np.abs(z) >= bound]} beyond {bound:.2f}"
    total = float(np.sum(z * z))
    df = len(SEEDS)
    assert chi2_lower(df) < total < chi2_upper(df), (
        f"sum of squared rho z-scores {total:.1f} outside the chi-square({df}) bounds")
    # The mean rho over all seals has standard error 1/sqrt(seeds * (n-1)).
    mean_z = float(np.mean(z)) * math.sqrt(df)
    assert abs(mean_z) < bound


@pytest.mark.parametrize("cast_order", sorted(CAST_ORDERS))
def test_cast_and_sealed_position_buckets_are_independent(
    seals: dict[str, list[np.ndarray]], cast_order: str
) -> None:
    """A chi-square of independence over 10 x 10 position buckets, summed over all seeds."""
    table = bucket_table(seals[cast_order])
    stat = chi_square(table)
    df = (BUCKETS - 1) ** 2
    assert stat < chi2_upper(df), f"chi-square {stat:.1f} over the bound {chi2_upper(df):.1f}"


def test_a_ballots_sealed_place_is_uniform_over_the_seeds(
    seals: dict[str, list[np.ndarray]]
) -> None:
    """The first-cast ballot's sealed place, over the seeds, falls evenly into the buckets; so
    does every ballot's together. A seed-independent permutation would put each ballot in one
    bucket every time."""
    for positions_by_seed in (seals["sorted"], seals["shuffled"]):
        stacked = np.stack(positions_by_seed)  # seeds x cast position
        # Every cast position's sealed bucket, per seed: each position's counts over the
        # seeds must look uniform; summing the per-position chi-squares gives one statistic.
        buckets = stacked * BUCKETS // N
        expected = len(SEEDS) / BUCKETS
        counts = np.stack([np.bincount(buckets[:, i], minlength=BUCKETS) for i in range(N)])
        stat = float(np.sum((counts - expected) ** 2 / expected))
        df = N * (BUCKETS - 1)
        assert chi2_lower(df) < stat < chi2_upper(df), (
            f"per-ballot bucket chi-square {stat:.0f} outside chi-square({df}) bounds")


def test_the_bounds_catch_a_seal_that_keeps_the_cast_order() -> None:
    """The statistics above are not blind: the identity and a fixed shuffle fail them."""
    identity = np.arange(N)
    assert abs(spearman(identity) * math.sqrt(N - 1)) > 40
    assert chi_square(bucket_table([identity] * 3)) > chi2_upper((BUCKETS - 1) ** 2)
    # A "seal" that sorts and then reverses in blocks keeps most of the order.
    blocks = np.concatenate([np.arange(i, i + 100)[::-1] for i in range(0, N, 100)])
    assert chi_square(bucket_table([blocks] * 3)) > chi2_upper((BUCKETS - 1) ** 2)


ballot_content = st.one_of(
    st.sampled_from(("yes", "no", "abstain")),
    st.lists(st.sampled_from(CANDIDATES), unique=True, min_size=1, max_size=4).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(ballots=st.lists(ballot_content, max_size=60), data=st.data(),
       seed=st.integers(0, 2**63 - 1))
def test_sealing_any_permutation_of_the_same_ballots_gives_the_same_sealed_list(
    ballots: list[Content], data: st.DataObject, seed: int
) -> None:
    """The cast order does not matter at all: same ballots, same seed, same sealed list (and
    it holds exactly the ballots cast, duplicates included)."""
    cast_again = data.draw(st.permutations(ballots), label="another cast order")
    sealed = seal(ballots, seed)
    assert seal(cast_again, seed) == sealed
    assert sorted(sealed) == sorted(ballot_bytes(b) for b in ballots)
