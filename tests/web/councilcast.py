"""The council tests' world, built through the services themselves at fixed past times.

`bakers` is founded by ana, bo and cy at T0 under the default charter; fay is admitted by a
secret vote and later expelled by another; dan is an applicant. `tanners` is another council
(eve, gus, hal). bo is elected chair (office 1) by a secret ballot. Every ballot of the set-up
closed long before the real clock's now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from webcast import T0

from sovet.core.charter import Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state

DAY = timedelta(days=1)


@dataclass
class World:
    """The cast and the two councils."""

    people: dict[str, Person]
    bakers: Council
    tanners: Council

    def __getitem__(self, username: str) -> Person:
        return self.people[username]

    def fresh(self) -> Council:
        """The bakers' council row as it is now."""
        self.bakers.refresh_from_db()
        return self.bakers


def found(people: dict[str, Person], slug: str, by: str, co: tuple[str, str]) -> Council:
    """Found a council through the services: propose, then both co-founders confirm."""
    council: Council = services.council_found(person=people[by], slug=slug, name=slug.title(),
                                     cofounders=co, charter=Charter(), at=T0)
    for i, who in enumerate(co, 1):
        services.founding_confirm(person=people[who], council_id=council.pk,
                                  at=T0 + i * timedelta(hours=1))
    council.refresh_from_db()
    return council


def secret_vote_all(council: Council, motion: int, voters: dict[str, str], at_day: int,
                    people: dict[str, Person]) -> None:
    """Cast each voter's choice on a secret ballot at T0 + `at_day` days."""
    for who, choice in voters.items():
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=motion,
                             choice=choice, at=T0 + at_day * DAY)


def build(make_person: object) -> World:
    """The whole world (about 20 service calls)."""
    make = make_person  # a factory fixture: make(username) -> Person
    people = {u: make(u, u.title()) for u in  # type: ignore[operator]
              ("ana", "bo", "cy", "dan", "eve", "fay", "gus", "hal")}
    bakers = found(people, "bakers", "ana", ("bo", "cy"))
    tanners = found(people, "tanners", "eve", ("gus", "hal"))
    # fay applies, is sponsored by ana and bo: the admission vote opens (secret by default).
    services.member_apply(person=people["fay"], council_id=bakers.pk, at=T0 + DAY)
    for who in ("ana", "bo"):
        services.applicant_sponsor(person=people[who], council_id=bakers.pk, applicant="fay",
                                   at=T0 + 2 * DAY)
    bakers.refresh_from_db()
    admission = council_state(bakers).members["fay"].motion
    assert admission is not None
    secret_vote_all(bakers, admission, {"ana": "yes", "bo": "yes", "cy": "yes"}, 3, people)
    services.motions_close_due(council_id=bakers.pk, now=T0 + 10 * DAY)
    # Then the members expel her (a secret ballot too).
    expulsion = services.motion_move(person=people["ana"], council_id=bakers.pk,
                                     kind="expulsion", subject="fay", text="Broke the strike",
                                     at=T0 + 11 * DAY)
    services.motion_second(person=people["bo"], council_id=bakers.pk, motion_id=expulsion,
                           at=T0 + 11 * DAY)
    secret_vote_all(bakers, expulsion, {"ana": "yes", "bo": "yes", "cy": "no"}, 12, people)
    services.motions_close_due(council_id=bakers.pk, now=T0 + 20 * DAY)
    # dan applies, declaring that he manages the bakery's night shift.
    services.member_apply(person=people["dan"], council_id=bakers.pk, at=T0 + 21 * DAY,
                          declarations=(("manages", "Riverside bakery", "2022",
                                         "Night-shift manager"),))
    # The members call an election for a chair (an open vote), and elect bo by secret ballot.
    call = services.motion_move(person=people["ana"], council_id=bakers.pk, kind="election_call",
                                subject="Chair", seats=1, method="irv", role="officer",
                                at=T0 + 22 * DAY)
    services.motion_second(person=people["cy"], council_id=bakers.pk, motion_id=call,
                           at=T0 + 22 * DAY)
    for who in ("ana", "bo", "cy"):
        services.motion_vote(person=people[who], council_id=bakers.pk, motion_id=call,
                             choice="yes", at=T0 + 23 * DAY)
    services.motions_close_due(council_id=bakers.pk, now=T0 + 29 * DAY)  # nominations open
    services.election_nominate(person=people["bo"], council_id=bakers.pk, election_id=call,
                               at=T0 + 30 * DAY)
    for who in ("ana", "cy"):  # voting opens when nominations close (7 days later)
        services.election_rank(person=people[who], council_id=bakers.pk, election_id=call,
                               ranking=("bo",), at=T0 + 37 * DAY)
    services.motions_close_due(council_id=bakers.pk, now=T0 + 44 * DAY)
    bakers.refresh_from_db()
    return World(people, bakers, tanners)


def carry(council: Council, people: dict[str, Person], number: int, voters: tuple[str, ...],
          seconder: str, day: float, *, close_after: int = 20) -> None:
    """Second a motion at T0 + `day` days, have every voter vote yes an hour later, and close
    it `close_after` days later."""
    at = T0 + day * DAY
    services.motion_second(person=people[seconder], council_id=council.pk, motion_id=number,
                           at=at)
    for who in voters:
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=number,
                             choice="yes", at=at + timedelta(hours=1))
    services.motions_close_due(council_id=council.pk, now=at + close_after * DAY)


# Federation: the tanners affiliate to the bakers and send them a delegate.


def tanners_ask_bakers(world: World) -> None:
    """The tanners ask, by a carried motion, to affiliate to the bakers (days 60–68)."""
    tanners = world.tanners
    ask = services.motion_move(person=world["eve"], council_id=tanners.pk,
                               kind="affiliation_request", subject="bakers", at=T0 + 60 * DAY)
    carry(tanners, world.people, ask, ("eve", "gus", "hal"), "gus", 60, close_after=8)


def bakers_accept_tanners(world: World) -> None:
    """The bakers accept the tanners by a carried affiliation motion (days 61–69)."""
    bakers = world.fresh()
    accept = services.motion_move(person=world["ana"], council_id=bakers.pk, kind="affiliation",
                                  subject="tanners", text="Welcome", at=T0 + 61 * DAY)
    carry(bakers, world.people, accept, ("ana", "bo", "cy"), "bo", 61, close_after=8)


def tanners_elect_delegate(world: World, who: str = "hal") -> None:
    """The tanners elect `who` their delegate (days 70–85)."""
    tanners, p = world.tanners, world.people
    call = services.motion_move(person=p["eve"], council_id=tanners.pk, kind="election_call",
                                subject="Delegate", seats=1, method="irv", role="delegate",
                                at=T0 + 70 * DAY)
    # Nominations from day 77.
    carry(tanners, p, call, ("eve", "gus", "hal"), "gus", 70, close_after=8)
    services.election_nominate(person=p[who], council_id=tanners.pk, election_id=call,
                               at=T0 + 78 * DAY)
    for voter in ("eve", "gus", "hal"):  # voting opens when nominations close, day 84
        services.election_rank(person=p[voter], council_id=tanners.pk, election_id=call,
                               ranking=(who,), at=T0 + 85 * DAY)
    services.motions_close_due(council_id=tanners.pk, now=T0 + 95 * DAY)


def tanners_send_delegate(world: World, who: str = "hal") -> None:
    """The tanners affiliate to the bakers (each side by motion) and elect `who` their
    delegate (days 60–95)."""
    tanners_ask_bakers(world)
    bakers_accept_tanners(world)
    tanners_elect_delegate(world, who)
