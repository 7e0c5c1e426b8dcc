"""Petitions: signatures of the electorate toward the charter's threshold (recall first).

A recall petition names a mandate (an office and its holder). Once the signatures reach the
charter's `recall_threshold` of the members, the same decision moves the recall motion and
opens its ballot at once (guarantee 2): no officer stands between the petition and the vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.council import CouncilState, Decision, Petition, decide, handles
from sovet.core.errors import AlreadyDone, NotAMember, NotEligible, NotFound, WrongState
from sovet.core.founding import require_founded
from sovet.core.motion import moved_and_opened


@act
@dataclass(frozen=True, slots=True)
class PetitionOpened(Act):
    """A member opens a petition to recall a mandate (the opener signs it too)."""

    kind: ClassVar[str] = "petition.opened"
    petition: int
    petition_kind: str
    office: int
    person: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class PetitionSigned(Act):
    """A member signs a petition (their own act)."""

    kind: ClassVar[str] = "petition.signed"
    petition: int
    by: str
    at: datetime


def _member(state: CouncilState, by: str, what: str) -> None:
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot {what}: only members, the electorate of the council's "
                         f"mandates, may, and {by} is {state.describe(by)}", person=by)


def signatures_needed(state: CouncilState) -> int:
    """How many signatures open a recall vote now: the charter's `recall_threshold` of the
    members, rounded up, and never fewer than one."""
    num, den = state.charter.recall_threshold
    return max(1, -(-state.n_members * num // den))


def _reached(state: CouncilState, p: Petition, signatures: int) -> bool:
    return signatures >= signatures_needed(state)


def _with_signature(state: CouncilState, d: Decision, number: int, by: str,
                    at: datetime) -> Decision:
    d = d.then(PetitionSigned(petition=number, by=by, at=at))
    p = d.state.petitions[number]
    if p.status == "reached" and p.motion is not None and p.motion not in d.state.motions:
        return d.then(*moved_and_opened(d.state, kind="recall", by=p.by, subject=p.person,
                                        ref=p.office, text=f"Recall {p.person} (petition "
                                        f"{number})", at=at))
    return d


def petition_recall(
    state: CouncilState, *, office: int, person: str, by: str, at: datetime
) -> Decision:
    """Open a petition to recall a person's mandate in an office, and sign it.

    Every mandate can be recalled by its electorate (the members); reaching the charter's
    `recall_threshold` opens the recall vote in the same decision. Raises `NotAMember`,
    `NotFound` (no such office), `NotEligible` (no such mandate), `WrongState` (a recall of
    that mandate is already under way).
    """
    require_founded(state)
    _member(state, by, "petition for a recall")
    o = state.office(office)
    if person not in o.mandates:
        raise NotEligible(f"{person} holds no mandate in office {office} ({o.name}) to recall",
                          person=person, office=office)
    for p in state.petitions.values():
        if p.office == office and p.person == person and p.status == "open":
            raise WrongState(f"a recall petition for {person} in {o.name} is already open; "
                             f"sign it instead", person=person)
    for m in state.motions.values():
        if m.kind == "recall" and m.subject == person and m.ref == office and m.status in (
            "moved", "open"
        ):
            raise WrongState(f"a recall vote on {person}'s mandate in {o.name} is already "
                             f"under way", person=person)
    number = state.next_id(state.petitions)
    d = decide(state, PetitionOpened(petition=number, petition_kind="recall", office=office,
                                     person=person, by=by, at=at))
    return _with_signature(state, d, number, by, at)


def sign(state: CouncilState, *, petition: int, by: str, at: datetime) -> Decision:
    """Sign a petition; members only, once each, while it is open and its mandate stands.

    Raises `NotFound`, `NotAMember`, `AlreadyDone`, `WrongState` (threshold already reached,
    or the mandate has ended).
    """
    p = state.petitions.get(petition)
    if p is None:
        raise NotFound(f"there is no petition {petition} in this council", petition=petition)
    _member(state, by, f"sign petition {petition}")
    if by in p.signatures:
        raise AlreadyDone(f"{by} has already signed petition {petition}; one signature each",
                          person=by)
    if p.status != "open":
        raise WrongState(f"petition {petition} has reached its threshold and its recall vote "
                         f"is open", petition=petition)
    office = state.offices.get(p.office)
    if office is None or p.person not in office.mandates:
        raise WrongState(f"{p.person}'s mandate has ended; petition {petition} has nothing left "
                         f"to recall", petition=petition)
    return _with_signature(state, decide(state), petition, by, at)


@handles(PetitionOpened)
def _opened(state: CouncilState, a: PetitionOpened) -> None:
    state.petitions[a.petition] = Petition(kind=a.petition_kind, office=a.office,
                                           person=a.person, by=a.by)


@handles(PetitionSigned)
def _signed(state: CouncilState, a: PetitionSigned) -> None:
    p = state.petitions[a.petition]
    p.signatures.add(a.by)
    if p.status == "open" and _reached(state, p, len(p.signatures)):
        p.status = "reached"
        p.motion = state.next_id(state.motions)
