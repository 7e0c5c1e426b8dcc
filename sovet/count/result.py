"""The one result type every counting method returns, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tie:
    """A tie the count had to break, and how: the rule's own procedure, or the recorded lot."""

    round: int
    among: tuple[int, ...]
    chosen: int
    how: str  # "earlier stage" | "lot" | ...
    seed: int | None = None


@dataclass(frozen=True)
class Round:
    """One stage of a count: what was done, and every candidate's votes after it.

    Votes are integers at the result's `scale` (Scottish STV: 10**5, since the Order truncates
    to 5 decimal places; Meek: 10**9), so the record has no floats.
    """

    number: int
    action: str  # "first preferences" | "surplus" | "exclusion" | "round" | ...
    subject: int | None  # the candidate whose surplus or exclusion this stage transfers
    votes: tuple[int, ...]
    transfers: tuple[int, ...]  # each candidate's change in this stage
    exhausted: int  # non-transferable votes so far
    quota: int | None = None
    elected: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Result:
    """Who is elected, in order, and the record of how."""

    method: str
    candidates: tuple[str, ...]
    seats: int
    elected: tuple[int, ...]
    rounds: tuple[Round, ...]
    scale: int = 1
    ties: tuple[Tie, ...] = ()
    seed: int | None = None
    ranking: tuple[tuple[int, ...], ...] | None = None  # Schulze: full order, ties grouped
    matrix: tuple[tuple[int, ...], ...] | None = None  # Schulze: strongest paths

    @property
    def elected_names(self) -> tuple[str, ...]:
        """The elected candidates' names, as the ballots spell them."""
        return tuple(self.candidates[i] for i in self.elected)
