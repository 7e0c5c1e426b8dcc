"""The lot that breaks a tie the rule's own procedure leaves standing: seeded and recorded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Lot:
    """A reproducible drawing of lots from a recorded seed (never the global `random`).

    The same seed and the same sequence of draws give the same choices, so anyone holding the
    result's seed can redo the count and get the same winners.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"a lot's seed must be a non-negative integer, not {seed}")
        self.seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def choose(self, among: Sequence[int]) -> int:
        """Draw one of `among` (candidate indices), each equally likely."""
        ordered = sorted(among)
        return ordered[int(self._rng.integers(len(ordered)))]
