"""Federation: councils affiliate upward and send recallable delegates.

Both sides decide by motion: the child asks (`affiliation_request`), the parent accepts
(`affiliation`). The child elects its delegates as an office of role `delegate` and can recall
them like any office. The parent seats a delegate by reference to the hash of the child's act
that elected them (and unseats by reference to the act that ended the mandate), never by a
shared transaction. When councils exchange acts, each records the other's book head
(`HeadWitnessed`), so neither book can be rewritten or cut short unseen. A seated delegate is a
member of the parent while seated, and their votes there are always by name (guarantee 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.book import Entry
from sovet.core.council import (
    CouncilState,
    Decision,
    Membership,
    Motion,
    apply,
    decide,
    handles,
)
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, WrongState
from sovet.core.founding import require_founded
from sovet.core.motion import MotionDecided, effect

_HEX64 = re.compile(r"[0-9a-f]{64}")


@act
@dataclass(frozen=True, slots=True)
class ParentAccepted(Act):
    """The parent accepted this council: recorded by reference to the parent's act hash."""

    kind: ClassVar[str] = "federation.parent_accepted"
    parent: str
    act_hash: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class DelegateSeated(Act):
    """The parent seats a child's delegate, by reference to the child's act that elected them."""

    kind: ClassVar[str] = "federation.delegate_seated"
    child: str
    person: str
    act_hash: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class DelegateUnseated(Act):
    """The parent unseats a delegate, by reference to the child's act that ended the mandate."""

    kind: ClassVar[str] = "federation.delegate_unseated"
    child: str
    person: str
    act_hash: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class HeadWitnessed(Act):
    """We witnessed the other council's book head (its last act's seq and hash)."""

    kind: ClassVar[str] = "book.head_witnessed"
    council: str
    head_seq: int
    head: str
    by: str
    at: datetime


def _member(state: CouncilState, by: str, what: str) -> None:
    require_founded(state)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot {what}: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)


def _hash(value: str, what: str) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise BadCommand(f"{what} must be an act's SHA-256 as 64 lowercase hex digits, not "
                         f"{value!r}")


def record_parent_acceptance(
    state: CouncilState, *, parent: str, act_hash: str, by: str, at: datetime
) -> Decision:
    """Record that the parent accepted this council, citing the hash of the parent's act.

    Only after this council's own carried `affiliation_request` to that parent; the shell
    checks the hash against the parent's book. Raises `NotAMember`, `WrongState`, `BadCommand`.
    """
    _member(state, by, "record the parent's acceptance")
    if state.parent_requested != parent:
        raise WrongState(f"this council has not asked by motion to affiliate to {parent}",
                         parent=parent)
    _hash(act_hash, "the parent's act")
    return decide(state, ParentAccepted(parent=parent, act_hash=act_hash, by=by, at=at))


def seat_delegate(
    state: CouncilState, *, child: str, person: str, act_hash: str, by: str, at: datetime
) -> Decision:
    """Seat a child council's elected delegate, citing the hash of the child's election act.

    The child must be affiliated by a carried `affiliation` motion; the shell checks the hash
    against the child's book. Raises `NotAMember`, `WrongState`, `AlreadyDone`, `BadCommand`.
    """
    _member(state, by, "seat a delegate")
    if child not in state.children:
        raise WrongState(f"council {child} is not affiliated to this council", council=child)
    _hash(act_hash, "the child's election act")
    if person in state.delegates:
        raise AlreadyDone(f"{person} is already seated as a delegate", person=person)
    if state.is_member(person):
        raise WrongState(f"{person} is already a member here in their own right", person=person)
    return decide(state, DelegateSeated(child=child, person=person, act_hash=act_hash, by=by,
                                        at=at))


def seated_from(state: CouncilState, *, person: str, by: str) -> str:
    """The child council whose delegate `person` is seated here, for `by` to unseat them.

    The checks of `unseat_delegate` that need no child's book, for a shell to make before it
    reads one. Raises `NotAMember` (`by` is not a member), `WrongState` (not seated).
    """
    _member(state, by, "unseat a delegate")
    seated = state.delegates.get(person)
    if seated is None:
        raise WrongState(f"{person} is not seated here as a delegate", person=person)
    return seated[0]


def mandated(state: CouncilState) -> set[str]:
    """Who holds a delegate's mandate of this council (term over or not, until replaced,
    recalled or gone): whom its parent may seat."""
    return {p for o in state.offices.values() if o.role == "delegate" for p in o.mandates}


def mandate_ended(entries: Iterable[Entry], person: str) -> str | None:
    """The hash of the act of a child council's book that ended `person`'s last delegate's
    mandate there (a carried recall, their leaving, their expulsion), which the parent cites to
    unseat them; None while they still hold a delegate's mandate, or if they never held one.

    Replays the whole book through `apply`: the only sure way to see which act ended it.
    """
    state = CouncilState()
    holds, ended = False, None
    for entry in entries:
        apply(state, entry.act)
        now = any(person in o.mandates for o in state.offices.values() if o.role == "delegate")
        if holds and not now:
            ended = entry.hash
        holds = now
    return None if holds else ended


def unseat_delegate(
    state: CouncilState, *, child: str, person: str, act_hash: str | None, by: str, at: datetime
) -> Decision:
    """Unseat a delegate whom their council recalled, citing the hash of that council's act
    that ended the mandate (`mandate_ended`; None while that council still mandates them).

    Raises `NotAMember`, `WrongState` (not seated from that child, or still mandated by it),
    `BadCommand`.
    """
    if seated_from(state, person=person, by=by) != child:
        raise WrongState(f"{person} is not seated as a delegate of {child}", person=person)
    if act_hash is None:
        raise WrongState(f"{person} still holds the delegate's mandate of council {child}; its "
                         "members recall them there first", council=child, person=person)
    _hash(act_hash, "the child's act")
    return decide(state, DelegateUnseated(child=child, person=person, act_hash=act_hash, by=by,
                                          at=at))


def witness_head(
    state: CouncilState, *, council: str, seq: int, head: str, by: str, at: datetime
) -> Decision:
    """Record the head of the parent's or a child's book, seen when exchanging acts.

    Raises `NotAMember`, `WrongState` (not our parent or child), `BadCommand`.
    """
    _member(state, by, "witness another book's head")
    if council != state.parent and council not in state.children:
        raise WrongState(f"council {council} is neither this council's parent nor its child",
                         council=council)
    _hash(head, "a book's head")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise BadCommand(f"a head's seq is the place of its act in the book, not {seq!r}")
    return decide(state, HeadWitnessed(council=council, head_seq=seq, head=head, by=by, at=at))


@handles(ParentAccepted)
def _parent(state: CouncilState, a: ParentAccepted) -> None:
    state.parent = a.parent
    state.parent_act = a.act_hash
    state.parent_requested = None


@handles(DelegateSeated)
def _seated(state: CouncilState, a: DelegateSeated) -> None:
    state.delegates[a.person] = (a.child, a.act_hash)
    state.members[a.person] = Membership(status="member", since=a.at, via=f"delegate:{a.child}")
    state.n_members += 1


@handles(DelegateUnseated)
def _unseated(state: CouncilState, a: DelegateUnseated) -> None:
    state.delegates.pop(a.person, None)
    m = state.members.get(a.person)
    if m is not None and m.status == "member":
        m.status = "left"
        m.since = a.at
        state.n_members -= 1
        for o in state.offices.values():
            o.mandates.pop(a.person, None)


@handles(HeadWitnessed)
def _witnessed(state: CouncilState, a: HeadWitnessed) -> None:
    state.witnessed[a.council] = (a.head_seq, a.head)


@effect("affiliation")
def _affiliation(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        state.children.add(m.subject)


@effect("affiliation_request")
def _request(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        state.parent_requested = m.subject


@effect("delegate_instruction")
def _instruction(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried:
        state.instructions.append(number)
