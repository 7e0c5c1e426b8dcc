"""The demo site: a district council and three workplace councils, seeded through the services.

`seed(now=...)` builds the whole demo in the configured database the way people would have
built it over the two months before `now`: every council founded by its founders, applicants
admitted by their members' secret votes, a foreman refused, a shift manager who renounced the
post admitted, parties legalized by secret ballot, a strike committee elected by Scottish STV,
delegates elected in each workplace and seated in the district council by reference to the
act that elected them, and, still under way at `now`, an open motion, an election whose
voting is open, and a recall petition half-way to its threshold.

Nothing is written to a table directly: every act goes through `sovet.web.councils.services`,
so the books verify and the pages show what a real council's would. Persons are made with the
accounts' manager; they share one demo password, hashed once (a demo, not a secret).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from sovet.core.charter import Charter, at_least
from sovet.core.council import CouncilState
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state

DEMO_PASSWORD = "sovet-demo"
"""Every demo person's password (printed by `sovet demo`: it is a demo)."""

DAY = timedelta(days=1)

DISTRICT = "riverside-district"
BAKERY = "riverside-bakery"
DEPOT = "tram-depot"
HOSPITAL = "st-agnes-hospital"

# (username, display name), council by council: founders first.
_DISTRICT_FOUNDERS = (("amara", "Amara Okafor"), ("boris", "Boris Lind"),
                      ("chen", "Chen Wei"), ("dolores", "Dolores Ibarra"))
_BAKERY_FOUNDERS = (("ana", "Ana Ruiz"), ("bo", "Bo Svensson"), ("cyrus", "Cyrus Hale"),
                    ("dara", "Dara Nolan"), ("emil", "Emil Novak"), ("fatima", "Fatima Haddad"),
                    ("gus", "Gus Moreno"), ("hana", "Hana Sato"))
_BAKERY_APPLICANTS = (("ivo", "Ivo Petrov"), ("jade", "Jade Kim"), ("kofi", "Kofi Mensah"),
                      ("lena", "Lena Vogel"), ("milo", "Milo Grant"), ("nadia", "Nadia Rahman"),
                      ("oscar", "Oscar Reyes"), ("pia", "Pia Larsen"), ("quinn", "Quinn Byrne"),
                      ("rosa", "Rosa López"), ("stan", "Stan Kowalski"),
                      ("tilde", "Tilde Berg"))
_DEPOT_FOUNDERS = (("ulla", "Ulla Dahl"), ("victor", "Victor Alves"), ("wen", "Wen Li"),
                   ("xavier", "Xavier Dupont"), ("yara", "Yara Costa"),
                   ("zeno", "Zeno Marchetti"))
_DEPOT_APPLICANTS = (("abdul", "Abdul Karim"), ("beth", "Beth Collins"),
                     ("carlos", "Carlos Vega"), ("dmitri", "Dmitri Orlov"),
                     ("elif", "Elif Demir"), ("farid", "Farid Nasser"), ("greta", "Greta Holm"),
                     ("hugo", "Hugo Brandt"), ("ines", "Inês Tavares"),
                     ("jonas", "Jonas Weber"), ("keiko", "Keiko Tanaka"),
                     ("lars", "Lars Eriksen"))
_HOSPITAL_FOUNDERS = (("maya", "Maya Cohen"), ("nell", "Nell Price"), ("omar", "Omar Farouk"),
                      ("priya", "Priya Nair"), ("rafael", "Rafael Souza"),
                      ("sara", "Sara Lindqvist"))
_HOSPITAL_APPLICANTS = (("tomas", "Tomás Ortega"), ("una", "Una Walsh"),
                        ("vera", "Vera Sokolova"), ("will", "Will Turner"),
                        ("ximena", "Ximena Ruiz"), ("yusuf", "Yusuf Aydın"),
                        ("zoe", "Zoe Martin"), ("aiko", "Aiko Mori"), ("bram", "Bram de Vries"),
                        ("celia", "Celia Romero"), ("dev", "Dev Patel"),
                        ("edda", "Edda Jónsdóttir"))

FOREMAN = "stan"
SHIFT_MANAGER = "tilde"


@dataclass
class Demo:
    """What `seed` built: the councils by slug, and facts worth printing or testing."""

    councils: dict[str, Council]
    people: dict[str, Person]
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, who they are)
    committee: tuple[str, ...] = ()
    delegates: dict[str, str] = field(default_factory=dict)  # child slug -> delegate


class _Seeder:
    """Calls the services at times counted in days from the demo's start."""

    def __init__(self, now: datetime, seed: int) -> None:
        self.start = (now - 75 * DAY).replace(hour=9, minute=0, second=0, microsecond=0)
        self.now = now
        self.lot = random.Random(seed)
        self.people: dict[str, Person] = {}
        self.councils: dict[str, Council] = {}
        self.delegate_of: dict[str, str] = {}  # child slug -> its elected delegate
        self.delegate_call: dict[str, int] = {}
        self.affiliation_request: dict[str, int] = {}

    def at(self, day: float) -> datetime:
        """The time `day` days after the start (days may be fractions)."""
        return self.start + day * DAY

    def ago(self, days: float) -> datetime:
        """The time `days` days before now."""
        return self.now - days * DAY

    def pk(self, slug: str) -> int:
        return self.councils[slug].pk

    def state(self, slug: str) -> CouncilState:
        council = Council.objects.get(pk=self.pk(slug))
        return council_state(council)

    def p(self, username: str) -> Person:
        return self.people[username]

    # --- the steps every council takes -----------------------------------------------
    def found(self, slug: str, name: str, founders: tuple[tuple[str, str], ...],
              charter: Charter, day: float) -> None:
        first, *others = (u for u, _ in founders)
        council = services.council_found(person=self.p(first), slug=slug, name=name,
                                         cofounders=others, charter=charter, at=self.at(day))
        self.councils[slug] = council
        for i, who in enumerate(others, 1):
            services.founding_confirm(person=self.p(who), council_id=council.pk,
                                      at=self.at(day) + i * timedelta(minutes=10))

    def secret_votes(self, slug: str, motion: int, choices: dict[str, str],
                     when: datetime) -> None:
        for i, (who, choice) in enumerate(choices.items()):
            services.motion_vote(person=self.p(who), council_id=self.pk(slug), motion_id=motion,
                                 choice=choice, at=when + i * timedelta(minutes=7))

    def open_votes(self, slug: str, motion: int, voters: list[str], when: datetime,
                   no: tuple[str, ...] = ()) -> None:
        for i, who in enumerate(voters):
            services.motion_vote(person=self.p(who), council_id=self.pk(slug), motion_id=motion,
                                 choice="no" if who in no else "yes",
                                 at=when + i * timedelta(minutes=5))

    def move(self, slug: str, by: str, second: str, when: datetime, **motion: object) -> int:
        """Move a motion and second it (its ballot opens); return its number."""
        number = services.motion_move(person=self.p(by), council_id=self.pk(slug),
                                      at=when, **motion)
        services.motion_second(person=self.p(second), council_id=self.pk(slug),
                               motion_id=number, at=when + timedelta(minutes=30))
        return number

    def close_due(self, slug: str, when: datetime) -> None:
        services.motions_close_due(council_id=self.pk(slug), now=when)

    def members(self, slug: str) -> list[str]:
        st = self.state(slug)
        return sorted(p for p in st.members if st.is_member(p) and p not in st.delegates)

    def admit(self, slug: str, applicants: tuple[tuple[str, str], ...],
              sponsors: tuple[str, str], voters: list[str], day: float,
              declarations: dict[str, tuple[tuple[str, str, str, str], ...]],
              refuse: tuple[str, ...] = ()) -> None:
        """Applicants apply (some declaring positions), are sponsored; members vote them in
        by secret ballot (or refuse them) unless the charter admits after an objection
        period; the ballots close a week later."""
        for i, (who, _) in enumerate(applicants):
            services.member_apply(person=self.p(who), council_id=self.pk(slug),
                                  declarations=declarations.get(who, ()),
                                  at=self.at(day) + i * timedelta(minutes=13))
        if SHIFT_MANAGER in dict(applicants):
            # The shift manager renounces the post before the members consider her.
            st = self.state(slug)
            number = next(n for n, d in st.declarations.items() if d.person == SHIFT_MANAGER)
            services.declaration_renounce(person=self.p(SHIFT_MANAGER), council_id=self.pk(slug),
                                          declaration=number, at=self.at(day + 0.5))
        for i, (who, _) in enumerate(applicants):
            for j, sponsor in enumerate(sponsors):
                services.applicant_sponsor(person=self.p(sponsor), council_id=self.pk(slug),
                                           applicant=who,
                                           at=self.at(day + 1) + (2 * i + j) * timedelta(
                                               minutes=11))
        st = self.state(slug)
        for n, (who, _) in enumerate(applicants):
            motion = st.members[who].motion
            if motion is None:
                continue  # an objection period runs instead of a vote
            choices = {v: "yes" for v in voters}
            if who in refuse:
                choices = {v: ("yes" if k < 2 else "no") for k, v in enumerate(voters)}
            elif self.lot.random() < 0.4:
                choices[voters[-1]] = self.lot.choice(("no", "abstain"))
            self.secret_votes(slug, motion, choices, self.at(day + 2) + n * timedelta(hours=1))

    # Federation, in four steps so that a council's own business can run between them.
    def federate_1(self, slug: str, day: float, by: str, second: str) -> None:
        """Ask by motion to affiliate to the district, and call an election of a delegate."""
        self.affiliation_request[slug] = request = self.move(
            slug, by, second, self.at(day), kind="affiliation_request", subject=DISTRICT,
            text="We ask to affiliate to the Riverside District Council.")
        self.delegate_call[slug] = call = self.move(
            slug, second, by, self.at(day) + timedelta(hours=1), kind="election_call",
            subject="Delegate to the district council", seats=1, method="irv", role="delegate")
        voters = self.members(slug)
        self.open_votes(slug, request, voters[: len(voters) * 2 // 3], self.at(day + 1))
        self.open_votes(slug, call, voters[: len(voters) * 2 // 3], self.at(day + 1.1))

    def federate_2(self, slug: str, day: float, candidates: tuple[str, str]) -> None:
        """Both motions carried (closed on `day`); the candidates stand."""
        self.close_due(slug, self.at(day + 7.2))
        for i, who in enumerate(candidates):
            services.election_nominate(person=self.p(who), council_id=self.pk(slug),
                                       election_id=self.delegate_call[slug],
                                       at=self.at(day + 8) + i * DAY / 24)

    def federate_3(self, slug: str, day: float, candidates: tuple[str, str]) -> None:
        """The members rank the candidates."""
        self.rank_all(slug, self.delegate_call[slug], list(candidates), self.at(day + 15))

    def federate_4(self, slug: str, day: float) -> None:
        """The delegate election is counted."""
        self.close_due(slug, self.at(day + 22.3))
        elected = self.state(slug).elections[self.delegate_call[slug]].elected
        if elected:
            self.delegate_of[slug] = elected[0]

    def federate(self, slug: str, day: float, by: str, second: str,
                 candidates: tuple[str, str]) -> None:
        """All four steps, for a council with nothing else under way meanwhile."""
        self.federate_1(slug, day, by, second)
        self.federate_2(slug, day, candidates)
        self.federate_3(slug, day, candidates)
        self.federate_4(slug, day)

    def rank_all(self, slug: str, election: int, candidates: list[str], when: datetime,
                 share: float = 0.9) -> None:
        """Most members rank some of the candidates, in varied orders (secret ballots)."""
        voters = self.members(slug)
        voters = voters[: max(1, round(len(voters) * share))]
        for i, who in enumerate(voters):
            order = list(candidates)
            self.lot.shuffle(order)
            services.election_rank(person=self.p(who), council_id=self.pk(slug),
                                   election_id=election,
                                   ranking=order[: self.lot.randint(1, len(order))],
                                   at=when + i * timedelta(minutes=9))


def _make_people(groups: tuple[tuple[tuple[str, str], ...], ...]) -> dict[str, Person]:
    """Every demo person, with the one demo password hashed once (hashing is slow on purpose,
    and sixty Argon2 hashes would be most of the seeding's time)."""
    hashed = make_password(DEMO_PASSWORD)
    people = {}
    for group in groups:
        for username, name in group:
            person = Person.objects.create_user(username, None, display_name=name)
            person.password = hashed
            person.save(update_fields=["password"])
            people[username] = person
    return people


def seed(*, now: datetime, orders: int = 1917) -> Demo:
    """Build the demo in the configured (empty, migrated) database, at times before `now`.

    `orders` seeds the voters' rankings and the odd dissenting vote; everything else is fixed
    but the seals' and lots' seeds, which the services draw as they would in a real council.
    """
    s = _Seeder(now, orders)
    with transaction.atomic():
        s.people = _make_people((_DISTRICT_FOUNDERS, _BAKERY_FOUNDERS, _BAKERY_APPLICANTS,
                                 _DEPOT_FOUNDERS, _DEPOT_APPLICANTS, _HOSPITAL_FOUNDERS,
                                 _HOSPITAL_APPLICANTS))

    # Day 0: four councils founded. The bakery publishes sealed ballot lists from 10 voters,
    # the hospital admits after an objection period.
    s.found(DISTRICT, "Riverside District Council", _DISTRICT_FOUNDERS, Charter(), 0)
    s.found(BAKERY, "Riverside Bakery Workers' Council", _BAKERY_FOUNDERS,
            Charter(min_published_voters=10), 0.1)
    s.found(DEPOT, "Tram Depot Council", _DEPOT_FOUNDERS, Charter(), 0.2)
    s.found(HOSPITAL, "St Agnes Hospital Council", _HOSPITAL_FOUNDERS,
            Charter(admission="sponsors_then_objection_period", objection_days=5), 0.3)

    # Days 1–10: applications, declarations, sponsors, admission votes.
    bakery_founders = [u for u, _ in _BAKERY_FOUNDERS]
    # Every founder votes: the quorum counts the members at the close, who grow in number.
    s.admit(BAKERY, _BAKERY_APPLICANTS, ("ana", "bo"), bakery_founders, 1, {
        FOREMAN: (("hires_and_fires", "Riverside Bakery", "2017",
                   "Foreman of the dough line: hires, disciplines and fires its crew"),),
        SHIFT_MANAGER: (("manages", "Riverside Bakery", "2021", "Night-shift manager"),),
        "kofi": (("owns", "Kofi's Kitchen", "2022", "Owns a food truck, works it alone"),),
    }, refuse=(FOREMAN,))
    s.close_due(BAKERY, s.at(10))
    s.admit(DEPOT, _DEPOT_APPLICANTS, ("ulla", "victor"), [u for u, _ in _DEPOT_FOUNDERS],
            1.2, {"dmitri": (("other", "Depot sports club", "2019", "Club treasurer"),)})
    s.close_due(DEPOT, s.at(10.2))
    s.admit(HOSPITAL, tuple(a for a in _HOSPITAL_APPLICANTS if a[0] != "una"), ("maya", "nell"),
            [], 1.4, {"vera": (("manages", "St Agnes, ward 4", "2023",
                                "Ward rota coordinator"),)})
    # One hospital applicant is objected to in the objection period, so the members vote.
    _hospital_objection(s)

    # Bakery: parties, their legalization by secret ballot, a strike committee by STV.
    bakery = BAKERY
    for i, (name, platform, founder, joiners) in enumerate((
        ("Rank and File", "Shop-floor control of line speed; no overtime without a vote of "
         "the shift.", "ivo", ("jade", "kofi", "bo")),
        ("Bread and Roses", "Equal pay across shifts; a crèche on site; the council "
         "negotiates, not the union office.", "fatima", ("hana", "lena", "pia")),
        ("Works Committee Caucus", "Bargain through the recognised union and its officials.",
         "gus", ("milo",)),
    )):
        number = services.party_found(person=s.p(founder), council_id=s.pk(bakery), name=name,
                                      platform=platform, at=s.at(11) + i * DAY / 24)
        for who in joiners:
            services.party_join(person=s.p(who), council_id=s.pk(bakery), party_id=number,
                                at=s.at(11.2) + i * DAY / 24)
    legalize = [s.move(bakery, "cyrus", "dara", s.at(11.5) + i * DAY / 24,
                       kind="party_legalization", ref=party, text="")
                for i, party in enumerate((1, 2))]
    committee_call = s.move(bakery, "ana", "emil", s.at(12), kind="election_call",
                            subject="Strike committee", seats=3, method="stv_scottish",
                            role="officer")
    voters = s.members(bakery)
    for motion in legalize:
        s.secret_votes(bakery, motion, {v: ("no" if k % 5 == 4 else "yes")
                                        for k, v in enumerate(voters[:13])}, s.at(12.5))
    s.open_votes(bakery, committee_call, voters[:11], s.at(13), no=("gus",))

    # Federation: each workplace asks to affiliate and elects its delegate (days 14–37).
    s.federate(DEPOT, 14, "xavier", "yara", ("carlos", "greta"))
    s.federate(HOSPITAL, 14.2, "omar", "sara", ("priya", "tomas"))
    s.federate_1(bakery, 14.4, "ana", "bo")

    s.close_due(bakery, s.at(19.1))  # parties legal, the election called
    services.election_slate(person=s.p("ivo"), council_id=s.pk(bakery),
                            election_id=committee_call, party_id=1, candidates=("ivo", "jade"),
                            at=s.at(20))
    services.election_slate(person=s.p("fatima"), council_id=s.pk(bakery),
                            election_id=committee_call, party_id=2,
                            candidates=("fatima", "lena"), at=s.at(20.1))
    for i, who in enumerate(("gus", "rosa")):
        services.election_nominate(person=s.p(who), council_id=s.pk(bakery),
                                   election_id=committee_call, at=s.at(20.5) + i * DAY / 24)
    s.federate_2(bakery, 14.4, ("dara", "nadia"))
    s.rank_all(bakery, committee_call, ["ivo", "jade", "fatima", "lena", "gus", "rosa"],
               s.at(27.5), share=1.0)
    s.federate_3(bakery, 14.4, ("dara", "nadia"))
    s.close_due(bakery, s.at(34.5))
    s.federate_4(bakery, 14.4)
    committee = s.state(bakery).elections[committee_call].elected

    # The district accepts the three workplaces by motion; each records the acceptance, and
    # the district seats their delegates by reference to the act that elected each.
    district = DISTRICT
    founders = [u for u, _ in _DISTRICT_FOUNDERS]
    for i, child in enumerate((BAKERY, DEPOT, HOSPITAL)):
        motion = s.move(district, "amara", "boris", s.at(37) + i * DAY / 24, kind="affiliation",
                        subject=child, text="")
        s.open_votes(district, motion, founders, s.at(38) + i * DAY / 24)
    s.close_due(district, s.at(44.5))
    parent = Council.objects.get(pk=s.pk(district))
    for i, (child, who) in enumerate(((BAKERY, "ana"), (DEPOT, "ulla"), (HOSPITAL, "maya"))):
        services.parent_acceptance_record(person=s.p(who), council_id=s.pk(child), parent=parent,
                                          at=s.at(45) + i * DAY / 24)
        delegate = s.delegate_of.get(child)
        if delegate:
            services.delegate_seat(person=s.p("amara"), council_id=s.pk(district),
                                   child=Council.objects.get(pk=s.pk(child)), delegate=delegate,
                                   at=s.at(46) + i * DAY / 24)

    # Bakery: a picket with confirmed attendance, and a recall petition half-way.
    action = services.action_record(person=s.p("bo"), council_id=s.pk(bakery),
                                    title="Picket at the north gate", at=s.at(47))
    for i, who in enumerate(("cyrus", "dara", "jade", "kofi", "pia", "quinn")):
        services.attendance_record(person=s.p(who), council_id=s.pk(bakery), action_id=action,
                                   at=s.at(47.2) + i * timedelta(minutes=3))
        services.attendance_confirm(person=s.p("bo"), council_id=s.pk(bakery), action_id=action,
                                    attendee=who, at=s.at(47.4) + i * timedelta(minutes=3))
    if committee:
        _half_petition(s, bakery, committee[-1], committee_call)

    # Still under way at `now`: the treasurer's election (voting open) and a resolution.
    treasurer = s.move(bakery, "milo", "nadia", s.ago(17), kind="election_call",
                       subject="Treasurer", seats=1, method="irv", role="officer")
    s.open_votes(bakery, treasurer, s.members(bakery)[:10], s.ago(16))
    s.close_due(bakery, s.ago(10))
    for i, who in enumerate(("oscar", "pia")):
        services.election_nominate(person=s.p(who), council_id=s.pk(bakery),
                                   election_id=treasurer, at=s.ago(9) + i * DAY / 24)
    s.rank_all(bakery, treasurer, ["oscar", "pia"], s.ago(2), share=0.4)
    resolution = s.move(bakery, "quinn", "rosa", s.ago(1.9), kind="resolution",
                        text="The ovens' night rota is posted a month ahead, and changed only "
                             "with the shift's consent.")
    s.open_votes(bakery, resolution, s.members(bakery)[:6], s.ago(1), no=("gus",))
    strike = s.move(district, "chen", "dolores", s.ago(3), kind="resolution",
                    text="The district calls a one-day solidarity strike with the tram depot "
                         "on the first of next month.")
    seated = [d for d in s.delegate_of.values() if d in s.state(district).delegates]
    s.open_votes(district, strike, ["amara", "boris", *seated], s.ago(2))

    councils = {slug: Council.objects.get(pk=c.pk) for slug, c in s.councils.items()}
    delegate_words = {d: c for c, d in s.delegate_of.items()}
    logins = [("ana", "founder of the bakery council"),
              (SHIFT_MANAGER, "a shift manager who renounced the post, then was admitted"),
              ("ivo", "Rank and File party; on its slate for the strike committee"),
              ("amara", "founder of the district council")]
    for d, child in sorted(delegate_words.items())[:1]:
        logins.append((d, f"delegate of {councils[child].name} to the district"))
    return Demo(councils=councils, people=s.people, logins=logins, committee=committee,
                delegates=dict(s.delegate_of))


def _hospital_objection(s: _Seeder) -> None:
    """Una is sponsored, Nell objects, and the hospital's members vote her in by secret
    ballot."""
    slug = HOSPITAL
    services.member_apply(person=s.p("una"), council_id=s.pk(slug), at=s.at(3))
    for j, sponsor in enumerate(("omar", "priya")):
        services.applicant_sponsor(person=s.p(sponsor), council_id=s.pk(slug), applicant="una",
                                   at=s.at(3.5) + j * timedelta(minutes=20))
    services.applicant_object(person=s.p("nell"), council_id=s.pk(slug), applicant="una",
                              reason="She signed the management's no-strike pledge last spring.",
                              at=s.at(4))
    motion = s.state(slug).members["una"].motion
    if motion is not None:
        voters = s.members(slug)[:8]
        s.secret_votes(slug, motion, {v: ("no" if v == "nell" else "yes") for v in voters},
                       s.at(4.5))
    s.close_due(slug, s.at(11.6))


def _half_petition(s: _Seeder, slug: str, holder: str, election: int) -> None:
    """Open a recall petition against a committee member and sign it half-way to the charter's
    threshold (a quarter of the members by default)."""
    st = s.state(slug)
    office = st.elections[election].office
    needed = next(k for k in range(1, st.n_members + 1)
                  if at_least(k, st.n_members, st.charter.recall_threshold))
    signers = [p for p in s.members(slug) if p != holder][:max(1, needed // 2)]
    number = services.petition_open(person=s.p(signers[0]), council_id=s.pk(slug), office=office,
                                    holder=holder, at=s.at(50))
    for i, who in enumerate(signers[1:], 1):
        services.petition_sign(person=s.p(who), council_id=s.pk(slug), petition_id=number,
                               at=s.at(50) + i * timedelta(hours=5))

