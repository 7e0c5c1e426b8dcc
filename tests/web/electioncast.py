"""An election world built through the services, at times relative to a given `now`.

`printers` is founded by ana, bo, cy, dan and eve (the charter publishes a sealed list from 3
voters); the party Night shift (ana, bo) is made legal by a secret vote; fay's Day shift (cy)
stays proposed. `call_election` then calls an election whose phase at `now` is asked for:
nominations open, or voting open with candidates standing. Used by the web tests and, as a
script, by the browser journey to seed the site's SQLite file (`python electioncast.py DATA
seed|close` through
`main`, after Django is set up).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sovet.core.charter import Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state

DAY = timedelta(days=1)
MEMBERS = ("ana", "bo", "cy", "dan", "eve")
CHARTER = Charter(min_published_voters=3)


def found_printers(people: dict[str, Person], now: datetime, slug: str = "printers",
                   charter: Charter = CHARTER) -> Council:
    """Found the council with five founders at `now` - 60 days; legalize Night shift."""
    start = now - 60 * DAY
    council: Council = services.council_found(
        person=people["ana"], slug=slug, name=slug.title(), cofounders=MEMBERS[1:],
        charter=charter, at=start)
    for who in MEMBERS[1:]:
        services.founding_confirm(person=people[who], council_id=council.pk, at=start)
    night = services.party_found(person=people["ana"], council_id=council.pk,
                                 name="Night shift", platform="No unpaid overtime",
                                 at=start + DAY)
    services.party_join(person=people["bo"], council_id=council.pk, party_id=night,
                        at=start + DAY)
    services.party_found(person=people["cy"], council_id=council.pk, name="Day shift",
                         platform="Daylight for all", at=start + DAY)
    motion = services.motion_move(person=people["ana"], council_id=council.pk,
                                  kind="party_legalization", ref=night, at=start + 2 * DAY)
    services.motion_second(person=people["bo"], council_id=council.pk, motion_id=motion,
                           at=start + 2 * DAY)
    for who in MEMBERS:
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=motion,
                             choice="yes", at=start + 3 * DAY)
    services.motions_close_due(council_id=council.pk, now=start + 10 * DAY)
    council.refresh_from_db()
    return council


def call_election(people: dict[str, Person], council: Council, *, called_at: datetime,
                  office: str = "Strike committee", seats: int = 2,
                  method: str = "stv_scottish") -> int:
    """Move, second and carry an election call; the call is decided at `called_at`, when
    nominations open (for the charter's nomination_days). Returns the election's number."""
    moved = called_at - 8 * DAY
    number = int(services.motion_move(person=people["ana"], council_id=council.pk,
                                      kind="election_call", subject=office, seats=seats,
                                      method=method, role="officer", at=moved))
    services.motion_second(person=people["bo"], council_id=council.pk, motion_id=number,
                           at=moved)
    for who in MEMBERS:
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=number,
                             choice="yes", at=moved + DAY)
    services.motions_close_due(council_id=council.pk, now=called_at)
    council.refresh_from_db()
    assert number in council_state(council).elections, "the election call did not carry"
    return number


def stand(people: dict[str, Person], council: Council, number: int, at: datetime,
          who: tuple[str, ...] = ("cy", "dan", "eve")) -> None:
    """Members stand themselves, and Night shift stands its slate (ana, bo)."""
    for person in who:
        services.election_nominate(person=people[person], council_id=council.pk,
                                   election_id=number, at=at)
    night = next(n for n, p in council_state(council).parties.items() if p.name == "Night shift")
    services.election_slate(person=people["ana"], council_id=council.pk, election_id=number,
                            party_id=night, candidates=("ana", "bo"), at=at)


PASSWORD = "ink-press-42-lantern"


def _seed(now: datetime, window: int) -> None:
    """The browser journey's world: an election whose nominations close `window` seconds
    after `now`; prints its council and number."""
    people = {}
    for who in (*MEMBERS, "fay"):
        people[who] = Person.objects.create_user(who, PASSWORD, display_name=who.title())
    council = found_printers(people, now)
    number = call_election(people, council, called_at=now - 7 * DAY + timedelta(seconds=window))
    print(council.slug, number, flush=True)


def _close(slug: str, number: int, now: datetime) -> None:
    """Close what is due a day after the election's voting ends (time moves on)."""
    council = Council.objects.get(slug=slug)
    closes = council_state(council).election(number).closes
    services.motions_close_due(council_id=council.pk, now=max(now, closes + DAY))



def main(argv: list[str]) -> None:
    """`seed WINDOW` or `close SLUG NUMBER` (Django set up by the caller)."""
    from django.utils import timezone

    if argv[0] == "seed":
        _seed(timezone.now(), int(argv[1]))
    else:
        _close(argv[1], int(argv[2]), timezone.now())
