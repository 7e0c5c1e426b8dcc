"""Yes/no/abstain votes on a motion, decided by the quorum and threshold the charter gives.

Plain integers in, a small typed outcome out: fractions are `(numerator, denominator)` pairs of
integers, compared by cross-multiplying, so no float ever decides a motion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sovet.count.result import CountError

Fraction = tuple[int, int]
Base = Literal["cast", "present", "electorate"]


@dataclass(frozen=True)
class MajorityOutcome:
    """How a yes/no/abstain vote came out, with the numbers that decided it.

    `outcome` is "carried", "defeated" or "inquorate" (too few took part: not decided);
    `needed` is the least number of yes votes that would have carried the motion with the same
    base, and `quorum_needed` the least turnout (yes + no + abstain) that makes the vote valid.
    """

    outcome: Literal["carried", "defeated", "inquorate"]
    yes: int
    no: int
    abstain: int
    electorate: int
    needed: int
    quorum_needed: int

    @property
    def carried(self) -> bool:
        """Whether the motion was carried."""
        return self.outcome == "carried"

    @property
    def quorate(self) -> bool:
        """Whether enough took part for the vote to count."""
        return self.outcome != "inquorate"


def _fraction(value: Fraction, what: str) -> tuple[int, int]:
    num, den = value
    if isinstance(num, bool) or isinstance(den, bool) or not (
        isinstance(num, int) and isinstance(den, int)
    ):
        raise CountError(f"the {what} must be a fraction of two integers, not {value!r}.")
    if den <= 0 or num < 0 or num > den:
        raise CountError(
            f"the {what} {num}/{den} is not a fraction between 0 and 1; "
            "give it as (numerator, denominator) with 0 <= numerator <= denominator, e.g. (2, 3).",
        )
    return num, den


def majority(
    yes: int,
    no: int,
    abstain: int = 0,
    *,
    electorate: int,
    quorum: Fraction = (0, 1),
    threshold: Fraction = (1, 2),
    inclusive: bool = False,
    base: Base = "cast",
) -> MajorityOutcome:
    """Decide a motion from its yes, no and abstain votes under the charter's quorum and threshold.

    The vote is quorate when at least `quorum` of the `electorate` took part; abstentions count
    toward the quorum (they took part) but not as yes or no. The motion is carried when its yes
    votes are more than `threshold` of the `base` (`inclusive=True`: at least that much):
    "cast" is yes + no (a simple majority: more than (1, 2)), "present" is yes + no + abstain
    (so abstaining counts against), "electorate" is every member entitled to vote (an absolute
    majority). A charter's two-thirds majority is `threshold=(2, 3), inclusive=True`. With no
    votes in the base, nothing is carried.

    Raises `CountError` for negative counts, more votes than the electorate, or a threshold or
    quorum that is not a fraction between 0 and 1.
    """
    for name, value in (("yes", yes), ("no", no), ("abstain", abstain), ("electorate", electorate)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CountError(
                f"the number of {name} votes must be a whole number >= 0, not {value!r}."
            )
    turnout = yes + no + abstain
    if turnout > electorate:
        raise CountError(
            f"{turnout} votes were cast but the electorate is only {electorate}; "
            "check the roll: no one may vote twice.",
        )
    qn, qd = _fraction(quorum, "quorum")
    tn, td = _fraction(threshold, "threshold")
    pool = {"cast": yes + no, "present": turnout, "electorate": electorate}[base]
    # Least integer t with t*qd >= qn*electorate.
    quorum_needed = -((-qn * electorate) // qd)
    # Least yes count that passes: > tn/td of pool (or >= when inclusive); at least one yes.
    needed = -((-tn * pool) // td) if inclusive else (tn * pool) // td + 1
    needed = max(needed, 1)
    if turnout < quorum_needed:
        outcome: Literal["carried", "defeated", "inquorate"] = "inquorate"
    elif yes >= needed:
        outcome = "carried"
    else:
        outcome = "defeated"
    return MajorityOutcome(outcome, yes, no, abstain, electorate, needed, quorum_needed)
