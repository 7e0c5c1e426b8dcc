"""The ballots of one election, as NumPy arrays (never one Python object per ballot)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)
class Profile:
    """Ranked ballots, aggregated: row i is a ranking cast `weights[i]` times.

    `rankings[i, j]` is the 0-based index of the candidate ranked (j+1)-th on row i, or -1 once
    the ranking has ended (every -1 is after the last preference). Equal rankings are not
    represented: readers refuse them with a clear message.
    """

    candidates: tuple[str, ...]
    rankings: npt.NDArray[np.int16]
    weights: npt.NDArray[np.int64]
    seats: int = 1
    withdrawn: frozenset[int] = field(default_factory=frozenset)
    title: str = ""
    # The order in which a tie that the rule leaves to chance is settled when the election
    # fixes it in advance (a BLT `[tie ...]` line; earliest first). Empty: file order.
    tie_order: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        """The number of ballots."""
        return int(self.weights.sum())
