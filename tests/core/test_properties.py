"""Properties over random command sequences: the guarantees the core holds.

A random council takes random commands, valid or not. Each refused command must raise a
`RuleError` and leave the state as it was; each decided one is checked against guarantees 1, 2
and 4 (nobody changes another person's membership, a mandate, a party's status or the charter
except through a decided motion or the charter's own procedure; a passed recall ends the
mandate; a party is legal only after a passed legalization), a person votes at most once per
ballot, and at the end the replay of the acts equals the live state.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from cast import T0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sovet.core  # noqa: F401
from sovet.core import action, declaration, election, federation, membership, party, petition
from sovet.core.acts import Act
from sovet.core.ballot import BallotBox, VoteCast, cast_secret, vote
from sovet.core.charter import ADMISSION_PROCEDURES, Charter
from sovet.core.council import CouncilState, Decision, replay
from sovet.core.errors import RuleError
from sovet.core.founding import CouncilFounded, confirm_founding, propose_founding
from sovet.core.motion import MotionDecided, close, move, second

PEOPLE = ("ana", "bo", "cy", "dan", "eve", "fay", "gus", "hal")
HASH = "ab" * 32
KINDS = ("resolution", "admission", "expulsion", "charter_amendment", "party_legalization",
         "party_outlawing", "election_call", "recall", "delegate_instruction", "affiliation",
         "affiliation_request")


def _charter(data: st.DataObject) -> Charter:
    secret = data.draw(st.lists(st.sampled_from(("admission", "expulsion", "election", "recall",
                                                 "party_legalization", "resolution")),
                                unique=True).map(tuple), label="secret")
    return Charter(
        admission=data.draw(st.sampled_from(ADMISSION_PROCEDURES), label="admission"),
        sponsors=data.draw(st.integers(0, 2), label="sponsors"),
        objection_days=1,
        attendance_count=data.draw(st.integers(0, 1), label="attendance_count"),
        attendance_confirmations=data.draw(st.integers(0, 1), label="confirmations"),
        seconders=data.draw(st.integers(0, 1), label="seconders"),
        quorum=(1, 4),
        voting_days=tuple((k, 1) for k in (*KINDS, "election")),
        secret=secret,
        recall_threshold=(1, 4),
        nomination_days=1,
        term_limit=data.draw(st.integers(1, 2), label="term_limit"),
        min_published_voters=2,
        barred=("hires_and_fires",),
    ).validate()


class Run:
    """The live council, its acts, the secret boxes the shell would hold, and the checks."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.now = T0
        self.boxes: dict[tuple[str, int], BallotBox] = {}
        founders = ("ana", "bo", "cy")
        d = propose_founding(CouncilState(), council="c", name="C", founders=founders,
                             by="ana", at=self.now, charter=_charter(data))
        self.state = d.state
        self.acts: list[Act] = list(d.acts)
        for p in founders[1:]:
            self.decided(confirm_founding(self.state, by=p, at=self.now))
        if data.draw(st.booleans(), label="crowded"):
            # Bring most people in first, so that most random commands are valid ones.
            for p in PEOPLE[3:]:
                self.attempt(membership.apply_for, person=p)
                for s in ("ana", "bo"):
                    self.attempt(membership.sponsor, applicant=p, by=s)
            self._drive()

    def pick(self, options: Any, label: str) -> Any:
        return self.data.draw(st.sampled_from(sorted(options)), label=label)

    def person(self) -> str:
        return str(self.pick(PEOPLE, "person"))

    def attempt(self, rule: Any, **kw: Any) -> None:
        before = copy.deepcopy(self.state)
        try:
            d = rule(self.state, at=self.now, **kw)
        except RuleError as e:
            assert e.code and str(e)
            assert self.state == before, "a refused command changed the state"
            return
        assert self.state == before, "a rule mutated the caller's state"
        self.decided(d)

    def decided(self, d: Decision) -> None:
        check_guarantees(self.state, d)
        self.state = d.state
        self.acts.extend(d.acts)

    def step(self) -> None:
        s = self.state
        what = self.data.draw(st.sampled_from(range(24)), label="command")
        p, q = self.person(), self.person()
        pending = [i for i, m in s.motions.items() if m.status in ("moved", "open")]
        motions = sorted(pending or s.motions) or [1]
        if what == 0:
            self.now += timedelta(hours=self.data.draw(st.integers(1, 30), label="hours"))
        elif what == 1:
            decl = self.data.draw(st.sampled_from(((), (("hires_and_fires", "Plant", "2020",
                                                         "foreman"),))), label="decl")
            self.attempt(membership.apply_for, person=p, declarations=decl)
        elif what == 2:
            self.attempt(membership.sponsor, applicant=p, by=q)
        elif what == 3:
            self.attempt(membership.object_to, applicant=p, by=q, reason="no")
        elif what == 4:
            self.attempt(membership.admit_unopposed, applicant=p)
        elif what == 5:
            self.attempt(membership.leave, person=p)
        elif what == 6:
            self.attempt(declaration.renounce, person=p,
                         declaration=self.pick(s.declarations or [1], "declaration"))
        elif what == 7:
            self.attempt(action.record_action, title="meeting", by=p)
        elif what == 8:
            a = self.pick(s.actions or [1], "action")
            self.attempt(action.record_attendance, action=a, person=p)
            self.attempt(action.confirm_attendance, action=a, person=p, by=q)
        elif what == 9:
            self._move(p, q)
        elif what == 10:
            self.attempt(second, motion=self.pick(motions, "motion"), by=p)
        elif what in (11, 12):
            self._vote(self.pick(motions, "motion"), p)
        elif what == 13:
            self._close(self.pick(motions, "motion"))
        elif what == 14:
            self.attempt(election.nominate, election=self.pick(s.elections or [1], "e"),
                         person=p)
        elif what == 15:
            self._rank(p)
        elif what == 16:
            e = self.pick(s.elections or [1], "e")
            box = self.boxes.get(("election", e))
            self.attempt(election.close_election, election=e, seed=7, box=box or BallotBox())
        elif what == 17:
            office = self.pick(s.offices or [1], "office")
            holders = sorted(s.offices[office].mandates) if office in s.offices else []
            self.attempt(petition.petition_recall, office=office,
                         person=holders[0] if holders else p, by=q)
        elif what == 18:
            self.attempt(petition.sign, petition=self.pick(s.petitions or [1], "petition"),
                         by=p)
        elif what == 19:
            self.attempt(party.found_party, name=f"party of {p}", platform="x", by=p)
            self.attempt(party.join_party, party=self.pick(s.parties or [1], "party"),
                         person=q)
        elif what == 20:
            e = self.pick(s.elections or [1], "e")
            self.attempt(election.stand_slate, election=e,
                         party=self.pick(s.parties or [1], "party"), candidates=(p,), by=p)
        elif what == 22:
            self._drive()
        else:
            self.attempt(federation.seat_delegate, child="kids", person=p, act_hash=HASH,
                         by=q)
            self.attempt(federation.unseat_delegate, child="kids", person=q, act_hash=HASH,
                         by=p)

    def _members(self) -> list[str]:
        return sorted(p for p in self.state.members if self.state.is_member(p))

    def _drive(self) -> None:
        """Carry the business before the council to its end: second, vote, close, count."""
        yes = self.data.draw(st.booleans(), label="mood")
        members = self._members()
        if members and self.data.draw(st.booleans(), label="call an election"):
            seats = self.data.draw(st.integers(1, 2), label="seats")
            self.attempt(move, kind="election_call", by=members[0], subject="committee",
                         seats=seats, method=self.pick(("irv", "schulze", "stv_scottish",
                                                        "meek")[(seats - 1) * 2:], "method"),
                         role="officer")
        for number in sorted(self.state.motions):
            m = self.state.motions[number]
            if m.status == "moved":
                for p in self._members():
                    self.attempt(second, motion=number, by=p)
            for p in self._members():
                self._vote(number, p, "yes" if yes else None)
            m = self.state.motions[number]
            if m.status == "open" and m.closes is not None:
                self.now = max(self.now, m.closes)
                self._close(number)
        for e in sorted(self.state.elections):
            el = self.state.elections[e]
            if el.status == "counted":
                continue
            for p in self._members()[:3]:
                self.attempt(election.nominate, election=e, person=p)
            self.now = max(self.now, el.nominations_close)
            for p in self._members():
                self._rank(p, e)
            self.now = max(self.now, el.closes)
            box = self.boxes.get(("election", e))
            self.attempt(election.close_election, election=e, seed=7, box=box or BallotBox())
        for office in sorted(self.state.offices):
            held = sorted(self.state.offices[office].mandates)
            if held and self.data.draw(st.booleans(), label="recall"):
                for p in self._members():
                    before = len(self.state.petitions)
                    if not self.state.petitions or self.state.petitions[before].status != "open":
                        self.attempt(petition.petition_recall, office=office, person=held[0],
                                     by=p)
                    else:
                        self.attempt(petition.sign, petition=before, by=p)
        if "kids" in self.state.children and self.data.draw(st.booleans(), label="seat"):
            self.attempt(federation.seat_delegate, child="kids", person="kim", act_hash=HASH,
                         by="ana")
            self.attempt(federation.witness_head, council="kids", seq=9, head=HASH, by="bo")
            if self.data.draw(st.booleans(), label="unseat"):
                self.attempt(federation.unseat_delegate, child="kids", person="kim",
                             act_hash=HASH, by="ana")
        if self.state.parent is None and self.state.parent_requested:
            self.attempt(federation.record_parent_acceptance,
                         parent=self.state.parent_requested, act_hash=HASH, by="ana")
            self.attempt(federation.witness_head, council="district", seq=3, head=HASH,
                         by="bo")

    def _move(self, p: str, q: str) -> None:
        kind = self.pick(KINDS, "kind")
        s = self.state
        kw: dict[str, Any] = {"text": "t", "subject": q}
        if kind in ("party_legalization", "party_outlawing"):
            kw["ref"] = self.pick(s.parties or [1], "party")
        elif kind == "charter_amendment":
            kw["charter"] = _charter(self.data)
        elif kind == "election_call":
            seats = self.data.draw(st.integers(1, 2), label="seats")
            kw.update(subject="office", seats=seats, role="officer",
                      method="irv" if seats == 1 else "stv_scottish",
                      ref=self.pick([0, *s.offices], "office"))
        elif kind == "recall":
            office = self.pick(s.offices or [1], "office")
            holders = sorted(s.offices[office].mandates) if office in s.offices else []
            kw.update(ref=office, subject=holders[0] if holders else q)
        elif kind == "delegate_instruction":
            kw["ref"] = self.pick(s.offices or [1], "office")
        elif kind in ("affiliation", "affiliation_request"):
            kw["subject"] = "kids" if kind == "affiliation" else "district"
        self.attempt(move, kind=kind, by=p, **kw)

    def _vote(self, motion: int, p: str, choice: str | None = None) -> None:
        if choice is None:
            choice = self.pick(("yes", "no", "abstain"), "choice")
        m = self.state.motions.get(motion)
        if m is not None and m.secret and p not in self.state.delegates:
            box = self.boxes.setdefault(("motion", motion), BallotBox())
            before = copy.deepcopy(self.state)
            try:
                v = cast_secret(self.state, box, motion=motion, by=p, choice=choice,
                                at=self.now)
            except RuleError:
                assert self.state == before
                return
            box.put(v)
        else:
            self.attempt(vote, motion=motion, by=p, choice=choice)

    def _rank(self, p: str, e: int | None = None) -> None:
        s = self.state
        if e is None:
            e = self.pick(s.elections or [1], "e")
        candidates = sorted(s.elections[e].candidates) if e in s.elections else ["ana"]
        ranking = tuple(self.data.draw(st.permutations(candidates), label="ranking"))
        if e in s.elections and s.elections[e].secret:
            box = self.boxes.setdefault(("election", e), BallotBox())
            try:
                v = election.cast_secret_ranking(s, box, election=e, by=p, ranking=ranking,
                                                 at=self.now)
            except RuleError:
                return
            box.put(v)
        else:
            self.attempt(election.rank, election=e, by=p, ranking=ranking)

    def _close(self, motion: int) -> None:
        self.attempt(close, motion=motion, box=self.boxes.get(("motion", motion), BallotBox()),
                     seed=11)


def _statuses(s: CouncilState) -> dict[str, str]:
    return {p: m.status for p, m in s.members.items()}


def _mandates(s: CouncilState) -> dict[int, set[str]]:
    return {i: set(o.mandates) for i, o in s.offices.items()}


def check_guarantees(before: CouncilState, d: Decision) -> None:
    """Every change a decision makes is explained by a decided motion or one's own act."""
    after = d.state
    kinds = {type(a).__name__ for a in d.acts}
    decided = [a for a in d.acts if isinstance(a, MotionDecided)]
    carried = {(after.motions[a.motion].kind, after.motions[a.motion].subject,
                after.motions[a.motion].ref) for a in decided if a.carried}
    lost = {(after.motions[a.motion].kind, after.motions[a.motion].subject)
            for a in decided if not a.carried}
    own = {(type(a).__name__, getattr(a, "person", None)) for a in d.acts}

    # Membership: by one's own act, the charter's admission procedure, or a decided motion.
    old, new = _statuses(before), _statuses(after)
    for p in set(old) | set(new):
        o, n = old.get(p, "stranger"), new.get(p, "stranger")
        if o == n:
            continue
        ok = (
            (n == "applicant" and ("MemberApplied", p) in own)
            or (n == "left" and ("MemberLeft", p) in own)
            or (n == "member" and ("MemberAdmitted", p) in own and _procedure_allows(after, p))
            or (n == "member" and o == "applicant" and ("admission", p) in {
                (k, s) for k, s, _ in carried})
            or (n == "refused" and ("admission", p) in lost)
            or (n == "expelled" and ("expulsion", p) in {(k, s) for k, s, _ in carried})
            or (n == "member" and "CouncilFounded" in kinds and p in after.founders)
            or ("DelegateSeated" in kinds and n == "member")
            or ("DelegateUnseated" in kinds and n == "left")
        )
        assert ok, f"{p} went from {o} to {n} without a decided motion or their own act"

    # Mandates: by an election's count, a carried recall or expulsion, or leaving.
    om, nm = _mandates(before), _mandates(after)
    for office in set(om) | set(nm):
        gone = om.get(office, set()) - nm.get(office, set())
        came = nm.get(office, set()) - om.get(office, set())
        if came:
            assert "ElectionCounted" in kinds, "a mandate began without an election"
        for p in gone:
            assert (
                "ElectionCounted" in kinds
                or ("recall", p, office) in carried
                or ("expulsion", p) in {(k, s) for k, s, _ in carried}
                or ("MemberLeft", p) in own
                or "DelegateUnseated" in kinds
            ), f"{p}'s mandate in office {office} ended without a decided motion"

    # A passed recall ends the mandate at once.
    for kind, subject, ref in carried:
        if kind == "recall" and ref in after.offices:
            assert subject not in after.offices[ref].mandates

    # Parties: status only by a decided motion; legal only after a passed legalization.
    for i, p in after.parties.items():
        was = before.parties[i].status if i in before.parties else "proposed"
        if p.status != was:
            want = "party_legalization" if p.status == "legal" else "party_outlawing"
            assert (want, "", i) in {(k, "", r) for k, _, r in carried}
        if p.status == "legal":
            assert any(m.kind == "party_legalization" and m.ref == i and m.status == "carried"
                       for m in after.motions.values())

    # The charter: only by a carried amendment.
    if after.charter != before.charter and before.founded:
        assert any(k == "charter_amendment" for k, _, _ in carried)


def _procedure_allows(s: CouncilState, p: str) -> bool:
    c = s.charter
    if c.admission == "sponsors_then_objection_period":
        m = s.members[p]
        return m.sponsored_at is not None and len(m.sponsors) >= c.sponsors
    if c.admission == "attendance_then_sponsors":
        return len(s.members[p].sponsors) >= c.sponsors and s.attended.get(p, 0) >= (
            c.attendance_count
        )
    return False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_command_sequences_keep_the_guarantees_and_replay_to_the_live_state(data):
    run = Run(data)
    for _ in range(data.draw(st.integers(20, 120), label="steps")):
        run.step()
    assert replay(run.acts) == run.state
    assert any(isinstance(a, CouncilFounded) for a in run.acts)
    # A person votes at most once per ballot: no two named votes by one person on one motion.
    named = [(a.motion, a.by) for a in run.acts if isinstance(a, VoteCast)]
    assert len(named) == len(set(named))
    ranked = [(a.election, a.by) for a in run.acts if isinstance(a, election.RankingCast)]
    assert len(ranked) == len(set(ranked))
    for box in run.boxes.values():
        assert len(box.roll) == len(box.ballots)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_council_driven_through_its_business_replays_to_the_live_state(data):
    run = Run(data)
    for _ in range(4):
        for _ in range(15):
            run.step()
        run._drive()
    assert replay(run.acts) == run.state
