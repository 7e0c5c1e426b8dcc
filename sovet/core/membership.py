"""Membership by participation: apply with declarations, be admitted as the charter says, leave.

The charter's `admission` procedure:

- `sponsors_then_vote`: once `sponsors` members sponsor an applicant, an admission motion is
  put to the vote at once (moved by the last sponsor).
- `sponsors_then_objection_period`: once sponsored, the applicant is admitted when
  `objection_days` pass with no objection; an objection puts the admission to the vote.
- `attendance_then_sponsors`: the applicant is admitted once they have attended
  `attendance_count` confirmed actions and have their sponsors.

Under every procedure, an applicant holding a declared position of a barred kind (not
renounced) is admitted only by a vote with the charter's `qualified_majority`. Expulsion is by
motion; a failed admission vote refuses the applicant. Leaving is the person's own act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sovet.core.acts import Act, act
from sovet.core.council import CouncilState, Decision, Membership, Motion, decide, handles
from sovet.core.declaration import declaration_acts
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, WrongState
from sovet.core.founding import require_founded
from sovet.core.motion import MotionDecided, effect, holds_barred, moved_and_opened
from sovet.core.office import end_mandates


@act
@dataclass(frozen=True, slots=True)
class MemberApplied(Act):
    """A person applies for membership (their own act)."""

    kind: ClassVar[str] = "member.applied"
    person: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class ApplicantSponsored(Act):
    """A member sponsors an applicant."""

    kind: ClassVar[str] = "member.sponsored"
    person: str
    by: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class ApplicantObjected(Act):
    """A member objects to an applicant during the objection period."""

    kind: ClassVar[str] = "member.objected"
    person: str
    by: str
    reason: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class MemberAdmitted(Act):
    """An applicant becomes a member under the charter's procedure without a vote
    (`via`: objection_period or attendance). Admissions by vote are `MotionDecided`."""

    kind: ClassVar[str] = "member.admitted"
    person: str
    via: str
    at: datetime


@act
@dataclass(frozen=True, slots=True)
class MemberLeft(Act):
    """A member or applicant leaves the council (their own act)."""

    kind: ClassVar[str] = "member.left"
    person: str
    at: datetime



def apply_for(
    state: CouncilState,
    *,
    person: str,
    at: datetime,
    declarations: tuple[tuple[str, str, str, str], ...] = (),
) -> Decision:
    """Apply for membership, declaring any positions held: `(kind, where, since, text)`.

    Anyone may apply who is not already a member or an applicant (composition by
    participation: no eligibility rule is hard-coded). Raises `WrongState`, `BadCommand`,
    `UnknownKind` (a declaration's kind).
    """
    require_founded(state)
    if not person.strip():
        raise BadCommand("an application needs the person's id")
    if state.status(person) in ("member", "applicant"):
        raise WrongState(f"{person} cannot apply: {person} is already {state.describe(person)}",
                         person=person)
    d = decide(state, MemberApplied(person=person, at=at),
               *declaration_acts(state, person, declarations, at))
    # A charter that asks no sponsors moves on at once; the application itself is then the
    # admission motion's moving, so the applicant is its mover.
    return d.then(*_next_step(d.state, person, person, at))


def sponsor(state: CouncilState, *, applicant: str, by: str, at: datetime) -> Decision:
    """Sponsor an applicant; members only, once each (charter `sponsors`).

    With the last sponsor needed, the charter's procedure moves on in the same decision: an
    admission vote opens (`sponsors_then_vote`, or any applicant holding a barred position),
    the objection period starts, or the applicant is admitted if their attendance is already
    confirmed (`attendance_then_sponsors`). Raises `NotAMember`, `WrongState`, `AlreadyDone`.
    """
    require_founded(state)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot sponsor {applicant}: only members may sponsor, and {by} "
                         f"is {state.describe(by)}", person=by)
    m = state.members.get(applicant)
    if m is None or m.status != "applicant":
        raise WrongState(f"{applicant} cannot be sponsored: only applicants are, and "
                         f"{applicant} is {state.describe(applicant)}", person=applicant)
    if by in m.sponsors:
        raise AlreadyDone(f"{by} already sponsors {applicant}", person=by)
    if m.motion is not None:
        raise WrongState(f"{applicant}'s admission is already before the members "
                         f"(motion {m.motion})", person=applicant)
    act_: Act = ApplicantSponsored(person=applicant, by=by, at=at)
    d = decide(state, act_)
    return d.then(*_next_step(d.state, applicant, by, at))


def _next_step(state: CouncilState, person: str, by: str, at: datetime) -> list[Act]:
    """What the charter's procedure does now for an applicant (state after the last act)."""
    m = state.members[person]
    c = state.charter
    if m.status != "applicant" or m.motion is not None or len(m.sponsors) < c.sponsors:
        return []
    if c.admission == "sponsors_then_vote" or holds_barred(state, person):
        return list(moved_and_opened(state, kind="admission", by=by, subject=person, ref=0,
                                     text=f"Admit {person}", at=at))
    if c.admission == "attendance_then_sponsors" and state.attended.get(person, 0) >= (
        c.attendance_count
    ):
        return [MemberAdmitted(person=person, via="attendance", at=at)]
    return []


def object_to(
    state: CouncilState, *, applicant: str, by: str, reason: str, at: datetime
) -> Decision:
    """Object to a sponsored applicant during the objection period: their admission goes to a
    vote at once (charter `sponsors_then_objection_period`, `objection_days`).

    Raises `NotAMember`, `WrongState` (another procedure, not sponsored yet, period over, or a
    vote already open), `BadCommand` (no reason given).
    """
    require_founded(state)
    if not state.is_member(by):
        raise NotAMember(f"{by} cannot object to {applicant}: only members may, and {by} is "
                         f"{state.describe(by)}", person=by)
    c = state.charter
    if c.admission != "sponsors_then_objection_period":
        raise WrongState(f"the charter admits by {c.admission}, which has no objection period",
                         procedure=c.admission)
    m = state.members.get(applicant)
    if m is None or m.status != "applicant" or m.sponsored_at is None:
        raise WrongState(f"{applicant} is not a sponsored applicant in an objection period",
                         person=applicant)
    if m.motion is not None:
        raise WrongState(f"{applicant}'s admission is already put to the vote "
                         f"(motion {m.motion})", person=applicant)
    if at >= m.sponsored_at + timedelta(days=c.objection_days):
        raise WrongState(f"the objection period for {applicant} ended "
                         f"{c.objection_days} days after their sponsors were complete",
                         person=applicant)
    if not reason.strip():
        raise BadCommand("an objection gives its reason, for the members to weigh")
    objected = ApplicantObjected(person=applicant, by=by, reason=reason, at=at)
    d = decide(state, objected)
    return d.then(*moved_and_opened(d.state, kind="admission", by=by, subject=applicant, ref=0,
                                    text=f"Admit {applicant} (objected to)", at=at))


def admit_unopposed(state: CouncilState, *, applicant: str, at: datetime) -> Decision:
    """Admit a sponsored applicant once the objection period has passed with no objection.

    Charter `sponsors_then_objection_period` and `objection_days`. Raises `WrongState` when the
    procedure differs, the applicant is not sponsored, the period is not over, or an objection
    put the admission to the vote.
    """
    require_founded(state)
    c = state.charter
    m = state.members.get(applicant)
    if c.admission != "sponsors_then_objection_period":
        raise WrongState(f"the charter admits by {c.admission}, not by an objection period",
                         procedure=c.admission)
    if m is None or m.status != "applicant" or m.sponsored_at is None:
        raise WrongState(f"{applicant} is not a sponsored applicant", person=applicant)
    if m.motion is not None:
        raise WrongState(f"{applicant}'s admission is put to the vote (motion {m.motion})",
                         person=applicant)
    ends = _objection_ends(state, m.sponsored_at)
    if at < ends:
        raise WrongState(f"{applicant}'s objection period runs until {ends.isoformat()}",
                         person=applicant)
    return decide(state, MemberAdmitted(person=applicant, via="objection_period", at=at))


def _objection_ends(state: CouncilState, sponsored_at: datetime) -> datetime:
    return sponsored_at + timedelta(days=state.charter.objection_days)


def unopposed_due(state: CouncilState, now: datetime) -> list[str]:
    """The applicants `admit_unopposed` would admit at `now`: sponsored, no objection put their
    admission to the vote, and the charter's objection period (`objection_days`) is over."""
    if state.charter.admission != "sponsors_then_objection_period":
        return []
    return sorted(
        p for p, m in state.members.items()
        if m.status == "applicant" and m.motion is None and m.sponsored_at is not None
        and _objection_ends(state, m.sponsored_at) <= now
    )


def leave(state: CouncilState, *, person: str, at: datetime) -> Decision:
    """Leave the council (or withdraw an application): the person's own act.

    A member who leaves gives up their mandates and party memberships. Raises `WrongState` for
    someone who is neither a member nor an applicant.
    """
    if state.status(person) not in ("member", "applicant"):
        raise WrongState(f"{person} cannot leave: {person} is {state.describe(person)}",
                         person=person)
    return decide(state, MemberLeft(person=person, at=at))


def _set_status(state: CouncilState, person: str, status: str, at: datetime, via: str) -> None:
    m = state.members.get(person)
    was_member = m is not None and m.status == "member"
    if m is None:
        m = state.members[person] = Membership(status=status, since=at)
    m.status = status
    m.since = at
    if status == "member":
        m.via = via
    if status != "applicant":
        m.motion = None
    if was_member and status != "member":
        state.n_members -= 1
        end_mandates(state, person)
        state.delegates.pop(person, None)
        for party in state.parties.values():
            party.members.discard(person)
    elif status == "member" and not was_member:
        state.n_members += 1


@handles(MemberApplied)
def _applied(state: CouncilState, a: MemberApplied) -> None:
    # A new application starts afresh: no sponsors or objections carried over.
    state.members[a.person] = Membership(
        status="applicant", since=a.at, sponsored_at=a.at if state.charter.sponsors == 0 else None
    )


@handles(ApplicantSponsored)
def _sponsored(state: CouncilState, a: ApplicantSponsored) -> None:
    m = state.members[a.person]
    m.sponsors.add(a.by)
    if m.sponsored_at is None and len(m.sponsors) >= state.charter.sponsors:
        m.sponsored_at = a.at


@handles(ApplicantObjected)
def _objected(state: CouncilState, a: ApplicantObjected) -> None:
    state.members[a.person].objections.add(a.by)


@handles(MemberAdmitted)
def _admitted(state: CouncilState, a: MemberAdmitted) -> None:
    _set_status(state, a.person, "member", a.at, a.via)


@handles(MemberLeft)
def _left(state: CouncilState, a: MemberLeft) -> None:
    _set_status(state, a.person, "left", a.at, "")


@effect("admission")
def _admission(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if state.status(m.subject) != "applicant":
        return  # they left (or were expelled) while the vote was open
    _set_status(state, m.subject, "member" if a.carried else "refused", a.at, "vote")


@effect("expulsion")
def _expulsion(state: CouncilState, number: int, m: Motion, a: MotionDecided) -> None:
    if a.carried and state.status(m.subject) in ("member", "applicant"):
        _set_status(state, m.subject, "expelled", a.at, "")


def admission_due(state: CouncilState, person: str, at: datetime) -> list[Act]:
    """The act that admits an applicant whose attendance just became enough, if any
    (charter `attendance_then_sponsors`); used by `action.confirm_attendance`."""
    m = state.members.get(person)
    if m is None or m.status != "applicant":
        return []
    return _next_step(state, person, min(m.sponsors, default=person), at)
