"""Actions and attendance: recorded by the attendee, confirmed by other members."""

from __future__ import annotations

from cast import ana, bo, cy, eve, founded, refused, replays_to_live

from sovet.core.action import (
    ActionRecorded,
    AttendanceConfirmed,
    confirm_attendance,
    record_action,
    record_attendance,
)
from sovet.core.charter import Charter
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, NotEligible, NotFound
from sovet.core.membership import apply_for


def test_attendance_counts_once_the_charters_confirmations_are_in():
    c = founded(charter=Charter(attendance_confirmations=2))
    d = c.do(record_action, title="Picket at gate 3", by=ana)
    assert d.acts == (ActionRecorded(action=1, title="Picket at gate 3", by=ana, at=c.now),)
    c.do(apply_for, person=eve)
    c.do(record_attendance, action=1, person=eve)
    d = c.do(confirm_attendance, action=1, person=eve, by=bo)
    assert d.acts == (AttendanceConfirmed(action=1, person=eve, by=bo, at=c.now),)
    assert c.state.attended.get(eve, 0) == 0
    c.do(confirm_attendance, action=1, person=eve, by=cy)
    assert c.state.attended[eve] == 1 and replays_to_live(c)


def test_attendance_refusals():
    c = founded()
    refused(c.state, record_action, NotAMember, "only members may", title="x", by=eve,
            at=c.now)
    refused(c.state, record_action, BadCommand, "needs a title", title=" ", by=ana, at=c.now)
    c.do(record_action, title="Assembly", by=ana)
    refused(c.state, record_attendance, NotFound, "no action 2", action=2, person=ana,
            at=c.now)
    refused(c.state, record_attendance, NotEligible, "members and applicants do",
            action=1, person=eve, at=c.now)
    c.do(record_attendance, action=1, person=bo)
    refused(c.state, record_attendance, AlreadyDone, "already recorded", action=1, person=bo,
            at=c.now)
    refused(c.state, confirm_attendance, NotEligible, "their own attendance", action=1,
            person=bo, by=bo, at=c.now)
    refused(c.state, confirm_attendance, NotEligible, "cy has not recorded", action=1,
            person=cy, by=bo, at=c.now)
    refused(c.state, confirm_attendance, NotAMember, "only members may", action=1, person=bo,
            by=eve, at=c.now)
    c.do(confirm_attendance, action=1, person=bo, by=ana)
    refused(c.state, confirm_attendance, AlreadyDone, "already confirmed", action=1,
            person=bo, by=ana, at=c.now)
