"""Authorization, from one table: for every API endpoint and every role (anonymous, a member of
another council, an applicant, a member, an office-holder, an expelled member, a revoked
token), the status the API answers. The table must cover every path of the OpenAPI document,
so an endpoint added without a row fails here.

The world is councilcast's (bakers: ana, bo the chair, cy; dan an applicant with a declaration;
fay expelled; tanners: eve, gus, hal), staged further at the real time now so that something is
open for every act: a motion to vote on and one to second, an election taking nominations and
one taking rankings, a petition, a party, two actions, a parent's acceptance to record and a
child's delegate to seat (not yet to unseat), a founding ("mill") to confirm. Each cell runs
in a savepoint rolled back afterwards, so every cell sees the same staged world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from apicast import API, Api, body
from councilcast import World
from django.db import transaction
from django.test import Client
from django.utils import timezone

from sovet.api.tokens import token_create, token_revoke
from sovet.core.charter import Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.books.selectors import book_lines
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state, council_state_forget
from sovet.web.elections.views import phase
from sovet.web.notifications.models import Notification

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "other", "applicant", "member", "officer", "expelled", "revoked")
# Who plays each role in the bakers' council (None: no credentials; ana's revoked token).
PLAYERS: dict[str, str | None] = {"anonymous": None, "other": "eve", "applicant": "dan",
                                  "member": "cy", "officer": "bo", "expelled": "fay",
                                  "revoked": "ana"}

RESOLUTION = {"kind": "resolution", "text": "Bread for the strike fund."}


@dataclass(frozen=True)
class Row:
    """One endpoint: how to call it in the staged world, and the status per role."""

    method: str
    path: str  # as the OpenAPI document names it, under /api/v1
    call: str  # the path with the staged numbers, e.g. "/councils/bakers/motions/{vote}/vote"
    body: Any
    anonymous: int
    other: int
    applicant: int
    member: int
    officer: int
    expelled: int
    revoked: int

    def expected(self, role: str) -> int:
        status: int = getattr(self, role)
        return status


C = "/councils/{slug}"
B = "/councils/bakers"
READ = (200, 200, 200, 200, 200, 200, 401)
# A member's act: anonymous and revoked are 401, those who are not members 403.
ACT = (401, 403, 403, 200, 200, 403, 401)
MADE = (401, 403, 403, 201, 201, 403, 401)

TABLE: tuple[Row, ...] = (
    # Reads: open to anyone, as the pages are; a revoked token is told it is revoked.
    Row("GET", "/councils", "/councils", None, *READ),
    Row("GET", C, B, None, *READ),
    Row("GET", f"{C}/members", f"{B}/members", None, *READ),
    Row("GET", f"{C}/motions", f"{B}/motions", None, *READ),
    Row("GET", f"{C}/motions/{{n}}", f"{B}/motions/{{vote}}", None, *READ),
    Row("GET", f"{C}/elections", f"{B}/elections", None, *READ),
    Row("GET", f"{C}/elections/{{n}}", f"{B}/elections/{{ranking}}", None, *READ),
    Row("GET", f"{C}/petitions", f"{B}/petitions", None, *READ),
    Row("GET", f"{C}/parties", f"{B}/parties", None, *READ),
    Row("GET", f"{C}/actions", f"{B}/actions", None, *READ),
    Row("GET", f"{C}/book", f"{B}/book", None, *READ),
    Row("GET", f"{C}/book/head", f"{B}/book/head", None, *READ),
    # Sealed lists: published only after a secret ballot with enough voters, for nobody else.
    Row("GET", f"{C}/motions/{{n}}/ballots", f"{B}/motions/{{vote}}/ballots", None,
        404, 404, 404, 404, 404, 404, 401),
    Row("GET", f"{C}/elections/{{n}}/ballots", f"{B}/elections/{{chair}}/ballots", None,
        404, 404, 404, 404, 404, 404, 401),
    # Membership: anyone may apply, an expelled person again too (the members decide);
    # whoever is already an applicant or member is refused.
    Row("POST", f"{C}/apply", f"{B}/apply", {"declarations": []},
        401, 200, 409, 409, 409, 200, 401),
    Row("POST", f"{C}/applicants/{{person}}/sponsor", f"{B}/applicants/dan/sponsor", None,
        *ACT),
    # The default charter admits by sponsors and vote: no objection period to object in.
    Row("POST", f"{C}/applicants/{{person}}/object", f"{B}/applicants/dan/object",
        {"reason": "He manages the night shift."}, 401, 403, 403, 409, 409, 403, 401),
    # Leaving is for those in the council (an applicant withdraws); the others have nothing
    # to leave, a conflict with their state rather than a permission.
    Row("POST", f"{C}/leave", f"{B}/leave", None, 401, 409, 200, 200, 200, 409, 401),
    # A declaration is renounced by the person who made it (dan's is number 1), nobody else.
    Row("POST", f"{C}/declarations/{{n}}/renounce", f"{B}/declarations/1/renounce", None,
        401, 403, 200, 403, 403, 403, 401),
    # Motions.
    Row("POST", f"{C}/motions", f"{B}/motions", RESOLUTION, *MADE),
    Row("POST", f"{C}/motions/{{n}}/second", f"{B}/motions/{{second}}/second", None, *ACT),
    Row("POST", f"{C}/motions/{{n}}/vote", f"{B}/motions/{{vote}}/vote", {"choice": "yes"},
        *ACT),
    # Elections: a member stands and ranks; a legal party's member stands its slate.
    Row("POST", f"{C}/elections/{{n}}/nominate", f"{B}/elections/{{nominating}}/nominate",
        None, *ACT),
    Row("POST", f"{C}/elections/{{n}}/slate", f"{B}/elections/{{nominating}}/slate",
        {"party": "{legal}", "candidates": ["cy"]}, 401, 403, 403, 200, 403, 403, 401),
    Row("POST", f"{C}/elections/{{n}}/rank", f"{B}/elections/{{ranking}}/rank",
        {"ranking": ["bo"]}, *ACT),
    # Petitions, parties, actions.
    # bo's is the only mandate and the staged petition to recall him is open, so a member's
    # second petition is a conflict (409), not a permission refusal like the non-members' 403.
    Row("POST", f"{C}/petitions", f"{B}/petitions", {"office": 1, "holder": "bo"},
        401, 403, 403, 409, 409, 403, 401),
    Row("POST", f"{C}/petitions/{{n}}/sign", f"{B}/petitions/{{petition}}/sign", None, *ACT),
    Row("POST", f"{C}/parties", f"{B}/parties", {"name": "Barley", "platform": "Malt."},
        *MADE),
    Row("POST", f"{C}/parties/{{n}}/join", f"{B}/parties/{{party}}/join", None, *ACT),
    Row("POST", f"{C}/actions", f"{B}/actions", {"title": "Picket at the mill"}, *MADE),
    # Attendance is how an applicant may earn admission, so an applicant records theirs.
    Row("POST", f"{C}/actions/{{n}}/attend", f"{B}/actions/{{attend}}/attend", None,
        401, 403, 200, 200, 200, 403, 401),
    Row("POST", f"{C}/actions/{{n}}/confirm", f"{B}/actions/{{confirm}}/confirm",
        {"attendee": "dan"}, *ACT),
    # The book import: one of the book's members imports it; this one's council exists here.
    Row("POST", "/councils/import", "/councils/import", "BOOK",
        401, 403, 403, 409, 409, 403, 401),
    Row("GET", "/me", "/me", None, 401, 200, 200, 200, 200, 200, 401),
    # Founding: anyone signed in proposes a council (here with gus and hal); the staged
    # "mill", proposed by bo with cy, dan and fay, is confirmed by each of them once.
    Row("POST", "/councils", "/councils",
        {"name": "Weavers", "slug": "weavers", "cofounders": ["gus", "hal"]},
        401, 201, 201, 201, 201, 201, 401),
    Row("POST", f"{C}/founding/confirm", "/councils/mill/founding/confirm", None,
        401, 403, 200, 200, 409, 200, 401),
    # Federation: the bakers asked to join the district, which accepted them; the bakers
    # accepted the tanners, who elected hal their delegate. A member records and seats.
    Row("POST", f"{C}/parent/acceptance", f"{B}/parent/acceptance", None, *ACT),
    Row("POST", f"{C}/delegates", f"{B}/delegates", {"child": "tanners", "person": "hal"},
        *ACT),
    # hal still holds the tanners' mandate (and is not seated yet): a member passes the
    # authorization and is refused by the rule.
    Row("POST", f"{C}/delegates/{{person}}/unseat", f"{B}/delegates/hal/unseat", None,
        401, 403, 403, 409, 409, 403, 401),
    # The inbox is one's own: cy's notification is nobody else's to mark (404, as absent).
    Row("GET", "/me/inbox", "/me/inbox", None, 401, 200, 200, 200, 200, 200, 401),
    Row("POST", "/me/inbox/{n}/read", "/me/inbox/{notice}/read", None,
        401, 404, 404, 200, 404, 404, 401),
    Row("POST", "/me/inbox/read", "/me/inbox/read", None, 401, 200, 200, 200, 200, 200, 401),
)


def stage(world: World, make_person: Callable[..., Person]) -> dict[str, int]:
    """Open something for every act, at the real time now (reads close what is due by it).

    ivy and jo are admitted first, so the council has five members and a recall petition
    needs two signatures: the opener's alone does not reach it, and others can sign.
    """
    p, c = dict(world.people), world.bakers.pk
    p["ivy"], p["jo"] = make_person("ivy", "Ivy"), make_person("jo", "Jo")
    now = timezone.now()
    day = timedelta(days=1)
    numbers = {"chair": max(council_state(world.fresh()).elections)}

    def vote_yes(motion: int, at: datetime) -> None:
        for who in ("ana", "bo", "cy"):
            services.motion_vote(person=p[who], council_id=c, motion_id=motion, choice="yes",
                                 at=at)

    def call(office: str, at: datetime) -> int:
        n = services.motion_move(person=p["ana"], council_id=c, kind="election_call",
                                 subject=office, seats=1, method="irv", role="officer", at=at)
        services.motion_second(person=p["bo"], council_id=c, motion_id=n, at=at)
        vote_yes(n, at)
        return int(n)

    # 16 days ago: ivy and jo are sponsored, a party is founded and put to the vote, and the
    # treasurer's election is called; all those ballots closed 9 days ago.
    past = now - 16 * day
    for who in ("ivy", "jo"):
        services.member_apply(person=p[who], council_id=c, at=past)
        for sponsor in ("ana", "bo"):
            services.applicant_sponsor(person=p[sponsor], council_id=c, applicant=who, at=past)
    for who in ("ivy", "jo"):
        vote_yes(council_state(world.fresh()).members[who].motion or 0, past)
    federate(world, p, now)
    for kind, subject in (("affiliation", "tanners"), ("affiliation_request", "district")):
        motion = services.motion_move(person=p["ana"], council_id=c, kind=kind,
                                      subject=subject, at=past)
        services.motion_second(person=p["bo"], council_id=c, motion_id=motion, at=past)
        vote_yes(motion, past)
    numbers["legal"] = services.party_found(person=p["ana"], council_id=c, name="Sourdough",
                                            platform="Slow bread.", at=past)
    services.party_join(person=p["cy"], council_id=c, party_id=numbers["legal"], at=past)
    legalization = services.motion_move(person=p["ana"], council_id=c,
                                        kind="party_legalization", ref=numbers["legal"],
                                        text="Make Sourdough legal.", at=past)
    services.motion_second(person=p["bo"], council_id=c, motion_id=legalization, at=past)
    vote_yes(legalization, past)
    numbers["ranking"] = call("Treasurer", past)
    services.motions_close_due(council_id=c, now=now - 8.5 * day)
    # bo stands for treasurer; nominations closed 2 days ago, so its voting is open now.
    services.election_nominate(person=p["bo"], council_id=c, election_id=numbers["ranking"],
                               at=now - 8 * day)
    # The secretary's election, called 8 days ago, takes nominations for six more days.
    numbers["nominating"] = call("Secretary", now - 8 * day)
    services.motions_close_due(council_id=c, now=now - 0.5 * day)
    # Now: a motion open for votes, one waiting for a seconder, a petition to recall bo signed
    # by ana (one of two signatures), a proposed party, an action dan attended, another action.
    numbers["vote"] = services.motion_move(person=p["ana"], council_id=c, **RESOLUTION)
    services.motion_second(person=p["bo"], council_id=c, motion_id=numbers["vote"])
    numbers["second"] = services.motion_move(person=p["ana"], council_id=c,
                                             kind="resolution", text="Open the books.")
    numbers["petition"] = services.petition_open(person=p["ana"], council_id=c, office=1,
                                                 holder="bo")
    numbers["party"] = services.party_found(person=p["ana"], council_id=c, name="Rye",
                                            platform="Fast bread.")
    numbers["confirm"] = services.action_record(person=p["ana"], council_id=c,
                                                title="Assembly")
    services.attendance_record(person=p["dan"], council_id=c, action_id=numbers["confirm"])
    numbers["attend"] = services.action_record(person=p["ana"], council_id=c, title="Picket")
    services.council_found(person=p["bo"], slug="mill", name="Mill",
                           cofounders=("cy", "dan", "fay"), charter=Charter())
    notice = Notification.objects.filter(person="cy").first()
    assert notice is not None
    numbers["notice"] = notice.pk
    return numbers


def federate(world: World, p: dict[str, Person], now: datetime) -> None:
    """The tanners elect hal their delegate (30 to 9 days ago); the district (gus, eve, hal)
    accepts the bakers by a motion closed 9 days ago."""
    day = timedelta(days=1)
    tanners = world.tanners.pk
    call = services.motion_move(person=p["eve"], council_id=tanners, kind="election_call",
                                subject="Delegate", seats=1, method="irv", role="delegate",
                                at=now - 30 * day)
    services.motion_second(person=p["gus"], council_id=tanners, motion_id=call,
                           at=now - 30 * day)
    for who in ("eve", "gus", "hal"):
        services.motion_vote(person=p[who], council_id=tanners, motion_id=call, choice="yes",
                             at=now - 30 * day)
    services.motions_close_due(council_id=tanners, now=now - 22.5 * day)
    services.election_nominate(person=p["hal"], council_id=tanners, election_id=call,
                               at=now - 22 * day)
    for who in ("eve", "gus", "hal"):
        services.election_rank(person=p[who], council_id=tanners, election_id=call,
                               ranking=("hal",), at=now - 15 * day)
    services.motions_close_due(council_id=tanners, now=now - 8.5 * day)
    district = services.council_found(person=p["gus"], slug="district", name="District",
                                      cofounders=("eve", "hal"), charter=Charter(),
                                      at=now - 30 * day).pk
    for who in ("eve", "hal"):
        services.founding_confirm(person=p[who], council_id=district, at=now - 30 * day)
    accept = services.motion_move(person=p["gus"], council_id=district, kind="affiliation",
                                  subject="bakers", at=now - 16 * day)
    services.motion_second(person=p["eve"], council_id=district, motion_id=accept,
                           at=now - 16 * day)
    for who in ("eve", "gus", "hal"):
        services.motion_vote(person=p[who], council_id=district, motion_id=accept,
                             choice="yes", at=now - 16 * day)
    services.motions_close_due(council_id=district, now=now - 8.5 * day)


@pytest.fixture
def staged(
    world: World, make_person: Callable[..., Person]
) -> Iterator[tuple[World, dict[str, int], dict[str, Api]]]:
    numbers = stage(world, make_person)
    clients: dict[str, Api] = {}
    for role, who in PLAYERS.items():
        if who is None:
            clients[role] = Api()
            continue
        token, plaintext = token_create(person=world[who], name=f"authz {role}")
        if role == "revoked":
            token_revoke(person=world[who], token_id=token.pk)
        clients[role] = Api(plaintext)
    council_state_forget()
    yield world, numbers, clients


def fill(value: Any, numbers: dict[str, int]) -> Any:
    """The body with each "{name}" replaced by the staged number of that name."""
    if isinstance(value, dict):
        return {k: fill(v, numbers) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return numbers[value[1:-1]]
    return value


def ask(api: Api, row: Row, numbers: dict[str, int], book: bytes) -> int:
    """Make the row's request as `api`, inside a savepoint rolled back afterwards."""
    path = row.call.format(**numbers)
    sid = transaction.savepoint()
    try:
        if row.method == "GET":
            response = api.get(path)
        elif row.body == "BOOK":
            headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
            response = api.client.post(API + path, data=book,
                                       content_type="application/x-ndjson", headers=headers)
        else:
            response = api.post(path, fill(row.body, numbers))
        if response.status_code >= 400:
            # Every refusal in the one error shape, whoever asked.
            answer = body(response)
            assert set(answer) == {"error", "detail"} and answer["detail"], (path, answer)
        return int(response.status_code)
    finally:
        transaction.savepoint_rollback(sid)
        council_state_forget()


def test_the_table_covers_every_path_and_method_of_the_openapi_document() -> None:
    document = orjson.loads(Client().get(f"{API}/openapi.json").content)
    offered = {(method.upper(), path.removeprefix(API))
               for path, item in document["paths"].items() for method in item
               if method in {"get", "post", "put", "patch", "delete"}}
    tabled = {(row.method, row.path) for row in TABLE}
    assert offered - tabled == set(), "endpoints without a row in the authorization table"
    assert tabled - offered == set(), "rows for endpoints the API does not offer"
    assert len(tabled) == len(TABLE), "one row per endpoint"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_table_says(
    role: str, staged: tuple[World, dict[str, int], dict[str, Api]]
) -> None:
    world, numbers, clients = staged
    book = b"".join(book_lines(world.fresh()))
    got = {(row.method, row.path): ask(clients[role], row, numbers, book) for row in TABLE}
    wrong = {key: (row.expected(role), got[key])
             for key, row in zip(got, TABLE, strict=True) if got[key] != row.expected(role)}
    assert wrong == {}, f"{role}: (expected, got) per endpoint"


def test_the_staged_world_is_what_the_table_assumes(
    staged: tuple[World, dict[str, int], dict[str, Api]]
) -> None:
    world, numbers, _clients = staged
    state = council_state(world.fresh())
    statuses = {p: m.status for p, m in state.members.items()}
    assert "eve" not in statuses and "eve" in council_state(world.tanners).members
    assert [statuses[p] for p in ("dan", "cy", "bo", "fay")] == [
        "applicant", "member", "member", "expelled"]
    assert any("bo" in o.mandates for o in state.offices.values())
    assert not any("cy" in o.mandates for o in state.offices.values())
    assert state.n_members == 5
    assert state.motions[numbers["vote"]].status == "open"
    assert state.motions[numbers["second"]].status == "moved"
    now = timezone.now()
    assert phase(state.elections[numbers["nominating"]], now) == "nominating"
    assert phase(state.elections[numbers["ranking"]], now) == "voting"
    assert state.elections[numbers["chair"]].status == "counted"
    assert state.parties[numbers["legal"]].status == "legal"
    assert state.parties[numbers["party"]].status == "proposed"
    assert state.petitions[numbers["petition"]].status == "open"
    assert state.declarations[1].person == "dan" and not state.declarations[1].renounced
    assert state.parent_requested == "district" and state.children == {"tanners"}
    assert "bakers" in council_state(Council.objects.get(slug="district")).children
    assert any(o.role == "delegate" and "hal" in o.mandates
               for o in council_state(Council.objects.get(slug="tanners")).offices.values())
    mill = council_state(Council.objects.get(slug="mill"))
    assert mill.founders == ("bo", "cy", "dan", "fay") and mill.confirmed == {"bo"}
    assert Notification.objects.get(pk=numbers["notice"]).person == "cy"
