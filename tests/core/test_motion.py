"""Motions: move, second, vote, close; one outcome function; every refusal writes nothing."""

from __future__ import annotations

from fractions import Fraction

from cast import DAY, WEEK, ana, bo, cy, dan, eve, founded, refused, replays_to_live
from hypothesis import given
from hypothesis import strategies as st

from sovet.core.ballot import BallotOpened, VoteCast, outcome, vote
from sovet.core.charter import Charter
from sovet.core.errors import (
    AlreadySeconded,
    AlreadyVoted,
    BadCharter,
    BadChoice,
    BadCommand,
    BallotNotOpen,
    NoSuchMotion,
    NotAMember,
    NotFound,
    OwnMotion,
    UnknownKind,
    WrongState,
)
from sovet.core.membership import apply_for
from sovet.core.motion import MotionDecided, MotionMoved, MotionSeconded, close, move, second


def test_an_applicant_cannot_second_a_motion():
    c = founded(ana, bo, dan)
    for _ in range(11):
        c.do(move, kind="resolution", by=ana, text="filler")
    c.do(move, kind="resolution", by=ana, text="Strike on Monday")
    c.do(apply_for, person=cy)
    err = refused(c.state, second, NotAMember,
                  r"cy cannot second motion 12: only members may second, and cy is an "
                  r"applicant\.", motion=12, by=cy, at=c.now)
    assert err.code == "not_a_member"


def test_a_seconded_motion_opens_its_ballot_with_the_charters_window_and_rules():
    c = founded()
    d = c.do(move, kind="resolution", by=ana, text="Strike on Monday")
    assert d.acts == (MotionMoved(motion=1, motion_kind="resolution", by=ana,
                                  text="Strike on Monday", subject="", ref=0, seats=0, method="",
                                  role="", charter=(), at=c.now),)
    d = c.do(second, motion=1, by=bo)
    assert d.acts == (MotionSeconded(motion=1, by=bo, at=c.now),
                      BallotOpened(motion=1, secret=False, closes=c.now + WEEK, quorum_num=1,
                                   quorum_den=3, threshold_num=1, threshold_den=2, at=c.now))


def test_seconding_rules_own_motion_once_each_members_only():
    c = founded(charter=Charter(seconders=2))
    c.do(move, kind="resolution", by=ana, text="x")
    refused(c.state, second, OwnMotion, "a mover does not second their own motion",
            motion=1, by=ana, at=c.now)
    c.do(second, motion=1, by=bo)
    assert c.state.motions[1].status == "moved"
    refused(c.state, second, AlreadySeconded, "bo has already seconded motion 1", motion=1,
            by=bo, at=c.now)
    refused(c.state, second, NotAMember, "eve is not a member", motion=1, by=eve, at=c.now)
    refused(c.state, second, NoSuchMotion, "no motion 9", motion=9, by=bo, at=c.now)
    c.do(second, motion=1, by=cy)
    assert c.state.motions[1].status == "open"
    refused(c.state, second, WrongState, "not waiting for seconders", motion=1, by=cy,
            at=c.now)


def test_open_votes_are_acts_and_the_close_decides_by_the_outcome_function():
    c = founded()
    c.do(move, kind="resolution", by=ana, text="x")
    c.do(second, motion=1, by=bo)
    d = c.do(vote, motion=1, by=ana, choice="yes")
    assert d.acts == (VoteCast(motion=1, by=ana, choice="yes", at=c.now),)
    c.do(vote, motion=1, by=bo, choice="no")
    c.do(vote, motion=1, by=cy, choice="yes")
    d = c.do(close, motion=1, at=c.now + WEEK)
    assert d.acts == (MotionDecided(motion=1, carried=True, yes=2, no=1, abstain=0,
                                    electorate=3, at=c.now),)
    assert c.state.resolutions == [1] and replays_to_live(c)


def test_voting_refusals_write_nothing():
    c = founded()
    c.do(move, kind="resolution", by=ana, text="x")
    refused(c.state, vote, BallotNotOpen, "waiting for seconders", motion=1, by=ana,
            choice="yes", at=c.now)
    c.do(second, motion=1, by=bo)
    c.do(vote, motion=1, by=ana, choice="yes")
    refused(c.state, vote, AlreadyVoted, "ana has already voted on motion 1", motion=1, by=ana,
            choice="no", at=c.now)
    refused(c.state, vote, NotAMember, "only members vote, and eve is not a member", motion=1,
            by=eve, choice="yes", at=c.now)
    refused(c.state, vote, BadChoice, "vote yes, no or abstain", motion=1, by=bo,
            choice="maybe", at=c.now)
    refused(c.state, vote, BallotNotOpen, "open from .* until", motion=1, by=bo, choice="yes",
            at=c.now + WEEK)
    refused(c.state, close, BallotNotOpen, "stays open until", motion=1, at=c.now + DAY)
    c.do(close, motion=1, at=c.now + WEEK)
    refused(c.state, vote, BallotNotOpen, "the motion is decided", motion=1, by=bo,
            choice="yes", at=c.now)
    refused(c.state, close, WrongState, "no open ballot to close", motion=1, at=c.now)


def test_a_secret_ballot_refuses_named_votes_and_a_close_without_its_box():
    c = founded()
    c.do(apply_for, person=eve)
    c.do(move, kind="expulsion", by=ana, subject=eve)
    c.do(second, motion=1, by=bo)
    refused(c.state, vote, WrongState, "secret ballot", motion=1, by=ana, choice="yes",
            at=c.now)
    refused(c.state, close, WrongState, "needs its ballot box and a seed", motion=1,
            at=c.now + WEEK)


def test_moving_checks_the_kind_and_the_fields_of_each_kind():
    c = founded()
    s = c.state
    refused(s, move, UnknownKind, "'coup' is not a kind of motion", kind="coup", by=ana,
            at=c.now)
    refused(s, move, NotAMember, "eve cannot move a motion", kind="resolution", by=eve,
            text="x", at=c.now)
    refused(s, move, BadCommand, "needs its text", kind="resolution", by=ana, at=c.now)
    refused(s, move, WrongState, "by the charter's procedure .* sponsor the applicant",
            kind="admission", by=ana, subject=dan, at=c.now)
    refused(s, move, WrongState, "dan cannot be expelled", kind="expulsion", by=ana,
            subject=dan, at=c.now)
    refused(s, move, BadCommand, "proposes a whole new charter", kind="charter_amendment",
            by=ana, at=c.now)
    refused(s, move, BadCharter, "over 100 %", kind="charter_amendment", by=ana,
            charter=Charter(quorum=(4, 3)), at=c.now)
    refused(s, move, NotFound, "no party 4", kind="party_legalization", by=ana, ref=4,
            at=c.now)
    refused(s, move, UnknownKind, "election method 'plurality'", kind="election_call", by=ana,
            subject="chair", seats=1, method="plurality", role="officer", at=c.now)
    refused(s, move, BadCommand, "irv fills one seat", kind="election_call", by=ana,
            subject="committee", seats=3, method="irv", role="officer", at=c.now)
    refused(s, move, BadCommand, "sends 1 delegates up", kind="election_call", by=ana,
            subject="delegates", seats=2, method="meek", role="delegate", at=c.now)
    refused(s, move, NotFound, "no office 1", kind="recall", by=ana, subject=bo, ref=1,
            at=c.now)
    refused(s, move, BadCommand, "names the other council", kind="affiliation", by=ana,
            at=c.now)


def test_a_charter_amendment_changes_the_charter_only_when_carried():
    c = founded(ana, bo, cy)
    new = Charter(sponsors=1)
    c.carry(kind="charter_amendment", by=ana, charter=new, yes={ana})  # 1 of 3: lost
    assert c.state.charter == Charter()
    c.carry(kind="charter_amendment", by=ana, charter=new, yes={ana, bo})  # 2 of 3 = 2/3
    assert c.state.charter == new and replays_to_live(c)


def test_a_vote_below_the_quorum_does_not_carry():
    c = founded(ana, bo, cy, dan, charter=Charter(quorum=(1, 2)))
    c.do(move, kind="resolution", by=ana, text="x")
    c.do(second, motion=1, by=bo)
    c.do(vote, motion=1, by=ana, choice="yes")
    d = c.do(close, motion=1, at=c.now + WEEK)
    assert not d.acts[-1].carried  # 1 voter of 4 members, under half


def test_the_threshold_applies_when_the_seconders_open_the_ballot_not_later():
    c = founded(ana, bo, cy)
    c.do(move, kind="resolution", by=ana, text="x")
    c.do(second, motion=1, by=bo)
    c.carry(kind="charter_amendment", by=bo, yes={ana, bo, cy},
            charter=Charter(thresholds=(("resolution", 3, 4),)))
    assert c.state.motions[1].threshold == (1, 2)


@given(yes=st.integers(0, 60), no=st.integers(0, 60), abstain=st.integers(0, 60),
       electorate=st.integers(0, 200), qd=st.integers(1, 10), td=st.integers(1, 10),
       data=st.data())
def test_outcome_is_quorum_then_more_yes_than_no_and_the_threshold(yes, no, abstain,
                                                                   electorate, qd, td, data):
    qn = data.draw(st.integers(1, qd))
    tn = data.draw(st.integers((td + 1) // 2, td))
    voters = yes + no + abstain
    expected = (
        voters > 0
        and Fraction(voters) >= Fraction(qn, qd) * electorate
        and yes > no
        and Fraction(yes) >= Fraction(tn, td) * (yes + no)
    )
    assert outcome(yes=yes, no=no, abstain=abstain, electorate=electorate, quorum=(qn, qd),
                   threshold=(tn, td)) == expected


def test_closes_due_names_a_motion_once_its_window_has_ended_and_not_after_the_close():
    from sovet.core.motion import closes_due

    c = founded()
    c.do(move, kind="resolution", by=ana, text="x")
    assert closes_due(c.state, c.now + WEEK) == []  # waiting for seconders: nothing to close
    c.do(second, motion=1, by=bo)
    assert closes_due(c.state, c.now) == []
    refused(c.state, close, BallotNotOpen, "cannot close earlier", motion=1, at=c.now)
    assert closes_due(c.state, c.now + WEEK) == [1]
    c.do(close, motion=1, at=c.now + WEEK)
    assert closes_due(c.state, c.now + WEEK) == []
