"""Declarations: the positions of command or privilege a person holds outside the council.

Every applicant and member declares them (kind, where, since, text); they are public to the
members. The charter may bar some kinds: their holders need the charter's qualified majority,
or renounce the position (recorded) and come in as ordinary participants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.charter import DECLARATION_KINDS
from sovet.core.council import CouncilState, Decision, Declaration, decide, handles
from sovet.core.errors import BadCommand, NotEligible, NotFound, UnknownKind, WrongState


@act
@dataclass(frozen=True, slots=True)
class DeclarationMade(Act):
    """A person declares a position they hold (their own act)."""

    kind: ClassVar[str] = "declaration.made"
    declaration: int
    person: str
    position: str
    where: str
    since: str
    text: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class PositionRenounced(Act):
    """A person renounces a declared position (their own act)."""

    kind: ClassVar[str] = "declaration.renounced"
    declaration: int
    person: str
    at: datetime


def declaration_acts(
    state: CouncilState,
    person: str,
    declarations: tuple[tuple[str, str, str, str], ...],
    at: datetime,
) -> list[Act]:
    """The acts for a person's declarations `(kind, where, since, text)`, numbered in order.

    Raises `UnknownKind` for a kind not in `DECLARATION_KINDS`, `BadCommand` for a malformed or
    empty one.
    """
    acts: list[Act] = []
    first = state.next_id(state.declarations)
    for i, d in enumerate(declarations):
        if not isinstance(d, tuple) or len(d) != 4 or not all(isinstance(x, str) for x in d):
            raise BadCommand(f"a declaration is (kind, where, since, text), not {d!r}")
        kind, where, since, text = d
        if kind not in DECLARATION_KINDS:
            raise UnknownKind(f"declaration kind {kind!r} is unknown; declare one of "
                              f"{', '.join(DECLARATION_KINDS)}", kind=kind)
        if not where.strip():
            raise BadCommand(f"{person}'s declaration of {kind} must say where the position is")
        acts.append(DeclarationMade(declaration=first + i, person=person, position=kind,
                                    where=where, since=since, text=text, at=at))
    return acts


def declare(
    state: CouncilState, *, person: str, kind: str, where: str, since: str, text: str,
    at: datetime,
) -> Decision:
    """Declare a position of command or privilege one holds; applicants and members only.

    Raises `NotEligible` for anyone else, `UnknownKind` for an unknown kind, `BadCommand` for an
    empty `where`.
    """
    if state.status(person) not in ("applicant", "member"):
        raise NotEligible(f"{person} cannot declare here: applicants and members declare, and "
                          f"{person} is {state.describe(person)}", person=person)
    return decide(state, *declaration_acts(state, person, ((kind, where, since, text),), at))


def renounce(state: CouncilState, *, person: str, declaration: int, at: datetime) -> Decision:
    """Renounce a position one declared: it no longer bars admission by the ordinary rule.

    Renouncing does not change a ballot already open (its threshold was fixed when it opened).
    Raises `NotFound`, `NotEligible` (someone else's declaration), `WrongState` (renounced).
    """
    d = state.declarations.get(declaration)
    if d is None:
        raise NotFound(f"there is no declaration {declaration}", declaration=declaration)
    if d.person != person:
        raise NotEligible(f"{person} cannot renounce declaration {declaration}: it is "
                          f"{d.person}'s, and each person renounces only their own",
                          person=person)
    if d.renounced:
        raise WrongState(f"declaration {declaration} is already renounced",
                         declaration=declaration)
    return decide(state, PositionRenounced(declaration=declaration, person=person, at=at))


@handles(DeclarationMade)
def _made(state: CouncilState, a: DeclarationMade) -> None:
    state.declarations[a.declaration] = Declaration(
        person=a.person, kind=a.position, where=a.where, since=a.since, text=a.text
    )


@handles(PositionRenounced)
def _renounced(state: CouncilState, a: PositionRenounced) -> None:
    state.declarations[a.declaration].renounced = True
