"""The world the browser journeys start from, seeded by the site's process at past times.

Five people who log in with `PASSWORD` (vera, oleg, nina, pyotr, zoya) and, for each screen
the journeys run on, one council per journey, founded through the services (so the book, the
state cache and the tables agree), under the default charter (`COUNCILS` names them):

- `admit-phone`, `motion-phone`, `motion-desktop`, `party-phone`: founded by vera, oleg and
  nina;
- `recall-phone`: founded by all five, who elected zoya Treasurer (office 1) by a secret
  ballot; the charter's recall threshold (a quarter of 5 members) needs 2 signatures.

Every ballot of the set-up closed long before the real clock's now, so each journey opens its
own vote at the site's now and ends it by moving the site's clock (tests/browser/site_clock.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Django is set up only in the site's process, which calls `seed`
    from sovet.web.accounts.models import Person
    from sovet.web.books.models import Council

PASSWORD = "thimble-quarry-7-heron"
PEOPLE = ("vera", "oleg", "nina", "pyotr", "zoya")
FOUNDERS = PEOPLE[:3]
# (journey, screen): every journey runs on the phone; the motion's also on a desktop screen.
COUNCILS = (("admit", "phone"), ("motion", "phone"), ("motion", "desktop"), ("party", "phone"),
            ("recall", "phone"))
OFFICE = "Treasurer"
HOLDER = "zoya"
DAY = timedelta(days=1)


def slug(journey: str, screen: str) -> str:
    """The council a journey uses on a screen."""
    return f"{journey}-{screen}"


def name(journey: str, screen: str) -> str:
    """That council's name."""
    return f"{journey.title()} council ({screen})"


def seed() -> None:
    """Create the people and every journey's council (about 1 s, most of it Argon2)."""
    from django.utils import timezone

    from sovet.core.charter import Charter
    from sovet.web.accounts.models import Person
    from sovet.web.councils import services

    people = {u: Person.objects.create_user(u, PASSWORD, display_name=u.title())
              for u in PEOPLE}
    t0 = timezone.now() - 120 * DAY
    for journey, screen in COUNCILS:
        founders = PEOPLE if journey == "recall" else FOUNDERS
        council = services.council_found(
            person=people[founders[0]], slug=slug(journey, screen),
            name=name(journey, screen), cofounders=founders[1:], charter=Charter(), at=t0)
        for i, who in enumerate(founders[1:], 1):
            services.founding_confirm(person=people[who], council_id=council.pk,
                                      at=t0 + i * timedelta(minutes=5))
        if journey == "recall":
            _elect_treasurer(council, people, t0 + DAY)


def _elect_treasurer(council: Council, people: dict[str, Person], at: datetime) -> None:
    """Call an election for a Treasurer and elect zoya, as members would, days apart."""
    from sovet.web.councils import services

    pk = council.pk
    call = services.motion_move(person=people["vera"], council_id=pk, kind="election_call",
                                subject=OFFICE, seats=1, method="irv", role="officer", at=at)
    services.motion_second(person=people["oleg"], council_id=pk, motion_id=call, at=at)
    for who in ("vera", "oleg", "nina"):
        services.motion_vote(person=people[who], council_id=pk, motion_id=call, choice="yes",
                             at=at + DAY)
    services.motions_close_due(council_id=pk, now=at + 8 * DAY)  # nominations open
    services.election_nominate(person=people[HOLDER], council_id=pk, election_id=call,
                               at=at + 9 * DAY)
    for who in ("vera", "oleg", "nina"):  # voting opens when nominations close
        services.election_rank(person=people[who], council_id=pk, election_id=call,
                               ranking=(HOLDER,), at=at + 16 * DAY)
    services.motions_close_due(council_id=pk, now=at + 30 * DAY)
