"""The council pipeline: services write acts and projection in one transaction, refusals write
nothing, the book verifies and replays to the cached state, and secret ballots keep the roll
and the box apart and seal the box at the close (DESIGN.md, guarantees 3 and 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import orjson
import pytest
from councilcast import DAY, World
from django.db import IntegrityError, transaction
from django.utils import timezone
from webcast import T0

from sovet.core import membership
from sovet.core.acts import Act as CoreAct
from sovet.core.acts import from_record
from sovet.core.ballot import BallotSealed
from sovet.core.book import merkle_root, verify
from sovet.core.charter import Charter
from sovet.core.council import replay
from sovet.core.errors import (
    AlreadyVoted,
    BadCommand,
    NotAMember,
    OwnMotion,
    RuleError,
    WrongState,
)
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.books.selectors import book_lines
from sovet.web.books.services import council_lock
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, Membership, SealedBallot, VoterRoll
from sovet.web.councils.selectors import (
    council_state,
    council_state_forget,
    has_voted,
    may_cast,
)

pytestmark = pytest.mark.django_db


def book_acts(council: Council) -> list[CoreAct]:
    return [from_record(orjson.loads(bytes(b)))
            for b in Act.objects.filter(council=council).order_by("seq")
            .values_list("body", flat=True)]


def counts(council: Council) -> tuple[int, ...]:
    return (
        Act.objects.filter(council=council).count(),
        Membership.objects.filter(council=council).count(),
        VoterRoll.objects.filter(council=council).count(),
        BallotBoxEntry.objects.filter(council=council).count(),
        SealedBallot.objects.filter(council=council).count(),
    )


def assert_book_sound(council: Council) -> None:
    """The stored book verifies, and replaying it equals the state the services cached."""
    council.refresh_from_db()
    verdict = verify(list(book_lines(council)))
    assert verdict.ok and verdict.count == council.head_seq
    cached = council_state(council)
    assert replay(book_acts(council)) == cached
    council_state_forget()
    assert council_state(council) == cached


# --- founding ----------------------------------------------------------------------------

def test_founding_writes_its_acts_and_the_founders_pending_then_members(
    make_person: Callable[..., Person],
) -> None:
    ana, bo, cy = (make_person(u) for u in ("ana", "bo", "cy"))
    council = services.council_found(person=ana, slug="bakers", name="Bakers",
                                     cofounders=("bo", "cy"), charter=Charter(), at=T0)
    assert [a.kind for a in book_acts(council)] == ["council.founding_proposed",
                                                     "council.founding_confirmed"]
    assert dict(Membership.objects.values_list("person", "status")) == {
        "ana": "founding", "bo": "founding", "cy": "founding"}
    services.founding_confirm(person=bo, council_id=council.pk, at=T0)
    services.founding_confirm(person=cy, council_id=council.pk, at=T0)
    assert dict(Membership.objects.values_list("person", "status")) == {
        "ana": "member", "bo": "member", "cy": "member"}
    assert council_state(Council.objects.get(pk=council.pk)).founded
    assert_book_sound(council)


@pytest.mark.parametrize(("cofounders", "slug", "error"), [
    (("bo",), "bakers", BadCommand),           # too few founders (the charter's 3)
    (("bo", "nobody"), "bakers", services.NoSuchPerson),
    (("bo", "bo"), "bakers", BadCommand),      # a founder named twice
    (("bo", "cy"), "taken", services.CouncilIdTaken),
])
def test_a_refused_founding_writes_no_council_and_no_act(
    make_person: Callable[..., Person], cofounders: tuple[str, ...], slug: str,
    error: type[RuleError],
) -> None:
    ana = make_person("ana")
    make_person("bo")
    make_person("cy")
    Council.objects.create(slug="taken", name="Taken")
    with pytest.raises(error):
        services.council_found(person=ana, slug=slug, name="Bakers", cofounders=cofounders,
                               charter=Charter(), at=T0)
    assert Council.objects.count() == 1
    assert Act.objects.count() == 0 and Membership.objects.count() == 0


# --- the world, and each service ---------------------------------------------------------

def test_the_world_is_as_its_acts_say(world: World) -> None:
    state = council_state(world.fresh())
    assert {p: m.status for p, m in state.members.items()} == {
        "ana": "member", "bo": "member", "cy": "member", "fay": "expelled", "dan": "applicant"}
    assert dict(Membership.objects.filter(council=world.bakers)
                .values_list("person", "status")) == {p: m.status
                                                       for p, m in state.members.items()}
    assert_book_sound(world.bakers)


def test_every_service_appends_its_acts_and_projection_together(world: World) -> None:
    council = world.fresh()
    before = counts(council)
    services.applicant_sponsor(person=world["ana"], council_id=council.pk, applicant="dan")
    after = counts(council)
    assert after[0] == before[0] + 1  # member.sponsored
    services.applicant_sponsor(person=world["bo"], council_id=council.pk, applicant="dan")
    # The last sponsor opens the admission vote in the same transaction: three acts.
    assert counts(council)[0] == after[0] + 3
    kinds = [a.kind for a in book_acts(council)[-3:]]
    assert kinds == ["member.sponsored", "motion.moved", "ballot.opened"]
    assert_book_sound(council)


@pytest.mark.parametrize(("who", "call", "error"), [
    ("dan", lambda w, p, c: services.motion_move(person=p, council_id=c, kind="resolution",
                                                 text="Strike"), NotAMember),
    ("eve", lambda w, p, c: services.applicant_sponsor(person=p, council_id=c,
                                                       applicant="dan"), NotAMember),
    ("fay", lambda w, p, c: services.motion_move(person=p, council_id=c, kind="resolution",
                                                 text="x"), NotAMember),
    ("ana", lambda w, p, c: services.member_apply(person=p, council_id=c), WrongState),
    ("ana", lambda w, p, c: services.motion_move(person=p, council_id=c, kind="resolution",
                                                 text="   "), BadCommand),
    ("ana", lambda w, p, c: services.founding_confirm(person=p, council_id=c), WrongState),
    ("ana", lambda w, p, c: services.declaration_renounce(person=p, council_id=c,
                                                          declaration=1), RuleError),
])
def test_a_refused_command_writes_nothing(
    world: World, who: str, call: Callable[..., object], error: type[RuleError]
) -> None:
    council = world.fresh()
    before = (counts(council), council.head_hash)
    with pytest.raises(error):
        call(world, world[who], council.pk)
    assert (counts(council), world.fresh().head_hash) == before
    assert_book_sound(council)


def test_seconding_refusals_and_the_ballot_opening(world: World) -> None:
    c = world.fresh().pk
    n = services.motion_move(person=world["ana"], council_id=c, kind="resolution",
                             text="We join the strike")
    with pytest.raises(OwnMotion):
        services.motion_second(person=world["ana"], council_id=c, motion_id=n)
    services.motion_second(person=world["bo"], council_id=c, motion_id=n)
    with pytest.raises(WrongState):  # the ballot is open now: no more seconding
        services.motion_second(person=world["cy"], council_id=c, motion_id=n)
    assert council_state(world.fresh()).motions[n].status == "open"
    assert_book_sound(world.bakers)


def test_renouncing_a_declaration(world: World) -> None:
    c = world.fresh().pk
    services.declaration_renounce(person=world["dan"], council_id=c, declaration=1)
    assert council_state(world.fresh()).declarations[1].renounced
    with pytest.raises(WrongState):
        services.declaration_renounce(person=world["dan"], council_id=c, declaration=1)
    assert_book_sound(world.bakers)


def test_an_open_vote_is_a_named_act_and_a_second_one_is_refused(world: World) -> None:
    c = world.fresh().pk
    n = services.motion_move(person=world["ana"], council_id=c, kind="resolution", text="Strike")
    services.motion_second(person=world["bo"], council_id=c, motion_id=n)
    services.motion_vote(person=world["cy"], council_id=c, motion_id=n, choice="yes")
    assert book_acts(world.fresh())[-1].kind == "vote.cast"
    with pytest.raises(AlreadyVoted):
        services.motion_vote(person=world["cy"], council_id=c, motion_id=n, choice="no")
    with pytest.raises(RuleError, match="vote yes, no or abstain"):
        services.motion_vote(person=world["bo"], council_id=c, motion_id=n, choice="maybe")


def test_a_ballot_is_offered_exactly_when_its_rule_would_take_the_vote(world: World) -> None:
    """`may_cast`, which the motion and election pages ask before showing the ballot."""
    c, at = world.fresh().pk, T0 + 50 * DAY
    n = services.motion_move(person=world["ana"], council_id=c, kind="resolution",
                             text="Strike", at=at)
    services.motion_second(person=world["bo"], council_id=c, motion_id=n, at=at)
    state = council_state(world.fresh())
    closes = state.motion(n).closes
    assert closes is not None
    assert may_cast(state, "motion", n, "cy", False, at)
    assert not may_cast(state, "motion", n, "dan", False, at)  # an applicant
    assert not may_cast(state, "motion", n, "", False, at)  # nobody signed in
    # Past its window the ballot is not offered, though nothing has closed it yet.
    assert state.motion(n).status == "open" and not may_cast(state, "motion", n, "cy", False,
                                                             closes)
    services.motion_vote(person=world["cy"], council_id=c, motion_id=n, choice="yes", at=at)
    state = council_state(world.fresh())
    assert not may_cast(state, "motion", n, "cy", has_voted(world.fresh(), state, "motion", n,
                                                            "cy"), at)
    # A secret ballot: the roll, not the book, says who voted.
    x = services.motion_move(person=world["ana"], council_id=c, kind="expulsion", subject="cy",
                             text="Scab", at=at)
    services.motion_second(person=world["bo"], council_id=c, motion_id=x, at=at)
    state = council_state(world.fresh())
    assert state.motion(x).secret and may_cast(state, "motion", x, "bo", False, at)
    services.motion_vote(person=world["bo"], council_id=c, motion_id=x, choice="yes", at=at)
    state = council_state(world.fresh())
    voted = has_voted(world.fresh(), state, "motion", x, "bo")
    assert voted and not may_cast(state, "motion", x, "bo", voted, at)


# --- lazy close --------------------------------------------------------------------------

def test_motions_close_when_their_window_ends_and_not_before(world: World) -> None:
    c = world.fresh().pk
    at = T0 + 30 * DAY
    n = services.motion_move(person=world["ana"], council_id=c, kind="resolution", text="Strike",
                             at=at)
    services.motion_second(person=world["bo"], council_id=c, motion_id=n, at=at)
    for who in ("ana", "bo", "cy"):
        services.motion_vote(person=world[who], council_id=c, motion_id=n, choice="yes", at=at)
    assert services.motions_close_due(council_id=c, now=at + 7 * DAY - timedelta(seconds=1)) == []
    assert council_state(world.fresh()).motions[n].status == "open"
    # Any service for the council closes what is due first.
    services.applicant_sponsor(person=world["ana"], council_id=c, applicant="dan",
                               at=at + 7 * DAY)
    m = council_state(world.fresh()).motions[n]
    assert (m.status, m.counts) == ("carried", (3, 0, 0))
    assert_book_sound(world.bakers)


# --- secret ballots ----------------------------------------------------------------------

def test_the_box_has_no_person_no_time_and_a_random_key() -> None:
    names = {f.name for f in BallotBoxEntry._meta.get_fields()}
    assert names == {"id", "council", "of", "ballot", "content"}
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField", "TimeField")
                   for f in BallotBoxEntry._meta.get_fields() if hasattr(f, "get_internal_type"))
    pk = BallotBoxEntry._meta.pk
    assert pk is not None and pk.get_internal_type() == "CharField"
    assert {VoterRollField.name for VoterRollField in VoterRoll._meta.get_fields()} == {
        "id", "council", "of", "ballot", "person"}


def _secret_motion(world: World) -> int:
    c = world.fresh().pk
    # A party legalization is secret by default; found no party: use an expulsion of dan.
    n = services.motion_move(person=world["ana"], council_id=c, kind="expulsion", subject="dan",
                             text="Manager")
    services.motion_second(person=world["bo"], council_id=c, motion_id=n)
    return int(n)


def test_a_secret_vote_writes_one_roll_row_and_one_box_row_and_no_act(world: World) -> None:
    n = _secret_motion(world)
    council = world.fresh()
    acts_before = council.head_seq
    services.motion_vote(person=world["cy"], council_id=council.pk, motion_id=n, choice="no")
    assert world.fresh().head_seq == acts_before
    roll = VoterRoll.objects.filter(council=council, ballot=n)
    box = BallotBoxEntry.objects.filter(council=council, ballot=n)
    assert list(roll.values_list("person", flat=True)) == ["cy"]
    assert [orjson.loads(b.content) for b in box] == ["no"]
    assert len(box.get().id) == 32 and box.get().id != "1"
    with pytest.raises(AlreadyVoted):
        services.motion_vote(person=world["cy"], council_id=council.pk, motion_id=n,
                             choice="yes")
    assert (roll.count(), box.count()) == (1, 1)


def test_the_roll_is_unique_in_the_database_itself(world: World) -> None:
    council = world.fresh()
    VoterRoll.objects.create(council=council, of="motion", ballot=9, person="cy")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterRoll.objects.create(council=council, of="motion", ballot=9, person="cy")


def test_the_close_seals_the_box_into_the_book(world: World) -> None:
    n = _secret_motion(world)
    c = world.fresh().pk
    for who, choice in (("ana", "yes"), ("bo", "yes"), ("cy", "abstain")):
        services.motion_vote(person=world[who], council_id=c, motion_id=n, choice=choice)
    closes = council_state(world.fresh()).motions[n].closes
    assert closes is not None
    assert services.motions_close_due(council_id=c, now=closes) == [n]
    council = world.fresh()
    assert not BallotBoxEntry.objects.filter(council=council, ballot=n).exists()
    rows = list(SealedBallot.objects.filter(council=council, ballot=n).order_by("position"))
    assert [r.position for r in rows] == [0, 1, 2]
    sealed = [a for a in book_acts(council) if isinstance(a, BallotSealed) and a.ballot == n]
    assert len(sealed) == 1
    assert sealed[0].root == merkle_root([bytes(r.content) for r in rows])
    assert sealed[0].voters == 3
    assert sorted(orjson.loads(bytes(r.content))["vote"] for r in rows) == ["abstain", "yes",
                                                                             "yes"]
    m = council_state(council).motions[n]
    assert (m.status, m.counts) == ("carried", (2, 0, 1))
    assert Membership.objects.get(council=council, person="dan").status == "expelled"
    assert_book_sound(council)


def test_the_cache_catches_up_and_survives_a_rolled_back_append(world: World) -> None:
    council = world.fresh()
    state = council_state(council)
    # A transaction that appends and then fails leaves a cache entry for a head that is gone.
    with pytest.raises(RuntimeError), transaction.atomic():
        services._commit(council_lock(council.pk),
                         membership.sponsor(state, applicant="dan", by="ana",
                                                     at=timezone.now()))
        raise RuntimeError
    council = world.fresh()
    assert council_state(council) == state
    assert replay(book_acts(council)) == council_state(council)


# --- elections (services only; their pages come next) -------------------------------------

def test_a_secret_election_fills_the_office_and_seals_its_box(world: World) -> None:
    state = council_state(world.fresh())
    office = state.offices[1]
    assert (office.name, sorted(office.mandates)) == ("Chair", ["bo"])
    election = next(iter(state.elections))
    assert not BallotBoxEntry.objects.filter(council=world.bakers, of="election").exists()
    rows = list(SealedBallot.objects.filter(council=world.bakers, of="election",
                                            ballot=election).order_by("position"))
    assert [orjson.loads(bytes(r.content))["vote"] for r in rows] == [["bo"], ["bo"]]
    sealed = [a for a in book_acts(world.bakers)
              if isinstance(a, BallotSealed) and a.of == "election"]
    assert sealed[0].root == merkle_root([bytes(r.content) for r in rows])
    assert VoterRoll.objects.filter(council=world.bakers, of="election").count() == 2
    assert_book_sound(world.bakers)


def test_objection_periods_end_in_admission_lazily(make_person: Callable[..., Person]) -> None:
    ana, bo, cy, dan = (make_person(u) for u in ("ana", "bo", "cy", "dan"))
    charter = Charter(admission="sponsors_then_objection_period", objection_days=7)
    council = services.council_found(person=ana, slug="quiet", name="Quiet",
                                     cofounders=("bo", "cy"), charter=charter, at=T0)
    for who in (bo, cy):
        services.founding_confirm(person=who, council_id=council.pk, at=T0)
    services.member_apply(person=dan, council_id=council.pk, at=T0 + DAY)
    for who in (ana, bo):
        services.applicant_sponsor(person=who, council_id=council.pk, applicant="dan",
                                   at=T0 + DAY)
    services.motions_close_due(council_id=council.pk, now=T0 + 8 * DAY - timedelta(seconds=1))
    assert Membership.objects.get(council=council, person="dan").status == "applicant"
    services.motions_close_due(council_id=council.pk, now=T0 + 8 * DAY)
    assert Membership.objects.get(council=council, person="dan").status == "member"
    assert_book_sound(council)


# --- parties, petitions, actions ---------------------------------------------------------

def test_a_party_is_founded_proposed_and_made_legal_only_by_vote(world: World) -> None:
    c = world.fresh().pk
    number = services.party_found(person=world["cy"], council_id=c, name="Left bakers",
                                  platform="Bread and roses")
    services.party_join(person=world["ana"], council_id=c, party_id=number)
    assert council_state(world.fresh()).parties[number].status == "proposed"
    n = services.motion_move(person=world["cy"], council_id=c, kind="party_legalization",
                             ref=number)
    services.motion_second(person=world["ana"], council_id=c, motion_id=n)
    for who in ("ana", "bo", "cy"):
        services.motion_vote(person=world[who], council_id=c, motion_id=n, choice="yes")
    closes = council_state(world.fresh()).motions[n].closes
    assert closes is not None
    services.motions_close_due(council_id=c, now=closes)
    assert council_state(world.fresh()).parties[number].status == "legal"
    assert_book_sound(world.bakers)


def test_a_recall_petition_reaching_its_threshold_opens_the_recall_vote(world: World) -> None:
    c = world.fresh().pk
    # Three members; the default recall threshold is a quarter: one signature reaches it.
    number = services.petition_open(person=world["cy"], council_id=c, office=1, holder="bo")
    state = council_state(world.fresh())
    p = state.petitions[number]
    assert p.status == "reached" and p.motion is not None
    assert state.motions[p.motion].kind == "recall" and state.motions[p.motion].status == "open"
    with pytest.raises(WrongState):
        services.petition_sign(person=world["ana"], council_id=c, petition_id=number)
    assert_book_sound(world.bakers)


def test_attendance_is_recorded_and_confirmed_by_another_member(world: World) -> None:
    c = world.fresh().pk
    number = services.action_record(person=world["ana"], council_id=c, title="Picket, gate 2")
    services.attendance_record(person=world["dan"], council_id=c, action_id=number)
    with pytest.raises(RuleError, match="own attendance"):
        services.attendance_confirm(person=world["ana"], council_id=c, action_id=number,
                                    attendee="ana")
    services.attendance_confirm(person=world["ana"], council_id=c, action_id=number,
                                attendee="dan")
    assert "dan" in council_state(world.fresh()).actions[number].confirmed
    assert_book_sound(world.bakers)


def test_a_charter_amendment_form_keeps_the_quorum_unless_one_is_chosen() -> None:
    from sovet.core.charter import Charter
    from sovet.web.councils.forms import MotionForm

    form = MotionForm(data={"kind": "charter_amendment", "text": "Longer votes.",
                            "voting_days": "10", "quorum": ""})
    assert '<option value="" selected>' in str(form["quorum"])
    assert form.is_valid(), form.errors
    base = Charter(quorum=(1, 2))
    amended = form.charter(base)
    assert amended.quorum == (1, 2)
