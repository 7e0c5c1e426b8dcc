"""Recall at any time (guarantee 2): a petition at the threshold opens the vote at once."""

from __future__ import annotations

from dataclasses import replace

from cast import ana, bo, cy, dan, eve, fay, founded, gus, hal, refused, replays_to_live
from hypothesis import given
from hypothesis import strategies as st

from sovet.core.ballot import BallotOpened
from sovet.core.charter import Charter, at_least
from sovet.core.council import CouncilState
from sovet.core.election import close_election, nominate, rank
from sovet.core.errors import AlreadyDone, NotAMember, NotEligible, NotFound, WrongState
from sovet.core.membership import leave
from sovet.core.motion import MotionMoved
from sovet.core.office import holders, mandates_of
from sovet.core.petition import (
    PetitionOpened,
    PetitionSigned,
    petition_recall,
    sign,
    signatures_needed,
)

PEOPLE = (ana, bo, cy, dan, eve, fay, gus, hal)


def _chair(charter=None):
    """Eight members; bo elected chair by open ballot."""
    c = founded(*PEOPLE, charter=charter or Charter(secret=("recall",)))
    e = c.carry(kind="election_call", by=ana, subject="chair", seats=1, method="irv",
                role="officer")
    c.do(nominate, election=e, person=bo)
    c.now = c.state.election(e).nominations_close
    c.do(rank, election=e, by=ana, ranking=(bo,))
    c.do(close_election, election=e, seed=3, at=c.state.election(e).closes)
    return c, c.state.election(e).office


def test_a_petition_reaching_the_threshold_opens_the_recall_vote_in_the_same_decision():
    c, office = _chair()  # recall threshold 1/4 of 8 members: 2 signatures
    d = c.do(petition_recall, office=office, person=bo, by=cy)
    assert [type(a) for a in d.acts] == [PetitionOpened, PetitionSigned]
    d = c.do(sign, petition=1, by=dan)
    assert [type(a) for a in d.acts] == [PetitionSigned, MotionMoved, BallotOpened]
    recall = c.state.motions[c.last_motion()]
    assert recall.kind == "recall" and recall.status == "open" and recall.subject == bo
    assert c.state.petitions[1].status == "reached"


def test_a_recall_that_passes_ends_the_mandate_at_once():
    c, office = _chair()
    c.do(petition_recall, office=office, person=bo, by=cy)
    c.do(sign, petition=1, by=dan)
    c.vote_all(c.last_motion(), {cy, dan, eve, fay, gus})
    assert holders(c.state, office, c.now) == () and mandates_of(c.state, bo) == ()
    assert replays_to_live(c)


def test_a_recall_that_fails_leaves_the_mandate():
    c, office = _chair()
    c.do(petition_recall, office=office, person=bo, by=cy)
    c.do(sign, petition=1, by=dan)
    c.vote_all(c.last_motion(), {cy})
    assert holders(c.state, office, c.now) == (bo,)


def test_petition_refusals():
    c, office = _chair(Charter(secret=("recall",), recall_threshold=(1, 2)))
    refused(c.state, petition_recall, NotEligible, "cy holds no mandate", office=office,
            person=cy, by=ana, at=c.now)
    refused(c.state, petition_recall, NotFound, "no office 7", office=7, person=bo, by=ana,
            at=c.now)
    refused(c.state, petition_recall, NotAMember, "only members", office=office, person=bo,
            by="zed", at=c.now)
    c.do(petition_recall, office=office, person=bo, by=cy)
    refused(c.state, petition_recall, WrongState, "already open; sign it", office=office,
            person=bo, by=dan, at=c.now)
    refused(c.state, sign, AlreadyDone, "one signature each", petition=1, by=cy, at=c.now)
    refused(c.state, sign, NotFound, "no petition 2", petition=2, by=cy, at=c.now)
    c.do(leave, person=bo)
    refused(c.state, sign, WrongState, "mandate has ended", petition=1, by=dan, at=c.now)


@given(members=st.integers(0, 500), den=st.integers(1, 20), data=st.data())
def test_signatures_needed_is_the_least_count_that_reaches_the_recall_threshold(
    members: int, den: int, data: st.DataObject
) -> None:
    num = data.draw(st.integers(1, den))
    state = CouncilState(n_members=members)
    state.charter = replace(Charter(), recall_threshold=(num, den))
    need = signatures_needed(state)
    assert need >= 1 and at_least(need, members, (num, den))
    assert need == 1 or not at_least(need - 1, members, (num, den))
