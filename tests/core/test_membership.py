"""Membership by participation: apply, admission under each charter procedure, leave, expel."""

from __future__ import annotations

from cast import DAY, ana, bo, cy, dan, eve, fay, founded, refused, replays_to_live

from sovet.core.action import confirm_attendance, record_action, record_attendance
from sovet.core.ballot import BallotOpened
from sovet.core.charter import Charter
from sovet.core.declaration import DeclarationMade, PositionRenounced, declare, renounce
from sovet.core.errors import (
    AlreadyDone,
    BadCommand,
    NotAMember,
    NotEligible,
    UnknownKind,
    WrongState,
)
from sovet.core.membership import (
    ApplicantSponsored,
    MemberAdmitted,
    MemberApplied,
    MemberLeft,
    admit_unopposed,
    apply_for,
    leave,
    object_to,
    sponsor,
)
from sovet.core.motion import MotionMoved

FOREMAN = ("hires_and_fires", "Press line", "2019", "Foreman")
SHIFT_MANAGER = ("manages", "Shift B", "2021", "Shift manager")


def test_anyone_applies_with_declarations_which_are_recorded():
    c = founded()
    d = c.do(apply_for, person=eve, declarations=(FOREMAN,))
    assert [type(a) for a in d.acts] == [MemberApplied, DeclarationMade]
    assert c.state.status(eve) == "applicant"
    assert c.state.declarations[1].kind == "hires_and_fires"


def test_sponsors_then_vote_opens_the_admission_vote_with_the_last_sponsor():
    c = founded()
    c.do(apply_for, person=eve)
    d = c.do(sponsor, applicant=eve, by=ana)
    assert d.acts == (ApplicantSponsored(person=eve, by=ana, at=c.now),)
    d = c.do(sponsor, applicant=eve, by=bo)
    assert [type(a) for a in d.acts] == [ApplicantSponsored, MotionMoved, BallotOpened]
    motion = c.last_motion()
    assert c.state.motions[motion].kind == "admission" and c.state.motions[motion].secret
    c.vote_all(motion, {ana, bo, cy})
    assert c.state.is_member(eve) and c.state.members[eve].via == "vote"
    assert replays_to_live(c)


def test_a_lost_admission_vote_refuses_the_applicant():
    c = founded()
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    c.vote_all(c.last_motion(), {ana})
    assert c.state.status(eve) == "refused"


def test_a_barred_declaration_needs_the_qualified_majority():
    c = founded(ana, bo, cy, dan)
    c.do(apply_for, person=eve, declarations=(FOREMAN,))
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    motion = c.state.motions[c.last_motion()]
    assert motion.threshold == (2, 3)
    c.vote_all(c.last_motion(), {ana, bo})  # 2 of 4: a majority of the yes/no would not do
    assert c.state.status(eve) == "refused"


def test_the_qualified_majority_admits_a_barred_applicant():
    c = founded(ana, bo, cy, dan)
    c.do(apply_for, person=eve, declarations=(FOREMAN,))
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    c.vote_all(c.last_motion(), {ana, bo, cy})
    assert c.state.is_member(eve)


def test_one_who_renounces_a_barred_position_is_admitted_as_an_ordinary_participant():
    c = founded(charter=Charter(barred=("manages",)))
    c.do(apply_for, person=fay, declarations=(SHIFT_MANAGER,))
    d = c.do(renounce, person=fay, declaration=1)
    assert d.acts == (PositionRenounced(declaration=1, person=fay, at=c.now),)
    c.do(sponsor, applicant=fay, by=ana)
    c.do(sponsor, applicant=fay, by=bo)
    assert c.state.motions[c.last_motion()].threshold == (1, 2)
    c.vote_all(c.last_motion(), {ana, bo})
    assert c.state.is_member(fay)


def test_under_an_objection_period_an_unopposed_applicant_is_admitted_when_it_ends():
    c = founded(charter=Charter(admission="sponsors_then_objection_period", objection_days=3))
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    refused(c.state, admit_unopposed, WrongState, "objection period runs until",
            applicant=eve, at=c.now + 2 * DAY)
    d = c.do(admit_unopposed, applicant=eve, at=c.now + 3 * DAY)
    assert d.acts == (MemberAdmitted(person=eve, via="objection_period", at=c.now),)
    assert c.state.is_member(eve) and replays_to_live(c)


def test_an_objection_puts_the_admission_to_the_vote():
    c = founded(charter=Charter(admission="sponsors_then_objection_period"))
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    c.do(object_to, applicant=eve, by=cy, reason="Crossed the picket")
    assert c.state.motions[c.last_motion()].kind == "admission"
    refused(c.state, admit_unopposed, WrongState, "put to the vote", applicant=eve,
            at=c.now + 30 * DAY)
    c.vote_all(c.last_motion(), {ana, bo})
    assert c.state.is_member(eve)


def test_attendance_then_sponsors_admits_once_both_are_met():
    c = founded(charter=Charter(admission="attendance_then_sponsors", attendance_count=1,
                                attendance_confirmations=2))
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    assert c.state.status(eve) == "applicant"
    c.do(record_action, title="Picket", by=ana)
    c.do(record_attendance, action=1, person=eve)
    c.do(confirm_attendance, action=1, person=eve, by=ana)
    assert c.state.status(eve) == "applicant"  # one confirmation of the two the charter asks
    d = c.do(confirm_attendance, action=1, person=eve, by=cy)
    assert isinstance(d.acts[-1], MemberAdmitted) and d.acts[-1].via == "attendance"
    assert c.state.is_member(eve) and replays_to_live(c)


def test_a_member_leaves_by_their_own_act():
    c = founded()
    d = c.do(leave, person=cy)
    assert d.acts == (MemberLeft(person=cy, at=c.now),)
    assert c.state.status(cy) == "left" and c.state.n_members == 2


def test_members_can_move_to_expel_anyone():
    c = founded(ana, bo, cy, dan)
    c.do(apply_for, person=eve)
    c.carry(kind="expulsion", by=ana, subject=eve, yes={ana, bo, cy})
    assert c.state.status(eve) == "expelled"
    c.carry(kind="expulsion", by=ana, subject=dan, yes={ana, bo, cy})
    assert c.state.status(dan) == "expelled" and c.state.n_members == 3


def test_invalid_membership_commands_are_refused_and_write_nothing():
    c = founded()
    c.do(apply_for, person=eve)
    s = c.state
    refused(s, apply_for, WrongState, "eve is already an applicant", person=eve, at=c.now)
    refused(s, apply_for, WrongState, "ana is already a member", person=ana, at=c.now)
    refused(s, sponsor, NotAMember, "only members may sponsor, and fay is not a member",
            applicant=eve, by=fay, at=c.now)
    refused(s, sponsor, NotAMember, "eve is an applicant", applicant=eve, by=eve, at=c.now)
    refused(s, sponsor, WrongState, "only applicants are, and bo is a member",
            applicant=bo, by=ana, at=c.now)
    c.do(sponsor, applicant=eve, by=ana)
    refused(c.state, sponsor, AlreadyDone, "ana already sponsors eve", applicant=eve, by=ana,
            at=c.now)
    refused(c.state, object_to, WrongState, "has no objection period", applicant=eve, by=bo,
            reason="x", at=c.now)
    refused(c.state, leave, WrongState, "fay cannot leave", person=fay, at=c.now)
    refused(c.state, apply_for, UnknownKind, "declaration kind 'rules'", person=fay,
            declarations=(("rules", "x", "y", "z"),), at=c.now)
    refused(c.state, apply_for, BadCommand, "must say where", person=fay,
            declarations=(("owns", " ", "y", "z"),), at=c.now)


def test_declarations_are_made_and_renounced_only_by_their_holder():
    c = founded()
    c.do(declare, person=bo, kind="owns", where="Two flats on Elm St", since="2015", text="")
    refused(c.state, renounce, NotEligible, "it is bo's", person=ana, declaration=1, at=c.now)
    refused(c.state, declare, NotEligible, "fay is not a member", person=fay, kind="owns",
            where="x", since="", text="", at=c.now)
    c.do(renounce, person=bo, declaration=1)
    refused(c.state, renounce, WrongState, "already renounced", person=bo, declaration=1,
            at=c.now)


def test_only_members_object_and_only_with_a_reason_within_the_period():
    c = founded(charter=Charter(admission="sponsors_then_objection_period", objection_days=2))
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    refused(c.state, object_to, NotAMember, "only members may", applicant=eve, by=dan,
            reason="x", at=c.now)
    refused(c.state, object_to, BadCommand, "gives its reason", applicant=eve, by=cy,
            reason=" ", at=c.now)
    refused(c.state, object_to, WrongState, "objection period for eve ended", applicant=eve,
            by=cy, reason="late", at=c.now + 2 * DAY)


def test_an_applicant_leaving_while_their_vote_is_open_stays_gone():
    c = founded()
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    motion = c.last_motion()
    c.do(leave, person=eve)
    c.vote_all(motion, {ana, bo, cy})
    assert c.state.status(eve) == "left"


def test_a_charter_asking_no_sponsors_puts_the_application_to_the_vote_at_once():
    c = founded(charter=Charter(sponsors=0))
    d = c.do(apply_for, person=eve)
    assert [type(a) for a in d.acts] == [MemberApplied, MotionMoved, BallotOpened]
    c.vote_all(c.last_motion(), {ana, bo})
    assert c.state.is_member(eve)


def test_no_sponsors_and_an_objection_period_admit_when_the_period_ends():
    c = founded(charter=Charter(sponsors=0, admission="sponsors_then_objection_period",
                                objection_days=1))
    c.do(apply_for, person=eve)
    c.do(admit_unopposed, applicant=eve, at=c.now + DAY)
    assert c.state.is_member(eve) and replays_to_live(c)


def test_unopposed_due_names_exactly_the_applicants_admit_unopposed_would_admit():
    from sovet.core.membership import unopposed_due

    c = founded(charter=Charter(admission="sponsors_then_objection_period", objection_days=3))
    c.do(apply_for, person=eve)
    c.do(sponsor, applicant=eve, by=ana)
    c.do(sponsor, applicant=eve, by=bo)
    assert unopposed_due(c.state, c.now + 2 * DAY) == []
    assert unopposed_due(c.state, c.now + 3 * DAY) == [eve]
    c.do(admit_unopposed, applicant=eve, at=c.now + 3 * DAY)
    assert unopposed_due(c.state, c.now + 3 * DAY) == []
