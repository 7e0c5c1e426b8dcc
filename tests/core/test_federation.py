"""Federation: affiliation by motion on both sides, delegates seated by reference, heads."""

from __future__ import annotations

import hashlib

from cast import ana, bo, cy, dan, founded, refused, replays_to_live

from sovet.core.ballot import BallotBox, cast_secret, vote
from sovet.core.book import chain
from sovet.core.charter import Charter
from sovet.core.election import close_election, nominate, rank
from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, WrongState
from sovet.core.federation import (
    DelegateSeated,
    HeadWitnessed,
    mandate_ended,
    record_parent_acceptance,
    seat_delegate,
    seated_from,
    unseat_delegate,
    witness_head,
)
from sovet.core.membership import leave
from sovet.core.motion import move, second

H1 = hashlib.sha256(b"child election act").hexdigest()
H2 = hashlib.sha256(b"child recall act").hexdigest()


def test_a_child_asks_by_motion_and_records_the_parents_acceptance_by_hash():
    child = founded()
    refused(child.state, record_parent_acceptance, WrongState, "has not asked by motion",
            parent="district", act_hash=H1, by=ana, at=child.now)
    child.carry(kind="affiliation_request", by=ana, subject="district")
    child.do(record_parent_acceptance, parent="district", act_hash=H1, by=bo)
    assert child.state.parent == "district" and child.state.parent_act == H1
    d = child.do(witness_head, council="district", seq=12, head=H2, by=cy)
    assert d.acts == (HeadWitnessed(council="district", head_seq=12, head=H2, by=cy,
                                    at=child.now),)
    assert replays_to_live(child)


def test_the_parent_accepts_a_child_by_motion_and_seats_its_delegate_by_reference():
    parent = founded()
    refused(parent.state, seat_delegate, WrongState, "not affiliated", child="night-shift",
            person=dan, act_hash=H1, by=ana, at=parent.now)
    parent.carry(kind="affiliation", by=ana, subject="night-shift")
    refused(parent.state, seat_delegate, BadCommand, "64 lowercase hex", child="night-shift",
            person=dan, act_hash="abc", by=ana, at=parent.now)
    d = parent.do(seat_delegate, child="night-shift", person=dan, act_hash=H1, by=ana)
    assert d.acts == (DelegateSeated(child="night-shift", person=dan, act_hash=H1, by=ana,
                                     at=parent.now),)
    assert parent.state.is_member(dan)
    refused(parent.state, seat_delegate, AlreadyDone, "already seated", child="night-shift",
            person=dan, act_hash=H1, by=ana, at=parent.now)
    parent.do(unseat_delegate, child="night-shift", person=dan, act_hash=H2, by=bo)
    assert not parent.state.is_member(dan) and dan not in parent.state.delegates
    assert replays_to_live(parent)


def test_a_seated_delegate_votes_by_name_even_on_a_secret_ballot():
    parent = founded()
    parent.carry(kind="affiliation", by=ana, subject="night-shift")
    parent.do(seat_delegate, child="night-shift", person=dan, act_hash=H1, by=ana)
    parent.do(move, kind="expulsion", by=ana, subject=cy)
    parent.do(second, motion=parent.last_motion(), by=bo)
    motion = parent.last_motion()
    refused(parent.state, cast_secret, WrongState, "seated delegate", box=BallotBox(),
            motion=motion, by=dan, choice="no", at=parent.now)
    d = parent.do(vote, motion=motion, by=dan, choice="no")
    assert d.acts[0].by == dan  # in the book, for the council that sent dan to read


def test_heads_are_witnessed_only_for_the_parent_or_a_child():
    c = founded()
    refused(c.state, witness_head, WrongState, "neither this council's parent nor its child",
            council="elsewhere", seq=1, head=H1, by=ana, at=c.now)


def test_a_seated_delegate_ranks_by_name_in_a_secret_election_and_is_counted():
    from sovet.core.election import cast_secret_ranking

    parent = founded()
    parent.carry(kind="affiliation", by=ana, subject="night-shift")
    parent.do(seat_delegate, child="night-shift", person=dan, act_hash=H1, by=ana)
    e = parent.carry(kind="election_call", by=ana, subject="chair", seats=1, method="irv",
                     role="officer")
    parent.do(nominate, election=e, person=ana)
    parent.now = parent.state.election(e).nominations_close
    box = BallotBox()
    refused(parent.state, cast_secret_ranking, WrongState, "seated delegate", box=box,
            election=e, by=dan, ranking=(ana,), at=parent.now)
    box.put(cast_secret_ranking(parent.state, box, election=e, by=bo, ranking=(ana,),
                                at=parent.now))
    parent.do(rank, election=e, by=dan, ranking=(ana,))
    d = parent.do(close_election, election=e, seed=2, box=box,
                  at=parent.state.election(e).closes)
    assert d.acts[-1].ballots == 2 and d.acts[-1].elected == (ana,)
    assert replays_to_live(parent)


def _child_with_delegate():
    """A child council that elected dan its delegate; the office's number."""
    # Open elections, so the rankings are named acts here; recalls stay secret.
    child = founded(ana, bo, cy, dan, charter=Charter(secret=("admission", "recall")))
    e = child.carry(kind="election_call", by=ana, subject="delegate", seats=1, method="irv",
                    role="delegate")
    child.do(nominate, election=e, person=dan)
    child.now = child.state.election(e).nominations_close
    for voter in (ana, bo, cy, dan):
        child.do(rank, election=e, by=voter, ranking=(dan,))
    child.do(close_election, election=e, seed=1, at=child.state.election(e).closes)
    return child, child.state.election(e).office


def test_the_act_that_ended_a_delegates_mandate_is_found_in_the_childs_book():
    child, office = _child_with_delegate()
    # Still holding it: there is nothing to cite; nor for someone who never held it.
    assert mandate_ended(chain(child.acts), dan) is None
    assert mandate_ended(chain(child.acts), bo) is None
    child.carry(kind="recall", by=ana, subject=dan, ref=office)
    assert dan not in child.state.offices[office].mandates
    entries = chain(child.acts)
    ended = mandate_ended(entries, dan)
    # The recall's decision: the last act that changed dan's mandate, and no earlier one.
    (decided,) = [e for e in entries if e.act.kind == "motion.decided"
                  and getattr(e.act, "motion", None) == child.last_motion()]
    assert ended == decided.hash


def test_leaving_the_child_ends_the_mandate_too():
    child, _office = _child_with_delegate()
    child.do(leave, person=dan)
    entries = chain(child.acts)
    assert mandate_ended(entries, dan) == entries[-1].hash


def test_only_a_member_unseats_and_only_a_seated_delegate():
    parent = founded()
    parent.carry(kind="affiliation", by=ana, subject="night-shift")
    refused(parent.state, unseat_delegate, WrongState, "dan is not seated here",
            child="night-shift", person=dan, act_hash=H2, by=ana, at=parent.now)
    parent.do(seat_delegate, child="night-shift", person=dan, act_hash=H1, by=ana)
    assert seated_from(parent.state, person=dan, by=bo) == "night-shift"
    refused(parent.state, unseat_delegate, NotAMember, "only members may", child="night-shift",
            person=dan, act_hash=H2, by="zed", at=parent.now)
    refused(parent.state, unseat_delegate, WrongState, "not seated as a delegate of day-shift",
            child="day-shift", person=dan, act_hash=H2, by=ana, at=parent.now)
    # Nothing to cite while the child still mandates dan (`mandate_ended` found no act).
    refused(parent.state, unseat_delegate, WrongState, "still holds the delegate's mandate",
            child="night-shift", person=dan, act_hash=None, by=ana, at=parent.now)
