"""Secret ballots (guarantee 3): roll and box apart, nothing in the book per vote, one seal."""

from __future__ import annotations

import hashlib
import itertools

from cast import WEEK, ana, bo, cy, dan, eve, founded, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.core.ballot import (
    BallotBox,
    BallotSealed,
    SecretVote,
    cast_secret,
    roll_hash,
    seal,
    sealed_contents,
)
from sovet.core.book import canonical, merkle_root
from sovet.core.charter import Charter
from sovet.core.errors import AlreadyVoted, BallotNotOpen, NotAMember, WrongState
from sovet.core.membership import apply_for
from sovet.core.motion import MotionDecided, close, move, second


def _secret_motion(c):
    c.do(apply_for, person=eve)
    c.do(move, kind="expulsion", by=ana, subject=eve)
    c.do(second, motion=c.last_motion(), by=bo)
    return c.last_motion()


def test_a_secret_vote_is_a_roll_entry_and_a_box_entry_and_no_act():
    c = founded()
    motion = _secret_motion(c)
    before = list(c.acts)
    v = cast_secret(c.state, BallotBox(), motion=motion, by=ana, choice="yes", at=c.now)
    assert isinstance(v, SecretVote)
    assert (v.roll.person, v.roll.ballot) == (ana, motion)
    assert not hasattr(v.roll, "content") and not hasattr(v.roll, "at")
    assert v.box.content == "yes"
    assert set(v.box.__slots__) == {"of", "ballot", "content"}  # no person, no time, no id
    assert c.acts == before


def test_a_person_votes_at_most_once_in_a_secret_ballot():
    c = founded()
    motion = _secret_motion(c)
    box = BallotBox()
    box.put(cast_secret(c.state, box, motion=motion, by=ana, choice="yes", at=c.now))
    refused(c.state, cast_secret, AlreadyVoted, "ana has already voted on motion",
            box=box, motion=motion, by=ana, choice="no", at=c.now)
    v = cast_secret(c.state, BallotBox(), motion=motion, by=ana, choice="no", at=c.now)
    try:
        box.put(v)  # the shell's UNIQUE roll row refuses a second one too
    except AlreadyVoted:
        pass
    else:
        raise AssertionError("a second roll row was stored")
    assert len(box.ballots) == 1


def test_secret_votes_by_non_members_on_open_ballots_or_out_of_time_are_refused():
    c = founded()
    motion = _secret_motion(c)
    box = BallotBox()
    refused(c.state, cast_secret, NotAMember, "eve is an applicant", box=box, motion=motion,
            by=eve, choice="yes", at=c.now)
    refused(c.state, cast_secret, BallotNotOpen, "open from", box=box, motion=motion, by=ana,
            choice="yes", at=c.now + WEEK)
    c.do(move, kind="resolution", by=ana, text="x")
    c.do(second, motion=c.last_motion(), by=bo)
    refused(c.state, cast_secret, WrongState, "decided by open ballot", box=box,
            motion=c.last_motion(), by=ana, choice="yes", at=c.now)


def test_the_close_writes_one_seal_with_root_roll_hash_count_and_seed():
    c = founded(ana, bo, cy, dan)
    motion = _secret_motion(c)
    box = BallotBox()
    for p, choice in ((dan, "yes"), (ana, "yes"), (cy, "no"), (bo, "yes")):
        box.put(cast_secret(c.state, box, motion=motion, by=p, choice=choice, at=c.tick()))
    d = c.do(close, motion=motion, at=c.now + WEEK, box=box, seed=42)
    seal_act, decided = d.acts
    assert isinstance(seal_act, BallotSealed) and isinstance(decided, MotionDecided)
    assert seal_act.voters == 4 and seal_act.seed == 42 and not seal_act.published
    assert seal_act.root == merkle_root(d.sealed)
    expected_roll = hashlib.sha256(canonical(sorted([ana, bo, cy, dan]))).hexdigest()
    assert seal_act.roll == expected_roll == roll_hash({dan, cy, bo, ana})
    assert (decided.yes, decided.no, decided.abstain) == (3, 1, 0) and decided.carried
    assert sorted(sealed_contents(d.sealed)) == ["no", "yes", "yes", "yes"]
    assert c.state.status(eve) == "expelled"


def test_the_sealed_list_is_published_only_from_the_charters_minimum_of_voters():
    c = founded(ana, bo, cy, dan, charter=Charter(min_published_voters=4))
    motion = _secret_motion(c)
    box = BallotBox()
    for p in (ana, bo, cy, dan):
        box.put(cast_secret(c.state, box, motion=motion, by=p, choice="no", at=c.tick()))
    d = c.do(close, motion=motion, at=c.now + WEEK, box=box, seed=1)
    assert d.acts[0].published


@settings(max_examples=40)
@given(ballots=st.lists(st.sampled_from(["yes", "no", "abstain"]), min_size=1, max_size=30),
       seed=st.integers(0, 2**32), data=st.data())
def test_the_sealed_order_depends_on_the_seed_and_the_ballots_never_the_cast_order(
    ballots, seed, data
):
    shuffled = data.draw(st.permutations(ballots))
    assert seal(ballots, seed) == seal(shuffled, seed)
    assert sorted(seal(ballots, seed)) == sorted(canonical({"vote": b}) for b in ballots)


def test_different_seeds_give_different_sealed_orders():
    ballots = [f"{a}{b}" for a, b in itertools.product("ab", "cdefg")]
    assert len({seal(ballots, s) for s in range(10)}) > 1
