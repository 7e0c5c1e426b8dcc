"""Races, on PostgreSQL: 50 clients released together, 20 rounds, and exactly one counts.

Each round, 50 clients (threads, each with its own database connection) wait at a
`threading.Barrier` and are released together four times, each time to do one thing that may
be done only once:

- (a) the same member votes on an open-ballot motion (a named `vote.cast` act in the book);
- (b) the same member votes on a secret-ballot motion (a voter-roll row and a box row);
- (c) the same member signs the same recall petition (a `petition.signed` act);
- (d) 50 different members sponsor the same applicant, where the charter
  (`attendance_then_sponsors`, one sponsor, no attendance needed) admits on the first
  sponsor (`member.sponsored` then `member.admitted`).

Exactly one call succeeds each time; the 49 others get the rule's own refusal (a `RuleError`:
`already_voted`, `already_done`, `wrong_state`, which pages answer with a 409), never an
`IntegrityError` or other exception that would be a 500. After every round the tables and the
book agree (one roll row and one box row per secret voter, one act per named vote, signature
and admission, the membership rows), and the book has not forked: no two acts share a `prev`,
seqs are 1..head with no gap, and the whole book verifies up to the council's head. One more
round goes through the pages and one through the API (a Django test `Client` per thread, the
API's with a personal access token each). At the end the ballots are closed: the sealed count
and the open ballot's decided count equal the votes that succeeded.

What keeps exactly-once, and how this file shows that each piece is needed:

- The council's row lock (`council_lock`: `SELECT ... FOR NO KEY UPDATE` on the book head)
  queues everything that appends to a council's book: the batched append of queued named
  (open-ballot) votes, the signature, the sponsoring. Each decides on the state at the head it
  locked, so the rule itself refuses the second (`already_voted`, `already_done`,
  `wrong_state`).
- `book_append` moves the head only from the head it read (a compare-and-set in its UPDATE),
  and the acts table's UNIQUE(council, seq) `act_one_per_place` and UNIQUE(council, prev)
  `act_no_fork` refuse a second act after one head.
- A secret vote takes no council lock (only the box's shared advisory lock, which keeps the
  seal out, not other voters): the voter roll's UNIQUE(council, of, ballot, person)
  `roll_one_vote_each` is its only guard against a second ballot, turned into `AlreadyVoted`.

How it was checked (each a test below; "found" is what they saw when written, 50 clients):

1. No lock and no constraints
   (`test_without_the_lock_and_the_constraints_the_race_check_catches_a_double_vote`):
   `council_lock` is monkeypatched to a plain `.get()` (no row lock) in the councils' and the
   books' services, and the UNIQUE constraints above (and any on the queue of named votes) are
   dropped by ALTER TABLE through the schema editor, then restored exactly as the models define
   them once the offending rows are gone (the database outlives a `transaction=True` test).
   The same race check must then fail. Found (five runs): in round 0 one voter had 19 to 28
   ballots in the secret box. The book still did not fork: the head's compare-and-set made
   every second writer of a head roll back with `BrokenBook` ("its head moved during this
   append"), so the open vote, the signature and the sponsoring were refused, not doubled.
2. No constraints, lock kept
   (`test_without_the_constraints_the_lock_alone_keeps_the_book_but_not_the_secret_ballot`):
   the book's races stay exactly-once with the rules' own refusals; the secret ballot takes a
   voter's second ballot (found: 2 to 31 roll and box rows for one voter a round), so the
   roll's constraint is what guards it.
3. No lock, constraints kept (`test_without_the_lock_the_constraints_alone_keep_at_most_once`):
   nothing counts twice and the book never forks, and the secret vote is still refused cleanly
   with `already_voted`. Found: the book's racers were refused by the database, not the
   rules. `book_append` turns the `IntegrityError` of `act_one_per_place` into a clean
   `book_moved` refusal (asserted: no IntegrityError leaks), but concurrent batch appends of
   queued named votes can still deadlock (`OperationalError`), which a page would answer with
   a 500; a named vote whose caller got such an error was appended by a later batch. So the
   constraints keep the count right without the lock, but only the lock makes every loser's
   answer clean; test 2 and the main test show it does.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import DatabaseError, connection, connections, models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

if connection.vendor != "postgresql":
    pytest.skip("needs PostgreSQL: run scripts/postgres-lane", allow_module_level=True)

from sovet.core.book import verify
from sovet.core.charter import MOTION_KINDS, Charter
from sovet.core.errors import RuleError
from sovet.web.accounts.models import Person
from sovet.web.books import services as book_services
from sovet.web.books.models import Act, Council
from sovet.web.books.selectors import book_lines
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, Membership, SealedBallot, VoterRoll
from sovet.web.councils.selectors import council_state, council_state_forget

CLIENTS = 50
ROUNDS = 20
DAY = timedelta(days=1)
# The refusal each race's losers must get from the rules (with the lock in place).
REFUSALS = {
    "open vote": {"already_voted"},
    "secret vote": {"already_voted"},
    "signature": {"already_done"},
    "admission": {"wrong_state"},
}

pytestmark = pytest.mark.django_db(transaction=True)


# --- the council: 50 members, an office, a petition, two open ballots, 22 applicants ---------


@dataclass
class Stage:
    """The racing council and what the rounds act on."""

    council_id: int
    slug: str
    people: dict[str, Person]
    open_motion: int
    secret_motion: int
    petition: int

    def member(self, i: int) -> Person:
        """Member i (0..49)."""
        return self.people[f"m{i:02d}"]

    def applicant(self, r: int) -> str:
        """The applicant admitted in round r."""
        return f"a{r:02d}"

    def council(self) -> Council:
        """The council's row as it is now."""
        council: Council = Council.objects.get(pk=self.council_id)
        return council


def _charter() -> Charter:
    # One sponsor admits at once (attendance_then_sponsors with no attendance needed), so the
    # admission race is between 50 different sponsors. A recall needs every member's signature,
    # so the petition stays open through every round. Quorum 1 % so one voter counts.
    return Charter(admission="attendance_then_sponsors", sponsors=1, attendance_count=0,
                   quorum=(1, 100), recall_threshold=(1, 1),
                   voting_days=tuple((k, 7) for k in MOTION_KINDS)).validate()


def _stage() -> Stage:
    """Build the council through the services, at times relative to the real clock so that
    the races (which use the real clock, as the pages do) find the ballots open."""
    names = [f"m{i:02d}" for i in range(CLIENTS)] + [f"a{r:02d}" for r in range(ROUNDS + 2)]
    Person.objects.bulk_create(Person(username=u, display_name=u.upper(), password="!")
                               for u in names)
    people = {p.username: p for p in Person.objects.filter(username__in=names)}
    t0 = timezone.now() - 30 * DAY
    founders = [f"m{i:02d}" for i in range(CLIENTS)]
    council = services.council_found(person=people[founders[0]], slug="racers", name="Racers",
                                     cofounders=founders[1:], charter=_charter(), at=t0)
    cid = council.pk
    for i, who in enumerate(founders[1:], 1):
        services.founding_confirm(person=people[who], council_id=cid,
                                  at=t0 + timedelta(minutes=i))
    # m02 is elected chair (office 1) by the election that m00's motion calls.
    m = people
    call = services.motion_move(person=m["m00"], council_id=cid, kind="election_call",
                                subject="Chair", seats=1, method="irv", role="officer",
                                at=t0 + DAY)
    services.motion_second(person=m["m01"], council_id=cid, motion_id=call, at=t0 + DAY)
    services.motion_vote(person=m["m00"], council_id=cid, motion_id=call, choice="yes",
                         at=t0 + 2 * DAY)
    services.motions_close_due(council_id=cid, now=t0 + 8 * DAY)
    services.election_nominate(person=m["m02"], council_id=cid, election_id=call,
                               at=t0 + 9 * DAY)
    services.election_rank(person=m["m00"], council_id=cid, election_id=call,
                           ranking=("m02",), at=t0 + 16 * DAY)
    services.motions_close_due(council_id=cid, now=t0 + 23 * DAY)
    office = min(council_state(Council.objects.get(pk=cid)).offices)
    petition = services.petition_open(person=m["m49"], council_id=cid, office=office,
                                      holder="m02", at=t0 + 24 * DAY)
    # Two ballots open now and for a week: a resolution (open) and an expulsion (secret).
    soon = timezone.now() - timedelta(hours=1)
    open_motion = services.motion_move(person=m["m48"], council_id=cid, kind="resolution",
                                       text="Bread for the pickets", at=soon)
    services.motion_second(person=m["m47"], council_id=cid, motion_id=open_motion, at=soon)
    secret_motion = services.motion_move(person=m["m48"], council_id=cid, kind="expulsion",
                                         subject="m46", text="Crossed the picket line", at=soon)
    services.motion_second(person=m["m47"], council_id=cid, motion_id=secret_motion, at=soon)
    for r in range(ROUNDS + 2):
        services.member_apply(person=people[f"a{r:02d}"], council_id=cid, at=soon)
    state = council_state(Council.objects.get(pk=cid))
    assert not state.motions[open_motion].secret and state.motions[secret_motion].secret
    assert state.motions[open_motion].status == "open" == state.motions[secret_motion].status
    assert state.petitions[petition].status == "open"
    return Stage(cid, "racers", people, open_motion, secret_motion, petition)


# --- the crowd: 50 threads, each with its own connection, released by a barrier --------------


Outcome = BaseException | None  # None: the call succeeded


class Crowd:
    """`CLIENTS` worker threads that run one task together each time `race` is called.

    The threads live for the whole test, so each keeps its own database connection (Django's
    connections are per thread) and closes it when the crowd is dismissed.
    """

    def __init__(self, size: int = CLIENTS) -> None:
        self.size = size
        self.go = threading.Barrier(size + 1, timeout=120)
        self.done = threading.Barrier(size + 1, timeout=120)
        self.task: Callable[[int], object] | None = None
        self.outcomes: list[Outcome] = [None] * size
        self.threads = [threading.Thread(target=self._work, args=(i,), daemon=True)
                        for i in range(size)]
        for t in self.threads:
            t.start()

    def _work(self, i: int) -> None:
        try:
            while True:
                self.go.wait()
                task = self.task
                if task is None:
                    return
                try:
                    task(i)
                    self.outcomes[i] = None
                except BaseException as e:  # every outcome is judged by the test
                    self.outcomes[i] = e
                self.done.wait()
        finally:
            connections.close_all()

    def race(self, task: Callable[[int], object]) -> list[Outcome]:
        """Release every thread at once into `task(i)`; return each thread's outcome."""
        self.task = task
        self.outcomes = [None] * self.size
        self.go.wait()
        self.done.wait()
        return list(self.outcomes)

    def dismiss(self) -> None:
        """End the threads (closing their connections)."""
        self.task = None
        # If a race already failed, the barrier's break has ended the threads.
        with suppress(threading.BrokenBarrierError):
            self.go.wait()
        for t in self.threads:
            t.join(timeout=30)


@contextmanager
def crowd() -> Iterator[Crowd]:
    """A crowd of clients, dismissed (and its connections closed) however the test ends."""
    c = Crowd()
    try:
        yield c
    finally:
        c.dismiss()


# --- the checks -------------------------------------------------------------------------------


def _acts(council_id: int, kind: str) -> list[dict[str, Any]]:
    bodies = Act.objects.filter(council_id=council_id, kind=kind).values_list("body", flat=True)
    return [orjson.loads(bytes(b)) for b in bodies]


def _judge(what: str, outcomes: list[Outcome]) -> Counter[str]:
    """Exactly one success; every other outcome the rule's own refusal (`REFUSALS`), a
    `RuleError`. Returns the refusal codes seen."""
    leaks = [e for e in outcomes if e is not None and not isinstance(e, RuleError)]
    assert not leaks, f"{what}: {len(leaks)} calls failed with a non-refusal (a 500): {leaks[0]!r}"
    codes = Counter(e.code for e in outcomes if isinstance(e, RuleError))
    assert outcomes.count(None) == 1, f"{what}: {outcomes.count(None)} calls succeeded ({codes})"
    assert set(codes) <= REFUSALS[what], f"{what}: refused with {codes}"
    return codes


ACTS = Act._meta.db_table


def _fork_free(council: Council) -> list[str]:
    """What is wrong with the council's book as stored: forks, gaps, a broken chain."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT prev, count(*) FROM {ACTS} WHERE council_id = %s GROUP BY prev "
            "HAVING count(*) > 1", [council.pk])
        problems += [f"{n} acts follow {prev[:12]}…" for prev, n in cursor.fetchall()]
        cursor.execute(
            f"SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM {ACTS} "
            "WHERE council_id = %s", [council.pk])
        n, distinct, low, high = cursor.fetchone()
    if (n, distinct, low, high) != (council.head_seq, council.head_seq, 1, council.head_seq):
        problems.append(f"acts {n} (distinct seqs {distinct}, {low}..{high}) for head "
                        f"{council.head_seq}")
    verdict = verify(book_lines(council), head=council.head_hash)
    if not verdict.ok or verdict.count != council.head_seq:
        problems.append(f"the book does not verify to its head: {verdict}")
    return problems


def _counted(stage: Stage, r: int, *, at_most_once: bool = False) -> dict[str, str]:
    """Round r's things that did not count exactly once in the tables and the book (at most
    once, with `at_most_once`), each with what was found."""
    cid, voter, applicant = stage.council_id, stage.member(r).username, stage.applicant(r)
    allowed = {0, 1} if at_most_once else {1}
    found: dict[str, str] = {}
    open_votes = [a for a in _acts(cid, "vote.cast")
                  if a["motion"] == stage.open_motion and a["by"] == voter]
    if len(open_votes) not in allowed:
        found["open vote"] = f"{len(open_votes)} vote.cast acts by {voter}"
    roll = VoterRoll.objects.filter(council_id=cid, of="motion", ballot=stage.secret_motion)
    box = BallotBoxEntry.objects.filter(council_id=cid, of="motion", ballot=stage.secret_motion)
    mine = roll.filter(person=voter).count()
    if mine > 1:
        found["secret vote"] = f"more than one roll row: {mine} for {voter}"
    elif mine not in allowed or roll.count() != box.count():
        found["secret vote"] = (f"{mine} roll rows for {voter}; roll {roll.count()}, box "
                                f"{box.count()}")
    signed = [a for a in _acts(cid, "petition.signed")
              if a["petition"] == stage.petition and a["by"] == voter]
    if len(signed) not in allowed:
        found["signature"] = f"{len(signed)} petition.signed acts by {voter}"
    admitted = [a for a in _acts(cid, "member.admitted") if a["person"] == applicant]
    sponsored = [a for a in _acts(cid, "member.sponsored") if a["person"] == applicant]
    row = Membership.objects.filter(council_id=cid, person=applicant).values_list(
        "status", flat=True).first()
    if (len(admitted) not in allowed or len(sponsored) != len(admitted)
            or row != ("member" if admitted else "applicant")):
        found["admission"] = (f"{applicant}: {len(admitted)} admitted, {len(sponsored)} "
                              f"sponsored, membership row {row!r}")
    return found


# --- the races ------------------------------------------------------------------------------


def _races(stage: Stage) -> dict[str, Callable[[int, int], object]]:
    """Round r's four races: each takes (round, client) and calls one service."""
    cid = stage.council_id
    return {
        "open vote": lambda r, i: services.motion_vote(
            person=stage.member(r), council_id=cid, motion_id=stage.open_motion, choice="yes"),
        "secret vote": lambda r, i: services.motion_vote(
            person=stage.member(r), council_id=cid, motion_id=stage.secret_motion,
            choice="no"),
        "signature": lambda r, i: services.petition_sign(
            person=stage.member(r), council_id=cid, petition_id=stage.petition),
        "admission": lambda r, i: services.applicant_sponsor(
            person=stage.member(i), council_id=cid, applicant=stage.applicant(r)),
    }


@dataclass
class Tally:
    """What the rounds found: faults (double counts, forks, other than one success), and by
    race the refusal codes and the leaked (non-refusal) errors, with one leak's text each."""

    faults: list[str] = field(default_factory=list)
    refusals: dict[str, Counter[str]] = field(default_factory=dict)
    leaks: dict[str, Counter[str]] = field(default_factory=dict)
    example: dict[str, str] = field(default_factory=dict)

    def count(self, what: str, outcomes: list[Outcome]) -> None:
        """Count one race's outcomes."""
        refused = self.refusals.setdefault(what, Counter())
        leaked = self.leaks.setdefault(what, Counter())
        for e in outcomes:
            if isinstance(e, RuleError):
                refused[e.code] += 1
            elif e is not None:
                leaked[type(e).__name__] += 1
                self.example.setdefault(type(e).__name__, str(e).splitlines()[0])


def _run_rounds(stage: Stage, clients: Crowd, *, rounds: int = ROUNDS, strict: bool = True,
                at_most_once: bool = False, until: str = "") -> Tally:
    """Run the rounds and check after each one.

    `strict`: each race must pass `_judge` (one success, the rules' own refusals) or the test
    fails at once. Otherwise outcomes are counted, and it is a fault when other than one call
    succeeds (`at_most_once`: when more than one does, or, in the tables or the book, when a
    thing counted more than once). `until`: stop after the first round with a fault that
    says this.
    """
    races = _races(stage)
    found = Tally()
    for r in range(rounds):
        for what, race in races.items():
            outcomes = clients.race(lambda i, race=race, r=r: race(r, i))  # type: ignore[misc]
            if strict:
                found.refusals.setdefault(what, Counter()).update(_judge(what, outcomes))
                continue
            found.count(what, outcomes)
            wins = outcomes.count(None)
            if wins > 1 or (wins == 0 and not at_most_once):
                found.faults.append(f"round {r} {what}: {wins} calls succeeded")
        counted = _counted(stage, r, at_most_once=at_most_once)
        found.faults += [f"round {r} {what}: {p}" for what, p in counted.items()]
        found.faults += [f"round {r}: {p}" for p in _fork_free(stage.council())]
        if until and any(until in f for f in found.faults):
            break
    return found


def test_fifty_clients_twenty_rounds_exactly_one_counts_and_no_book_forks() -> None:
    stage = _stage()
    with crowd() as clients:
        found = _run_rounds(stage, clients)
        assert found.faults == []
        # Each race's 49 losers were refused by the rules, every round.
        assert {what: sum(c.values()) for what, c in found.refusals.items()} == {
            what: ROUNDS * (CLIENTS - 1) for what in REFUSALS}
        _http_round(stage, clients, ROUNDS, api=False)
        _http_round(stage, clients, ROUNDS + 1, api=True)
    _close_and_recount(stage, voters=ROUNDS + 2)


def _http_round(stage: Stage, clients: Crowd, r: int, *, api: bool) -> None:
    """Round r again, through HTTP: a test `Client` per thread, as the actor, on the pages
    (logged in; a success redirects, a refusal is the 409 page) or on the API (a personal
    access token; a success is 200, a refusal a 409 with the refusal's code)."""
    from sovet.api.tokens import token_create

    slug = stage.slug

    def client_of(person: Person) -> Client:
        if api:
            _, token = token_create(person=person, name="race")
            return Client(headers={"Authorization": f"Bearer {token}"})
        c = Client()
        c.force_login(person)
        return c

    sponsors = [client_of(stage.member(i)) for i in range(CLIENTS)]
    voters = [client_of(stage.member(r)) for _ in range(CLIENTS)]
    if api:  # the paths of the API's contract
        base = f"/api/v1/councils/{slug}"
        posts = {
            "open vote": (f"{base}/motions/{stage.open_motion}/vote", {"choice": "yes"}),
            "secret vote": (f"{base}/motions/{stage.secret_motion}/vote", {"choice": "no"}),
            "signature": (f"{base}/petitions/{stage.petition}/sign", {}),
            "admission": (f"{base}/applicants/{stage.applicant(r)}/sponsor", {}),
        }
    else:
        posts = {
            "open vote": (reverse("councils:vote", args=(slug, stage.open_motion)),
                          {"choice": "yes"}),
            "secret vote": (reverse("councils:vote", args=(slug, stage.secret_motion)),
                            {"choice": "no"}),
            "signature": (reverse("councils:petition_sign", args=(slug, stage.petition)), {}),
            "admission": (reverse("councils:sponsor", args=(slug, stage.applicant(r))), {}),
        }
    won = 200 if api else 302
    for what, (url, data) in posts.items():
        who = sponsors if what == "admission" else voters
        answers: list[int] = [0] * CLIENTS
        codes: list[str] = [""] * CLIENTS

        def post(i: int, who: list[Client] = who, url: str = url,
                 data: dict[str, str] = data, answers: list[int] = answers,
                 codes: list[str] = codes) -> None:
            if api:
                answer = who[i].post(url, data, content_type="application/json")
                codes[i] = answer.json().get("error", "")
            else:
                answer = who[i].post(url, data)
            answers[i] = answer.status_code

        outcomes = clients.race(post)
        assert all(o is None for o in outcomes), f"{what} over HTTP: {outcomes}"
        assert Counter(answers) == {won: 1, 409: CLIENTS - 1}, f"{what} over HTTP: {answers}"
        if api:
            assert set(codes) - {""} <= REFUSALS[what], f"{what} over the API: {codes}"
    assert _counted(stage, r) == {}
    assert _fork_free(stage.council()) == []


def _close_and_recount(stage: Stage, voters: int) -> None:
    """Close both ballots: the sealed count and the decided count are the votes that counted,
    and the tables rebuilt from the book agree with the tables written live."""
    from sovet.web.councils import models as council_models

    queue = getattr(council_models, "NamedVote", None)
    if queue is not None:  # no named vote is left waiting for the book's writer
        assert not queue.objects.filter(council_id=stage.council_id).exists()
    council_state_forget()  # the state is replayed from the book, not the cache
    services.motions_close_due(council_id=stage.council_id, now=timezone.now() + 8 * DAY)
    council = stage.council()
    state = council_state(council)
    assert state.motions[stage.open_motion].status == "carried"
    decided = {a["motion"]: a for a in _acts(stage.council_id, "motion.decided")}
    assert decided[stage.open_motion]["yes"] == voters
    assert decided[stage.secret_motion]["no"] == voters
    sealed = [a for a in _acts(stage.council_id, "ballot.sealed")
              if a["ballot"] == stage.secret_motion]
    assert len(sealed) == 1 and sealed[0]["voters"] == voters
    assert SealedBallot.objects.filter(council_id=stage.council_id,
                                       ballot=stage.secret_motion).count() == voters
    assert not BallotBoxEntry.objects.filter(council_id=stage.council_id).exists()
    assert len(state.petitions[stage.petition].signatures) == voters + 1  # and the opener's
    rows = dict(Membership.objects.filter(council_id=stage.council_id)
                .values_list("person", "status"))
    assert rows == {p: m.status for p, m in state.members.items()}
    assert _fork_free(council) == []


# --- taking away what exactly-once relies on ----------------------------------------------------


def _plain_get(council_id: int) -> Council:
    """`council_lock` without its row lock: a plain read of the council's head."""
    council: Council = Council.objects.get(pk=council_id)
    return council


def _without_council_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both names: the services import it by name, and the books' module may call its own.
    monkeypatch.setattr(services, "council_lock", _plain_get)
    monkeypatch.setattr(book_services, "council_lock", _plain_get)


def _guards() -> list[tuple[type[models.Model], models.BaseConstraint]]:
    """The UNIQUE constraints exactly-once may rest on: the book's two, the voter roll's, and
    any the queue of named votes has."""
    from sovet.web.councils import models as council_models

    found: list[tuple[type[models.Model], models.BaseConstraint]] = []
    for model in (Act, VoterRoll, getattr(council_models, "NamedVote", None)):
        if model is not None:
            found += [(model, c) for c in model._meta.constraints
                      if isinstance(c, models.UniqueConstraint)]
    return found


@contextmanager
def _without_constraints() -> Iterator[None]:
    """Drop the UNIQUE constraints that back exactly-once, and put them back afterwards.

    With `transaction=True` the test database outlives the test, so the constraints are
    restored exactly as the models define them; first the tables whose rows may break them (a
    double vote, a forked act) are emptied, as the test's flush would do anyway.
    """
    guards = _guards()
    with connection.schema_editor() as editor:
        for model, constraint in guards:
            editor.remove_constraint(model, constraint)
    try:
        yield
    finally:
        tables = {m._meta.db_table for m, _ in guards} | {
            BallotBoxEntry._meta.db_table, SealedBallot._meta.db_table}
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(sorted(tables))}")
        with connection.schema_editor() as editor:
            for model, constraint in guards:
                editor.add_constraint(model, constraint)


def _guards_present() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conname = ANY(%s)",
                       [[c.name for _, c in _guards()]])
        return {row[0] for row in cursor.fetchall()}


BOOK_RACES = ("open vote", "signature", "admission")
DOUBLE_BALLOT = "secret vote: more than one roll row"


def test_without_the_lock_and_the_constraints_the_race_check_catches_a_double_vote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stage = _stage()
    names = {c.name for _, c in _guards()}
    assert {"act_one_per_place", "act_no_fork", "roll_one_vote_each"} <= names
    _without_council_lock(monkeypatch)
    try:
        with _without_constraints(), crowd() as clients:
            assert _guards_present() == set()
            found = _run_rounds(stage, clients, strict=False, until=DOUBLE_BALLOT)
    finally:
        monkeypatch.undo()
    assert _guards_present() == names
    print("\nwithout the lock and the constraints:", found)
    # The race check is not blind: with nothing to stop it, a voter's second ballot gets in.
    assert any(DOUBLE_BALLOT in f for f in found.faults), found


def test_without_the_constraints_the_lock_alone_keeps_the_book_but_not_the_secret_ballot() -> None:
    stage = _stage()
    with _without_constraints(), crowd() as clients:
        found = _run_rounds(stage, clients, rounds=4, strict=False)
    print("\nwithout the constraints:", found)
    # What appends to the book queues behind the council's lock: still exactly once, cleanly.
    assert [f for f in found.faults if "secret vote" not in f] == []
    for what in BOOK_RACES:
        assert found.leaks[what] == Counter() and set(found.refusals[what]) <= REFUSALS[what]
    # A secret vote takes no council lock: the roll's UNIQUE constraint is its only guard.
    assert any(DOUBLE_BALLOT in f for f in found.faults), found


def test_without_the_lock_the_constraints_alone_keep_at_most_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stage = _stage()
    _without_council_lock(monkeypatch)
    with crowd() as clients:
        found = _run_rounds(stage, clients, rounds=3, strict=False, at_most_once=True)
    print("\nwithout the lock:", found)
    # Nothing counts twice and the book never forks: the constraints and the head's
    # compare-and-set refuse the second writer.
    assert found.faults == []
    # The secret vote, whose guard is the constraint, is refused cleanly as a second vote.
    assert found.leaks["secret vote"] == Counter()
    assert set(found.refusals["secret vote"]) == {"already_voted"}
    # A lost append is refused as such, never a raw IntegrityError.
    for what in BOOK_RACES:
        assert "IntegrityError" not in found.leaks[what], found


# --- a writer's turn ----------------------------------------------------------------------


def test_while_a_writer_has_its_turn_other_writers_and_waiters_wait() -> None:
    """A writer's turn (`writer_try`, the session-level writer lock of a batch of named
    votes) keeps out every other writer and keeps `after_writer`'s waiters waiting until it
    ends, across the transactions of the turn."""
    council_id = Council.objects.create(slug="turns", name="Turns").pk
    held, release = threading.Event(), threading.Event()

    def turn() -> None:
        try:
            assert book_services.writer_try(council_id)
            held.set()
            release.wait(10)
            book_services.writer_release(council_id)
        finally:
            connections.close_all()

    writer = threading.Thread(target=turn)
    writer.start()
    try:
        assert held.wait(10)
        assert not book_services.writer_try(council_id)
        with pytest.raises(book_services.CouncilBusy), transaction.atomic():
            book_services.council_lock(council_id, nowait=True)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(DatabaseError):  # waits for the turn: here, until the timeout
            book_services.after_writer(council_id, "SELECT 1", [])
    finally:
        release.set()
        writer.join()
    assert book_services.after_writer(council_id, "SELECT 1", []) == [(1,)]
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")
