"""No page, API answer, log line, e-mail or export carries a ballot to its voter (DESIGN.md,
guarantee 3), and the pages promise exactly what DESIGN promises, no more.

The world: `printers` (ana, bo, cy, dan, eve; the sealed list is published from 3 voters)
holds a secret election and a secret party-legalization motion. ana, bo and cy vote through
the PAGES, dan and eve through the API, each differently, with every logger recording at DEBUG
and the e-mails of the commits sent. The box row ids are read before the seal. After the
seal every page and API answer a voter, another member, a non-member and an anonymous visitor
can see is fetched, with the exports (book, BLT):

- no response, header, log record or e-mail holds a box id;
- the vote's answer is a confirmation and nothing else: a redirect (or the panel saying one
  has voted) or `{"recorded": true}`, and no Set-Cookie;
- what ana sees and what bo sees, their names masked alike, are the same bytes, though they
  voted differently: no page or answer ties a sealed ballot, its place or its id to the person
  looking at it.

Logging: the settings have DEBUG off, as in production, so Django logs no SQL. With DEBUG on,
Django logs every statement, the box insert of the voter's request included: that is the
"logs ... while the ballot is open" that DESIGN leaves outside the promise.

Runs on SQLite, and on PostgreSQL in the lane.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from electioncast import MEMBERS, call_election, found_printers, stand

from sovet.api.tokens import token_create
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, SealedBallot
from sovet.web.councils.selectors import council_state
from sovet.web.notifications.models import KINDS
from sovet.web.notifications.services import preferences_set

DAY = timedelta(days=1)
SLUG = "printers"

# DESIGN.md, guarantee 3, word for word: what a secret ballot's page promises.
PROMISE = ("the ballot is secret from every member, officer and user of the system, and from "
           "anyone who reads the database after the seal; it is not secret from whoever "
           "watches the server's database, logs or traffic while the ballot is open.")

CHOICES = {"ana": "yes", "bo": "no", "cy": "abstain", "dan": "yes", "eve": "no"}
# Candidates are ana, bo (Night shift's slate), cy, dan, eve: numbered on the page in that order.
RANKINGS = {"ana": ("cy", "dan"), "bo": ("eve", "ana", "bo"), "cy": ("bo",),
            "dan": ("dan", "cy", "eve"), "eve": ("ana",)}
PAGE_VOTERS = ("ana", "bo", "cy")
API_VOTERS = ("dan", "eve")


class Recorder(logging.Handler):
    """Keeps every record of every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        """Every record as it would be written, with its arguments and any traceback."""
        out = []
        for r in self.records:
            out.append(f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {r.exc_text or ''}")
            out.append(repr({k: v for k, v in vars(r).items() if k not in ("msg", "args")}))
        return "\n".join(out)


@pytest.fixture
def logs() -> Iterator[Recorder]:
    """Every logger at DEBUG, recorded (also those that do not propagate to the root)."""
    recorder = Recorder()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        if lg is logging.getLogger() or not lg.propagate:
            lg.addHandler(recorder)
    yield recorder
    for lg, level in saved:
        lg.setLevel(level)
        lg.removeHandler(recorder)


@dataclass
class Sealed:
    """The world after the seal, and what was seen on the way."""

    council: Council
    people: dict[str, Person]
    election: int
    motion: int
    box_ids: list[str]
    vote_answers: list[Any]  # each vote's HTTP response
    clients: dict[str, Client]
    tokens: dict[str, str]


def _client(person: Person | None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _page_ranks(ranking: tuple[str, ...]) -> dict[str, str]:
    candidates = ("ana", "bo", "cy", "dan", "eve")
    return {f"rank_{candidates.index(p)}": str(i) for i, p in enumerate(ranking, 1)}


def seal_world(make_person: Callable[..., Person], monkeypatch: pytest.MonkeyPatch,
               capture: Any) -> Sealed:
    """Build, vote through pages and API three days ago, seal twelve hours ago."""
    now = timezone.now()
    people = {u: make_person(u, u.title(), email=f"{u}@example.org") for u in (*MEMBERS, "fay")}
    for person in people.values():  # everything by e-mail too, so every mail can be read
        preferences_set(person=person, choices=dict.fromkeys(KINDS, (True, True)))
    council = found_printers(people, now)
    election = call_election(people, council, called_at=now - 16 * DAY)  # voting -9d .. -2d
    stand(people, council, election, now - 16 * DAY)
    day_shift = next(n for n, p in council_state(council).parties.items()
                     if p.name == "Day shift")
    motion = services.motion_move(person=people["cy"], council_id=council.pk,
                                  kind="party_legalization", ref=day_shift, at=now - 8 * DAY)
    services.motion_second(person=people["dan"], council_id=council.pk, motion_id=motion,
                           at=now - 8 * DAY)
    council.refresh_from_db()
    assert council_state(council).motion(motion).secret
    assert council_state(council).election(election).secret
    clients = {u: _client(people[u]) for u in people} | {"anonymous": _client(None)}
    tokens = {u: token_create(person=people[u], name="script")[1] for u in API_VOTERS}
    answers = []
    # The votes are cast three days ago: the pages and the API read the clock.
    voted_at = now - 3 * DAY
    with monkeypatch.context() as clock, capture(execute=True):
        clock.setattr(timezone, "now", lambda: voted_at)
        for who in PAGE_VOTERS:
            c = clients[who]
            headers = {"HX-Request": "true"} if who == "cy" else {}
            answers.append(c.post(f"/councils/{SLUG}/motions/{motion}/vote/",
                                  {"choice": CHOICES[who]}, headers=headers))
            answers.append(c.post(f"/councils/{SLUG}/elections/{election}/rank/",
                                  _page_ranks(RANKINGS[who])))
        for who in API_VOTERS:
            auth = {"Authorization": f"Bearer {tokens[who]}"}
            api = Client()
            answers.append(api.post(f"/api/v1/councils/{SLUG}/motions/{motion}/vote",
                                    orjson.dumps({"choice": CHOICES[who]}),
                                    content_type="application/json", headers=auth))
            answers.append(api.post(f"/api/v1/councils/{SLUG}/elections/{election}/rank",
                                    orjson.dumps({"ranking": list(RANKINGS[who])}),
                                    content_type="application/json", headers=auth))
    box_ids = list(BallotBoxEntry.objects.filter(council=council).values_list("id", flat=True))
    assert len(box_ids) == 10, [a.status_code for a in answers]
    with capture(execute=True):
        services.motions_close_due(council_id=council.pk, now=now - DAY // 2)
    assert not BallotBoxEntry.objects.filter(council=council).exists()
    for of, ballot in (("motion", motion), ("election", election)):
        assert SealedBallot.objects.filter(council=council, of=of, ballot=ballot).count() == 5
    council.refresh_from_db()
    return Sealed(council, people, election, motion, box_ids, answers, clients, tokens)


@pytest.fixture
def sealed(make_person: Callable[..., Person], monkeypatch: pytest.MonkeyPatch,
           django_capture_on_commit_callbacks: Any, logs: Recorder) -> Sealed:
    """The sealed world, with the logs recording from the first vote."""
    mail.outbox.clear()
    return seal_world(make_person, monkeypatch, django_capture_on_commit_callbacks)


def pages(s: Sealed, who: str) -> dict[str, str]:
    """Every page and export a person can see, by name."""
    c, e, m = SLUG, s.election, s.motion
    paths = {
        "council": f"/councils/{c}/", "motions": f"/councils/{c}/motions/",
        "motion": f"/councils/{c}/motions/{m}/", "elections": f"/councils/{c}/elections/",
        "election": f"/councils/{c}/elections/{e}/",
        "results": f"/councils/{c}/elections/{e}/results/",
        "chart": f"/councils/{c}/elections/{e}/chart.svg",
        "blt": f"/councils/{c}/elections/{e}/ballots.blt",
        "book": f"/councils/{c}/book/", "book export": f"/councils/{c}/book.jsonl",
        "parties": f"/councils/{c}/parties/", "petitions": f"/councils/{c}/petitions/",
        "home": "/",
    }
    if who != "anonymous":
        paths |= {"inbox": "/inbox/", "inbox settings": "/inbox/settings/",
                  "profile": "/accounts/profile/", "own page": f"/councils/{c}/people/{who}/"}
    return paths


def api_paths(s: Sealed, who: str) -> dict[str, str]:
    """Every API read, by name."""
    c, e, m = SLUG, s.election, s.motion
    paths = {
        "api councils": "/api/v1/councils", "api council": f"/api/v1/councils/{c}",
        "api members": f"/api/v1/councils/{c}/members",
        "api motions": f"/api/v1/councils/{c}/motions",
        "api motion": f"/api/v1/councils/{c}/motions/{m}",
        "api motion ballots": f"/api/v1/councils/{c}/motions/{m}/ballots",
        "api elections": f"/api/v1/councils/{c}/elections",
        "api election": f"/api/v1/councils/{c}/elections/{e}",
        "api election ballots": f"/api/v1/councils/{c}/elections/{e}/ballots",
        "api book": f"/api/v1/councils/{c}/book", "api head": f"/api/v1/councils/{c}/book/head",
    }
    if who != "anonymous":
        paths["api me"] = "/api/v1/me"
    return paths


def fetch(s: Sealed, who: str) -> dict[str, Any]:
    """Every page and API answer the person can see, fetched now (after the seal)."""
    c = s.clients[who]
    out = {name: c.get(path) for name, path in pages(s, who).items()}
    headers = {"Authorization": f"Bearer {s.tokens[who]}"} if who in s.tokens else {}
    out |= {name: c.get(path, headers=headers) for name, path in api_paths(s, who).items()}
    return out


def whole(response: Any) -> str:
    """A response as a reader gets it: status, headers, cookies, body (streamed or not)."""
    body = (b"".join(response.streaming_content) if response.streaming else response.content)
    return "\n".join((str(response.status_code), repr(sorted(response.headers.items())),
                      response.cookies.output(), body.decode("utf-8", "replace")))


def test_a_secret_vote_answers_with_a_confirmation_and_nothing_else(sealed: Sealed) -> None:
    """A page vote redirects to the ballot's page (or, with htmx, answers the panel saying one
    has voted); an API vote answers `{"recorded": true}`; none sets a cookie or names the
    ballot."""
    page_answers = sealed.vote_answers[:2 * len(PAGE_VOTERS)]
    api_answers = sealed.vote_answers[2 * len(PAGE_VOTERS):]
    for r in page_answers:
        assert not r.cookies, r.cookies.output()
        if r.status_code == 302:
            assert r.content == b""
            assert re.fullmatch(rf"/councils/{SLUG}/(motions|elections)/\d+/", r["Location"])
        else:  # htmx: the motion's panel
            assert r.status_code == 200
            assert "You have voted on this motion." in r.content.decode()
    assert sum(r.status_code == 302 for r in page_answers) == 5
    for r in api_answers:
        assert r.status_code == 200 and not r.cookies
        assert orjson.loads(r.content) == {"recorded": True}
    for r in sealed.vote_answers:
        assert not any(box_id in whole(r) for box_id in sealed.box_ids)
    # Different votes, the same answer: ana's and bo's (yes / no; different rankings) through
    # the pages, dan's and eve's through the API.
    ana, bo = page_answers[0:2], page_answers[2:4]
    for a, b in zip(ana, bo, strict=True):
        assert masked(whole(a)) == masked(whole(b))
    assert [whole(r) for r in api_answers[0:2]] == [whole(r) for r in api_answers[2:4]]


def test_after_the_seal_no_page_api_answer_log_line_email_or_export_holds_a_box_id(
    sealed: Sealed, logs: Recorder
) -> None:
    """Voters, another member who voted, a non-member and an anonymous visitor: every page,
    API answer and export they can fetch, every log record since the first vote, and every
    e-mail sent, hold none of the box ids read before the seal."""
    seen = {}
    for who in ("ana", "dan", "fay", "anonymous"):
        for name, response in fetch(sealed, who).items():
            expected = 404 if (who, name) == ("fay", "own page") else 200  # fay is no member
            assert response.status_code == expected, (who, name, response.status_code)
            seen[who, name] = whole(response)
    # The reads are real: the sealed lists are published (5 voters, the charter's minimum 3),
    # and hold exactly the ballots cast.
    motion_list = orjson.loads(seen["anonymous", "api motion ballots"].split("\n", 3)[3])
    assert sorted(motion_list["ballots"]) == sorted(CHOICES.values())
    election_list = orjson.loads(seen["anonymous", "api election ballots"].split("\n", 3)[3])
    assert sorted(map(tuple, election_list["ballots"])) == sorted(RANKINGS.values())
    assert seen["anonymous", "blt"].rstrip().endswith('"Printers: Strike committee"')
    for (who, name), text in seen.items():
        for box_id in sealed.box_ids:
            assert box_id not in text, f"box id on {name} as seen by {who}"
    log_text = logs.text()
    assert logs.records, "the recorder saw nothing: the logging set-up is broken"
    assert not any(box_id in log_text for box_id in sealed.box_ids)
    for message in mail.outbox:
        text = message.message().as_string()
        assert not any(box_id in text for box_id in sealed.box_ids)


MASK = re.compile(r"\b(?:ana|bo|Ana|Bo)\b")
CSRF = re.compile(r"(csrfmiddlewaretoken\" value=\"|X-CSRFToken\": \"|csrftoken=)[A-Za-z0-9]+")


LENGTH = re.compile(r"\('Content-Length', '\d+'\)|expires=[^;]*;|<dc:date>[^<]*</dc:date>"
                    r"|(?<=[\"#])[mp][0-9a-f]{10}\b|(?<=/inbox/)\d+(?=/read/)"
                    r"|(?<=<dt>Joined</dt><dd>)<time[^>]*>")


def masked(text: str) -> str:
    """ana and bo become the same name; per-request CSRF tokens become one (and the length
    of a page, which the names change, the CSRF cookie's expiry second, and the chart's
    render time and random SVG element ids, the numbers of one's own notifications, and the
    instant one's account was made are left out)."""
    return MASK.sub("X", CSRF.sub(r"\1CSRF", LENGTH.sub("", text)))


def test_what_a_voter_sees_after_the_seal_does_not_depend_on_their_ballot(
    sealed: Sealed,
) -> None:
    """ana voted yes and ranked cy, dan; bo voted no and ranked eve, ana, bo. With their
    names masked alike, every page and API answer each sees after the seal is the same, and
    the e-mails each got are the same: nothing shows a person their ballot, its place in the
    sealed list, its row's id, or anything that differs with it."""
    ana, bo = fetch(sealed, "ana"), fetch(sealed, "bo")
    # One's own page shows one's own acts (ana moved motions, bo did not): compare instead
    # each person's page as its owner sees it (less the form to leave the council, which only
    # the owner gets) and as the other voter sees it.
    ana.pop("own page")
    bo.pop("own page")
    assert set(ana) == set(bo)
    for name in ana:
        assert masked(whole(ana[name])) == masked(whole(bo[name])), name
    for owner in ("ana", "bo"):
        page = f"/councils/{SLUG}/people/{owner}/"
        as_owner = sealed.clients[owner].get(page)
        as_other = sealed.clients["bo" if owner == "ana" else "ana"].get(page)
        assert as_owner.status_code == 200
        own = re.sub(r'\s*<form method="post" action="/councils/[^"]+/leave/">.*?</form>', "",
                     whole(as_owner), flags=re.DOTALL)
        assert masked(own) == masked(whole(as_other)), page

    def mails_to(who: str) -> list[str]:
        return sorted(masked(f"{m.subject}\n{m.body}") for m in mail.outbox
                      if m.to == [f"{who}@example.org"])

    assert mails_to("ana"), "no e-mail was sent: the comparison would prove nothing"
    assert mails_to("ana") == mails_to("bo")


def _promise_paragraphs(html: str) -> list[str]:
    found = re.findall(r'<p class="promise">(.*?)</p>', html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", "", p).replace("&#x27;", "'").replace("&#39;", "'")
                     .split()) for p in found]


def test_the_pages_promise_designs_words_no_more(
    now_voting: tuple[Council, dict[str, Person], int, int],
) -> None:
    """The secret ballot's motion page and election page state DESIGN's promise in its words,
    once, and make no other promise of secrecy (no "anonymous", no "untraceable", no claim
    that the server or its operator cannot know)."""
    _council, people, election, motion = now_voting
    c = _client(people["eve"])
    for url in (f"/councils/{SLUG}/motions/{motion}/", f"/councils/{SLUG}/elections/{election}/"):
        html = c.get(url).content.decode()
        assert _promise_paragraphs(html) == [f"Secret ballot. What this promises: {PROMISE}"], url
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split()).lower()
        assert text.count("secret from") == 2  # "is secret from …; it is not secret from …"
        for claim in ("anonymous", "untraceable", "cannot be traced", "no one can know",
                      "nobody can know", "even the server", "even the operator",
                      "end-to-end", "encrypted"):
            assert claim not in text, (url, claim)
    # The key sentences, each with its limit: after the seal, not while open.
    assert "from anyone who reads the database after the seal" in PROMISE
    assert "not secret from whoever watches the server's database, logs or traffic while " \
        "the ballot is open" in PROMISE


@pytest.fixture
def now_voting(make_person: Callable[..., Person]) -> tuple[Council, dict[str, Person], int, int]:
    """printers with a secret election and a secret motion both open for voting now."""
    now: datetime = timezone.now()
    people = {u: make_person(u, u.title()) for u in MEMBERS}
    council = found_printers(people, now)
    election = call_election(people, council, called_at=now - 8 * DAY)
    stand(people, council, election, now - 8 * DAY)
    day_shift = next(n for n, p in council_state(council).parties.items()
                     if p.name == "Day shift")
    motion = services.motion_move(person=people["cy"], council_id=council.pk,
                                  kind="party_legalization", ref=day_shift, at=now - DAY)
    services.motion_second(person=people["dan"], council_id=council.pk, motion_id=motion,
                           at=now - DAY)
    council.refresh_from_db()
    return council, people, election, motion
