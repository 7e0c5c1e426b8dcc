"""Actions and attendance: what the council does together, and who was there.

A member records an action; each person who attended (a member, or an applicant for whom
attendance may count toward admission) records their own attendance; other members confirm it.
Once the charter's `attendance_confirmations` confirm it, the attendance counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.council import Action, CouncilState, Decision, decide, handles
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, NotEligible, NotFound
from sovet.core.founding import require_founded
from sovet.core.membership import admission_due


@act
@dataclass(frozen=True, slots=True)
class ActionRecorded(Act):
    """A member records an action of the council (meeting, assembly, strike, picket)."""

    kind: ClassVar[str] = "action.recorded"
    action: int
    title: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class AttendanceRecorded(Act):
    """A person records that they attended an action (their own act)."""

    kind: ClassVar[str] = "attendance.recorded"
    action: int
    person: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class AttendanceConfirmed(Act):
    """Another member confirms a person's attendance."""

    kind: ClassVar[str] = "attendance.confirmed"
    action: int
    person: str
    by: str
    at: datetime


def _action(state: CouncilState, action: int) -> Action:
    a = state.actions.get(action)
    if a is None:
        raise NotFound(f"there is no action {action} in this council", action=action)
    return a


def record_action(state: CouncilState, *, title: str, by: str, at: datetime) -> Decision:
    """Record an action of the council; members only. Raises `NotAMember`, `BadCommand`."""
    require_founded(state)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot record an action: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)
    if not title.strip():
        raise BadCommand("an action needs a title saying what the council did")
    return decide(state, ActionRecorded(action=state.next_id(state.actions), title=title, by=by,
                                        at=at))


def record_attendance(state: CouncilState, *, action: int, person: str, at: datetime) -> Decision:
    """Record one's own attendance at an action; members and applicants.

    Raises `NotFound`, `NotEligible` (neither member nor applicant), `AlreadyDone`.
    """
    a = _action(state, action)
    if state.status(person) not in ("member", "applicant"):
        raise NotEligible(f"{person} cannot record attendance: members and applicants do, and "
                          f"{person} is {state.describe(person)}", person=person)
    if person in a.claims:
        raise AlreadyDone(f"{person}'s attendance at action {action} is already recorded",
                          person=person)
    d = decide(state, AttendanceRecorded(action=action, person=person, at=at))
    if person in d.state.actions[action].confirmed:  # the charter asks no confirmations
        return d.then(*admission_due(d.state, person, at))
    return d


def confirm_attendance(
    state: CouncilState, *, action: int, person: str, by: str, at: datetime
) -> Decision:
    """Confirm another person's recorded attendance; members only, never one's own, once each.

    When the charter's `attendance_confirmations` are reached the attendance counts, and under
    `attendance_then_sponsors` an applicant who has their sponsors is admitted in the same
    decision. Raises `NotFound`, `NotAMember`, `NotEligible` (own attendance, or none
    recorded), `AlreadyDone`.
    """
    a = _action(state, action)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot confirm attendance: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)
    if by == person:
        raise NotEligible(f"{by} cannot confirm their own attendance; other members confirm it",
                          person=by)
    if person not in a.claims:
        raise NotEligible(f"{person} has not recorded attendance at action {action}",
                          person=person)
    if by in a.claims[person]:
        raise AlreadyDone(f"{by} has already confirmed {person}'s attendance at action {action}",
                          person=by)
    d = decide(state, AttendanceConfirmed(action=action, person=person, by=by, at=at))
    if person in d.state.actions[action].confirmed and person not in a.confirmed:
        return d.then(*admission_due(d.state, person, at))
    return d


@handles(ActionRecorded)
def _recorded(state: CouncilState, a: ActionRecorded) -> None:
    state.actions[a.action] = Action(title=a.title, by=a.by, at=a.at)


@handles(AttendanceRecorded)
def _attendance(state: CouncilState, a: AttendanceRecorded) -> None:
    action = state.actions[a.action]
    action.claims[a.person] = set()
    if state.charter.attendance_confirmations == 0:
        action.confirmed.add(a.person)
        state.attended[a.person] = state.attended.get(a.person, 0) + 1


@handles(AttendanceConfirmed)
def _confirmed(state: CouncilState, a: AttendanceConfirmed) -> None:
    action = state.actions[a.action]
    confirmers = action.claims[a.person]
    confirmers.add(a.by)
    if a.person not in action.confirmed and len(confirmers) >= (
        state.charter.attendance_confirmations
    ):
        action.confirmed.add(a.person)
        state.attended[a.person] = state.attended.get(a.person, 0) + 1
