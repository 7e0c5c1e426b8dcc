"""Offices and mandates: seats filled by election for a term, limited in renewal, recallable.

An office is created by the election call that first fills it. The election's count gives
its winners mandates for the charter's `term_days`; a person who has won the office
`term_limit` times cannot stand for it again. A carried recall ends the mandate at once, and so
does leaving or being expelled from the council.
"""

from __future__ import annotations

from datetime import datetime

from sovet.core.council import CouncilState, Motion
from sovet.core.motion import MotionDecided, effect


def holders(state: CouncilState, office: int, at: datetime) -> tuple[str, ...]:
    """Who holds the office at `at` (their term not over), sorted. Raises `NotFound`."""
    o = state.office(office)
    return tuple(sorted(p for p, m in o.mandates.items() if m.since <= at < m.until))


def mandates_of(state: CouncilState, person: str) -> tuple[int, ...]:
    """The offices in which the person holds a mandate (term over or not, until replaced)."""
    return tuple(sorted(i for i, o in state.offices.items() if person in o.mandates))


def end_mandates(state: CouncilState, person: str) -> None:
    """End every mandate the person holds (part of `apply`: leaving, expulsion)."""
    for o in state.offices.values():
        o.mandates.pop(person, None)


@effect("recall")
def _recall(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        office = state.offices.get(m.ref)
        if office is not None:
            office.mandates.pop(m.subject, None)
