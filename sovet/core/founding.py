"""Founding: a founding group proposes a council and its first charter; each founder confirms.

The book of a council starts with `FoundingProposed`; when the last founder confirms, the same
decision writes `CouncilFounded` and the founders become its first members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision, Membership, decide, handles
from sovet.core.errors import AlreadyDone, BadCommand, NotEligible, WrongState


@act
@dataclass(frozen=True, slots=True)
class FoundingProposed(Act):
    """A founding group proposes a council with its first charter."""

    kind: ClassVar[str] = "council.founding_proposed"
    council: str
    name: str
    founders: tuple[str, ...]
    charter: tuple[tuple[str | int, ...], ...]
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class FoundingConfirmed(Act):
    """One founder confirms the founding and adopts the first charter."""

    kind: ClassVar[str] = "council.founding_confirmed"
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class CouncilFounded(Act):
    """Every founder has confirmed: the council exists, its founders are its members."""

    kind: ClassVar[str] = "council.founded"
    at: datetime


def propose_founding(
    state: CouncilState,
    *,
    council: str,
    name: str,
    founders: tuple[str, ...],
    by: str,
    at: datetime,
    charter: Charter | None = None,
) -> Decision:
    """Propose a new council, its name and first charter, with a founding group.

    The proposer must be one of the founders and confirms at once; the group must number at
    least the charter's `min_founders` (default 3), each founder named once. Raises
    `WrongState` if this book already holds a council, `BadCommand` for an empty id or name,
    too few or repeated founders, and `BadCharter` for an invalid charter.
    """
    if state.council:
        raise WrongState(f"this book already holds council {state.council!r}; a book founds "
                         f"one council", council=state.council)
    chosen = (Charter() if charter is None else charter).validate()
    if not council.strip() or not name.strip():
        raise BadCommand("a council needs an id and a name; give both", council=council)
    if len(set(founders)) != len(founders):
        raise BadCommand("each founder is named once in a founding group", founders=founders)
    if len(founders) < chosen.min_founders:
        raise BadCommand(
            f"a council is founded by at least {chosen.min_founders} people (the charter's "
            f"min_founders), and this founding group has {len(founders)}",
            founders=founders,
        )
    if by not in founders:
        raise NotEligible(f"{by} cannot propose this founding: only a founder may, and {by} is "
                          f"not in the founding group", person=by)
    return decide(
        state,
        FoundingProposed(council=council, name=name, founders=tuple(founders),
                         charter=chosen.to_entries(), by=by, at=at),
        *_confirmation(state, founders, {by}, by, at),
    )


def _confirmation(
    state: CouncilState, founders: tuple[str, ...], confirmed: set[str], by: str, at: datetime
) -> list[Act]:
    acts: list[Act] = [FoundingConfirmed(by=by, at=at)]
    if set(founders) <= confirmed | {by}:
        acts.append(CouncilFounded(at=at))
    return acts


def confirm_founding(state: CouncilState, *, by: str, at: datetime) -> Decision:
    """Confirm the founding as one of the founding group, adopting the first charter.

    When the last founder confirms, the council is founded in the same decision. Raises
    `WrongState` if nothing is proposed or the council is already founded, `NotEligible` for
    someone outside the founding group, `AlreadyDone` for a second confirmation.
    """
    if not state.council:
        raise WrongState("there is no founding to confirm; propose one first")
    if state.founded:
        raise WrongState(f"council {state.council} is already founded")
    if by not in state.founders:
        raise NotEligible(f"{by} cannot confirm the founding of {state.council}: only the "
                          f"founding group confirms, and {by} is not in it", person=by)
    if by in state.confirmed:
        raise AlreadyDone(f"{by} has already confirmed the founding of {state.council}",
                          person=by)
    return decide(state, *_confirmation(state, state.founders, state.confirmed, by, at))


@handles(FoundingProposed)
def _proposed(state: CouncilState, a: FoundingProposed) -> None:
    state.council = a.council
    state.name = a.name
    state.founders = a.founders
    state.charter = Charter.from_entries(a.charter)


@handles(FoundingConfirmed)
def _confirmed(state: CouncilState, a: FoundingConfirmed) -> None:
    if state.founded:
        # Copies of a founded council share its set (`CouncilState.copy`): replace it.
        state.confirmed = state.confirmed | {a.by}
    else:
        state.confirmed.add(a.by)


@handles(CouncilFounded)
def _founded(state: CouncilState, a: CouncilFounded) -> None:
    state.founded = True
    state.founded_at = a.at
    for person in state.founders:
        state.members[person] = Membership(status="member", since=a.at, via="founding")
    state.n_members = sum(1 for m in state.members.values() if m.status == "member")


def require_founded(state: CouncilState) -> None:
    """Refuse any council business before the founding is complete (raises `WrongState`)."""
    if not state.founded:
        raise WrongState("the council is not founded yet: every founder must confirm first")
