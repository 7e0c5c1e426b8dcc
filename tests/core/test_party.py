"""Parties are legal by vote only (guarantee 4)."""

from __future__ import annotations

from cast import ana, bo, cy, dan, founded, refused, replays_to_live

from sovet.core.errors import AlreadyDone, BadCommand, NotAMember, WrongState
from sovet.core.motion import move, second
from sovet.core.party import PartyFounded, found_party, join_party


def test_a_founded_party_is_proposed_until_the_members_legalize_it():
    c = founded(ana, bo, cy, dan)
    d = c.do(found_party, name="Rank and File", platform="Line speed", by=bo)
    assert d.acts == (PartyFounded(party=1, name="Rank and File", platform="Line speed", by=bo,
                                   at=c.now),)
    assert c.state.parties[1].status == "proposed"
    c.carry(kind="party_legalization", by=ana, ref=1, yes={ana})
    assert c.state.parties[1].status == "proposed"
    c.carry(kind="party_legalization", by=ana, ref=1)
    assert c.state.parties[1].status == "legal"
    c.carry(kind="party_outlawing", by=ana, ref=1)
    assert c.state.parties[1].status == "outlawed"
    refused(c.state, join_party, WrongState, "outlawed by the members' vote", party=1,
            person=cy, at=c.now)
    assert replays_to_live(c)


def test_legalization_is_secret_by_default():
    c = founded()
    c.do(found_party, name="P", platform="x", by=bo)
    c.do(move, kind="party_legalization", by=ana, ref=1)
    c.do(second, motion=1, by=bo)
    assert c.state.motions[1].secret


def test_party_refusals():
    c = founded()
    refused(c.state, found_party, NotAMember, "only members may", name="P", platform="x",
            by="zed", at=c.now)
    refused(c.state, found_party, BadCommand, "name and a platform", name="P", platform=" ",
            by=ana, at=c.now)
    c.do(found_party, name="P", platform="x", by=bo)
    refused(c.state, found_party, BadCommand, "already exists", name="P", platform="y",
            by=ana, at=c.now)
    refused(c.state, join_party, AlreadyDone, "already in party", party=1, person=bo,
            at=c.now)
    refused(c.state, join_party, NotAMember, "only members may", party=1, person="zed",
            at=c.now)
