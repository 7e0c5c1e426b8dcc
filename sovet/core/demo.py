"""A demo council built purely through the rules, for `sovet demo --book`.

The acts hold every kind the core knows: a founding; applications with declarations (a
foreman, refused; a shift manager who renounces and is admitted); admissions by vote, by an
objection period and by attendance; attendance at actions; motions of every kind, open and
secret; an STV election; a recall petition that reaches its threshold and a recall that passes;
a party legalized and one left proposed; affiliation both ways and a child's delegate seated by
reference; heads witnessed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sovet.core.action import confirm_attendance, record_action, record_attendance
from sovet.core.acts import Act
from sovet.core.ballot import BallotBox, cast_secret, vote
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision
from sovet.core.declaration import declare, renounce
from sovet.core.election import (
    cast_secret_ranking,
    close_election,
    nominate,
    rank,
    stand_slate,
)
from sovet.core.federation import (
    record_parent_acceptance,
    seat_delegate,
    unseat_delegate,
    witness_head,
)
from sovet.core.founding import confirm_founding, propose_founding
from sovet.core.membership import admit_unopposed, apply_for, leave, object_to, sponsor
from sovet.core.motion import close, move, second
from sovet.core.party import found_party, join_party
from sovet.core.petition import petition_recall, sign


class _Minutes:
    """Runs rules one after another, keeping the state and the acts (the demo's book)."""

    def __init__(self, start: datetime, seed: int) -> None:
        self.state = CouncilState()
        self.acts: list[Act] = []
        self.now = start
        self.seed = seed
        self.seals = 0

    def tick(self, minutes: int = 5) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def __call__(self, rule: Callable[..., Decision], **kw: Any) -> Decision:
        d = rule(self.state, at=self.tick(), **kw)
        self.state = d.state
        self.acts.extend(d.acts)
        return d

    def last_motion(self) -> int:
        return max(self.state.motions)

    def next_seed(self) -> int:
        self.seals += 1
        return self.seed * 1000 + self.seals

    def decide_motion(self, motion: int, ayes: set[str]) -> Decision:
        """Everyone who is a member votes (yes if in `ayes`), then the ballot closes."""
        m = self.state.motion(motion)
        voters = sorted(p for p in self.state.members if self.state.is_member(p))
        box = BallotBox()
        for p in voters:
            choice = "yes" if p in ayes else "no"
            if m.secret and p not in self.state.delegates:
                box.put(cast_secret(self.state, box, motion=motion, by=p, choice=choice,
                                    at=self.tick()))
            else:
                self(vote, motion=motion, by=p, choice=choice)
        if m.closes is not None:
            self.now = max(self.now, m.closes)
        if m.secret:
            return self(close, motion=motion, box=box, seed=self.next_seed())
        return self(close, motion=motion)

    def motion(self, ayes: set[str], **kw: Any) -> int:
        """Move, second, vote and close a motion; return its id."""
        by = kw.pop("by")
        self(move, by=by, **kw)
        number = self.last_motion()
        seconder = next(p for p in sorted(self.state.members)
                        if self.state.is_member(p) and p != by)
        self(second, motion=number, by=seconder)
        self.decide_motion(number, ayes)
        return number


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def demo_acts(*, start: datetime, seed: int) -> list[Act]:
    """Build the demo council through the rules and return its acts, in book order.

    `start` is the (UTC) time of the first act; `seed` derives every seal's and lot's seed, so
    the same arguments always give the same book.
    """
    b = _Minutes(start, seed)
    charter = Charter(barred=("hires_and_fires", "polices", "manages"))
    founders = ("ana", "bo", "cy", "dan")
    b(propose_founding, council="plant-2-council", name="Plant 2 Workers' Council",
      founders=founders, by="ana", charter=charter)
    for p in founders[1:]:
        b(confirm_founding, by=p)
    everyone = set(founders)

    # Applications: a foreman (barred, refused), a shift manager who renounces, an ordinary
    # worker.
    b(apply_for, person="eve", declarations=(("hires_and_fires", "Plant 2", "2019",
                                              "Foreman of the press line"),))
    b(apply_for, person="fay", declarations=(("manages", "Shift B", "2021", "Shift manager"),))
    b(apply_for, person="gus")
    b(renounce, person="fay", declaration=2)
    for p in ("eve", "fay", "gus"):
        b(sponsor, applicant=p, by="ana")
        b(sponsor, applicant=p, by="bo")
        b.decide_motion(b.last_motion(), everyone if p != "eve" else {"ana"})
        if p != "eve":
            everyone.add(p)

    # An action and its confirmed attendance.
    b(record_action, title="Picket at gate 3", by="bo")
    b(record_attendance, action=1, person="cy")
    b(confirm_attendance, action=1, person="cy", by="dan")
    b(declare, person="gus", kind="other", where="Tenants' association",
      since="2020", text="Treasurer")

    # The members switch to admission by an objection period: one applicant passes unopposed,
    # one is objected to and voted in.
    b.motion(everyone, kind="charter_amendment", by="cy",
             charter=Charter(barred=charter.barred, admission="sponsors_then_objection_period",
                             objection_days=3))
    for p in ("hal", "ivy"):
        b(apply_for, person=p)
        b(sponsor, applicant=p, by="cy")
        b(sponsor, applicant=p, by="dan")
    b(object_to, applicant="ivy", by="gus", reason="Crossed our picket in March")
    b.decide_motion(b.last_motion(), everyone - {"gus"})
    everyone.add("ivy")
    b.now += timedelta(days=3)
    b(admit_unopposed, applicant="hal")
    everyone.add("hal")

    # Then by attendance at actions.
    b.motion(everyone, kind="charter_amendment", by="dan",
             charter=Charter(barred=charter.barred, admission="attendance_then_sponsors",
                             attendance_count=1, attendance_confirmations=1))
    b(apply_for, person="jo")
    b(sponsor, applicant="jo", by="ana")
    b(sponsor, applicant="jo", by="fay")
    b(record_action, title="Assembly on the night shift", by="ana")
    b(record_attendance, action=2, person="jo")
    b(confirm_attendance, action=2, person="jo", by="hal")
    everyone.add("jo")

    b.motion(everyone, kind="resolution", by="fay",
             text="The council demands the line speed-up be withdrawn.")

    # Parties: one legalized by secret vote, one left proposed after an outlawing fails.
    b(found_party, name="Rank and File", platform="Shop-floor control of line speed.", by="bo")
    b(join_party, party=1, person="cy")
    b(found_party, name="Works Committee", platform="Negotiate through the union.", by="gus")
    b.motion(everyone, kind="party_legalization", by="dan", ref=1)
    b.motion({"jo"}, kind="party_outlawing", by="jo", ref=2)

    # A committee of three by Scottish STV, in secret.
    b.motion(everyone, kind="election_call", by="ana", subject="strike committee", seats=3,
             method="stv_scottish", role="officer")
    election = b.last_motion()
    b(stand_slate, election=election, party=1, candidates=("bo", "cy"), by="bo")
    for p in ("ana", "gus", "ivy"):
        b(nominate, election=election, person=p)
    e = b.state.election(election)
    b.now = e.nominations_close
    box = BallotBox()
    orders = [("bo", "cy", "ana"), ("cy", "bo"), ("ana", "ivy"), ("gus", "ana"),
              ("ivy", "ana", "bo"), ("bo", "ana"), ("cy", "gus"), ("ana", "bo", "cy"),
              ("ivy", "gus")]
    voters = sorted(p for p in b.state.members if b.state.is_member(p))
    for voter, order in zip(voters, orders, strict=False):
        box.put(cast_secret_ranking(b.state, box, election=election, by=voter, ranking=order,
                                    at=b.tick()))
    b.now = e.closes
    b(close_election, election=election, box=box, seed=b.next_seed())
    committee = b.state.elections[election].elected

    # A recall petition reaches its threshold and the recall passes.
    target = committee[0]
    office = b.state.elections[election].office
    signers = [p for p in sorted(everyone) if p != target]
    b(petition_recall, office=office, person=target, by=signers[0])
    for p in signers[1:]:
        if b.state.petitions[1].status != "open":
            break
        b(sign, petition=1, by=p)
    b.decide_motion(b.last_motion(), everyone - {target})

    # A delegate to the district council, elected by open ballot (the district may see who
    # sent whom), an instruction, and affiliation both ways.
    open_elections = tuple(k for k in b.state.charter.secret if k != "election")
    b.motion(everyone, kind="charter_amendment", by="hal",
             charter=dataclasses.replace(b.state.charter, secret=open_elections))
    b.motion(everyone, kind="election_call", by="fay", subject="delegate to the district",
             seats=1, method="irv", role="delegate")
    delegate_election = b.last_motion()
    b(nominate, election=delegate_election, person="hal")
    de = b.state.election(delegate_election)
    b.now = de.nominations_close
    for voter in sorted(p for p in b.state.members if b.state.is_member(p))[:5]:
        b(rank, election=delegate_election, by=voter, ranking=("hal",))
    b.now = de.closes
    b(close_election, election=delegate_election, seed=b.next_seed())
    delegate_office = b.state.elections[delegate_election].office
    b.motion(everyone, kind="delegate_instruction", by="gus", ref=delegate_office,
             text="Vote for a district-wide strike fund.")
    b.motion(everyone, kind="affiliation_request", by="ana", subject="district-council")
    b(record_parent_acceptance, parent="district-council", act_hash=_hash("district act 88"),
      by="ana")
    b(witness_head, council="district-council", seq=88, head=_hash("district head 88"),
      by="ana")
    b.motion(everyone, kind="affiliation", by="bo", subject="night-shift-council")
    b(seat_delegate, child="night-shift-council", person="kit",
      act_hash=_hash("night shift act 41"), by="bo")
    b(witness_head, council="night-shift-council", seq=41, head=_hash("night shift head 41"),
      by="bo")
    b(unseat_delegate, child="night-shift-council", person="kit",
      act_hash=_hash("night shift act 57"), by="bo")

    # An expulsion moved against a member, and a member who leaves.
    b.motion({"gus", "jo"}, kind="expulsion", by="gus", subject="ivy",
             text="Crossed the picket again.")
    b.motion({"gus"}, kind="recall", by="gus", subject="hal", ref=delegate_office,
             text="Recall the delegate.")
    b(leave, person="jo")
    return b.acts
