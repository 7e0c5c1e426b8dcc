"""Exact group sums over NumPy arrays, shared by the reader and the counts."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

_K = TypeVar("_K", bound=np.generic)


def sum_by_key(
    keys: npt.NDArray[_K], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[_K], npt.NDArray[np.int64]]:
    """The distinct keys, sorted, and the total weight of each."""
    if keys.size == 0:
        return keys, weights.astype(np.int64)
    if np.all(weights == 1):
        uniq, counts = np.unique(keys, return_counts=True)
        return uniq, counts.astype(np.int64)
    order = np.argsort(keys)
    ks = keys[order]
    at = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
    return ks[at], np.add.reduceat(weights[order], at)


def exact_sum_by(
    groups: npt.NDArray[np.intp], values: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Sum non-negative int64 `values` by group exactly (bincount alone adds in float64).

    Each value is split into its low 24 bits and the rest, so each float64 sum stays
    exact while there are fewer than 2**29 values and their total is below 2**77
    (far above any count of ballots, even at Meek's 10**9 scale).
    """
    lo = values & 0xFFFFFF
    hi = values >> 24
    s_lo = np.bincount(groups, weights=lo, minlength=n).astype(np.int64)
    s_hi = np.bincount(groups, weights=hi, minlength=n).astype(np.int64)
    return s_hi * (1 << 24) + s_lo
