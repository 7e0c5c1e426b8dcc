"""Parties: tendencies of members with a platform; legal or outlawed only by the members' vote.

A member founds a party (status `proposed`) and other members join it. A carried
party-legalization motion makes it `legal`; a carried party-outlawing motion makes it
`outlawed` (guarantee 4: no officer can do either). Only legal parties stand slates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.council import CouncilState, Decision, Motion, Party, decide, handles
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, WrongState
from sovet.core.founding import require_founded
from sovet.core.motion import MotionDecided, effect


@act
@dataclass(frozen=True, slots=True)
class PartyFounded(Act):
    """A member founds a party with a name and a platform, as its first member."""

    kind: ClassVar[str] = "party.founded"
    party: int
    name: str
    platform: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class PartyJoined(Act):
    """A member joins a party (their own act)."""

    kind: ClassVar[str] = "party.joined"
    party: int
    person: str
    at: datetime


def found_party(state: CouncilState, *, name: str, platform: str, by: str,
                at: datetime) -> Decision:
    """Found a party with a platform; members only. It is `proposed` until a vote legalizes it.

    Raises `NotAMember`, `BadCommand` (empty name or platform, or a name already taken).
    """
    require_founded(state)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot found a party: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)
    if not name.strip() or not platform.strip():
        raise BadCommand("a party needs a name and a platform")
    if any(p.name == name for p in state.parties.values()):
        raise BadCommand(f"a party named {name!r} already exists", name=name)
    return decide(state, PartyFounded(party=state.next_id(state.parties), name=name,
                                      platform=platform, by=by, at=at))


def join_party(state: CouncilState, *, party: int, person: str, at: datetime) -> Decision:
    """Join a party; members only, once. Raises `NotFound`, `NotAMember`, `AlreadyDone`,
    `WrongState` (an outlawed party)."""
    p = state.party(party)
    if not state.is_member(person):
        raise NotAMember(f"{person} cannot join a party: only members may, and {person} is "
                         f"{state.describe(person)}", person=person)
    if person in p.members:
        raise AlreadyDone(f"{person} is already in party {p.name}", person=person)
    if p.status == "outlawed":
        raise WrongState(f"party {p.name} is outlawed by the members' vote", party=party)
    return decide(state, PartyJoined(party=party, person=person, at=at))


@handles(PartyFounded)
def _founded(state: CouncilState, a: PartyFounded) -> None:
    state.parties[a.party] = Party(name=a.name, platform=a.platform, members={a.by})


@handles(PartyJoined)
def _joined(state: CouncilState, a: PartyJoined) -> None:
    state.parties[a.party].members.add(a.person)


@effect("party_legalization")
def _legalized(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried and m.ref in state.parties:
        state.parties[m.ref].status = "legal"


@effect("party_outlawing")
def _outlawed(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried and m.ref in state.parties:
        state.parties[m.ref].status = "outlawed"
