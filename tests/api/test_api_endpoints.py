"""Every endpoint of /api/v1/ does what its page does, through the same services, and refuses
what the rules refuse, with the error's code and a sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
import pytest
from apicast import Api, body, hal_admission
from councilcast import World
from django.utils import timezone
from electioncast import DAY, MEMBERS, call_election, found_printers, stand

from sovet.core.book import merkle_root
from sovet.core.errors import UnknownKind
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, VoterRoll
from sovet.web.councils.selectors import council_state
from sovet.web.errors import status_for

ApiAs = Callable[[Person | None], Api]

# Every path of the contract (/work/notes/i5_contract.md), as the OpenAPI document names them.
PATHS = {
    "/api/v1/councils": {"get", "post"},
    "/api/v1/councils/{slug}/founding/confirm": {"post"},
    "/api/v1/councils/{slug}/parent/acceptance": {"post"},
    "/api/v1/councils/{slug}/delegates": {"post"},
    "/api/v1/councils/{slug}/delegates/{person}/unseat": {"post"},
    "/api/v1/councils/{slug}": {"get"},
    "/api/v1/councils/{slug}/members": {"get"},
    "/api/v1/councils/{slug}/motions": {"get", "post"},
    "/api/v1/councils/{slug}/motions/{n}": {"get"},
    "/api/v1/councils/{slug}/motions/{n}/second": {"post"},
    "/api/v1/councils/{slug}/motions/{n}/vote": {"post"},
    "/api/v1/councils/{slug}/motions/{n}/ballots": {"get"},
    "/api/v1/councils/{slug}/elections": {"get"},
    "/api/v1/councils/{slug}/elections/{n}": {"get"},
    "/api/v1/councils/{slug}/elections/{n}/nominate": {"post"},
    "/api/v1/councils/{slug}/elections/{n}/slate": {"post"},
    "/api/v1/councils/{slug}/elections/{n}/rank": {"post"},
    "/api/v1/councils/{slug}/elections/{n}/ballots": {"get"},
    "/api/v1/councils/{slug}/apply": {"post"},
    "/api/v1/councils/{slug}/applicants/{person}/sponsor": {"post"},
    "/api/v1/councils/{slug}/applicants/{person}/object": {"post"},
    "/api/v1/councils/{slug}/leave": {"post"},
    "/api/v1/councils/{slug}/declarations/{n}/renounce": {"post"},
    "/api/v1/councils/{slug}/petitions": {"get", "post"},
    "/api/v1/councils/{slug}/petitions/{n}/sign": {"post"},
    "/api/v1/councils/{slug}/parties": {"get", "post"},
    "/api/v1/councils/{slug}/parties/{n}/join": {"post"},
    "/api/v1/councils/{slug}/actions": {"get", "post"},
    "/api/v1/councils/{slug}/actions/{n}/attend": {"post"},
    "/api/v1/councils/{slug}/actions/{n}/confirm": {"post"},
    "/api/v1/councils/{slug}/book": {"get"},
    "/api/v1/councils/{slug}/book/head": {"get"},
    "/api/v1/councils/import": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/me/inbox": {"get"},
    "/api/v1/me/inbox/{n}/read": {"post"},
    "/api/v1/me/inbox/read": {"post"},
}


def refused(answer: Any, status: int, code: str, words: str = "") -> None:
    """The answer is the API's error shape with this status, code and words."""
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/json")
    data = body(answer)
    assert set(data) == {"error", "detail"} and data["error"] == code, data
    assert words in data["detail"]


@pytest.mark.django_db
def test_the_openapi_document_is_valid_json_listing_every_path() -> None:
    answer = Api().get("/openapi.json")
    assert answer.status_code == 200
    doc = orjson.loads(answer.content)
    assert doc["openapi"].startswith("3.")
    paths = {p: {m for m in ops if m in ("get", "post")} for p, ops in doc["paths"].items()}
    assert paths == PATHS
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)
    schemes = doc["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()


# Reads ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_reads_councils_members_motions_and_the_book_head(world: World) -> None:
    api = Api()
    councils = body(api.get("/councils"))
    assert [c["slug"] for c in councils] == ["bakers", "tanners"]
    bakers = body(api.get("/councils/bakers"))
    assert bakers["acts"] == world.fresh().head_seq and bakers["head"] == world.bakers.head_hash
    assert bakers["founders"] == ["ana", "bo", "cy"] and bakers["members"] == 3
    assert ["sponsors", 2] in bakers["charter"]
    assert bakers["offices"][0]["name"] == "Chair"
    assert [m["person"] for m in bakers["offices"][0]["mandates"]] == ["bo"]
    members = {m["person"]: m["status"] for m in body(api.get("/councils/bakers/members"))}
    assert members == {"ana": "member", "bo": "member", "cy": "member", "dan": "applicant",
                       "fay": "expelled"}
    motions = body(api.get("/councils/bakers/motions"))
    assert [m["number"] for m in motions] == [3, 2, 1]
    head = body(api.get("/councils/bakers/book/head"))
    assert head == {"slug": "bakers", "acts": bakers["acts"], "head": bakers["head"]}


@pytest.mark.django_db
def test_a_motion_shows_its_tally_an_open_ballots_names_and_never_a_secret_ones(
        world: World, api_as: ApiAs) -> None:
    open_call = body(Api().get("/councils/bakers/motions/3"))
    assert open_call["status"] == "carried" and not open_call["secret"]
    assert open_call["tally"] == {"yes": 3, "no": 0, "abstain": 0}
    assert open_call["votes"] == {"ana": "yes", "bo": "yes", "cy": "yes"}
    assert open_call["voted"] is None  # anonymous
    expulsion = body(api_as(world["cy"]).get("/councils/bakers/motions/2"))
    assert expulsion["secret"] and expulsion["status"] == "carried"
    assert expulsion["tally"] == {"yes": 2, "no": 1, "abstain": 0}
    assert expulsion["votes"] == {} and expulsion["published"] is False
    assert expulsion["voted"] is True
    assert body(api_as(world["dan"]).get("/councils/bakers/motions/2"))["voted"] is False
    # Three voters are fewer than the charter's 50: the sealed list is not published.
    refused(Api().get("/councils/bakers/motions/2/ballots"), 404, "not_found",
            "min_published_voters")
    refused(Api().get("/councils/bakers/motions/99"), 404, "no_such_motion")


@pytest.mark.django_db
def test_a_published_sealed_list_is_served_in_sealed_order_with_its_merkle_root(
        make_person: Callable[..., Person]) -> None:
    people = {who: make_person(who, who.title()) for who in MEMBERS}
    council = found_printers(people, timezone.now())
    legalization = next(n for n, m in council_state(council).motions.items()
                        if m.kind == "party_legalization")
    answer = body(Api().get(f"/councils/printers/motions/{legalization}/ballots"))
    assert answer["voters"] == 5
    assert sorted(answer) == ["ballots", "leaves", "merkle_root", "voters"]
    assert answer["ballots"] == ["yes"] * 5
    leaves = [leaf.encode() for leaf in answer["leaves"]]
    assert [orjson.loads(leaf)["vote"] for leaf in leaves] == answer["ballots"]
    assert answer["merkle_root"] == merkle_root(leaves)


# Membership ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_sponsor_object_leave_and_renounce(world: World, api_as: ApiAs) -> None:
    gus = api_as(world["gus"])
    assert body(gus.post("/councils/bakers/apply", {"declarations": [
        {"kind": "owns", "where": "Gus's mill", "since": "2020", "text": "Half of it"}]})) == {
        "done": True}
    state = council_state(world.fresh())
    assert state.members["gus"].status == "applicant"
    number = max(n for n, d in state.declarations.items() if d.person == "gus")
    refused(gus.post("/councils/bakers/apply", {}), 409, "wrong_state", "already an applicant")
    assert body(gus.post(f"/councils/bakers/declarations/{number}/renounce")) == {"done": True}
    assert council_state(world.fresh()).declarations[number].renounced
    # Only members sponsor; a member sponsors once.
    refused(api_as(world["dan"]).post("/councils/bakers/applicants/gus/sponsor"), 403,
            "not_a_member")
    ana = api_as(world["ana"])
    assert body(ana.post("/councils/bakers/applicants/gus/sponsor")) == {"done": True}
    assert "ana" in council_state(world.fresh()).members["gus"].sponsors
    refused(ana.post("/councils/bakers/applicants/gus/sponsor"), 409, "already_done",
            "ana already sponsors gus")
    # The default charter has no objection period: an objection is refused, with the reason.
    refused(ana.post("/councils/bakers/applicants/gus/object", {"reason": "He owns it"}), 409,
            "wrong_state", "no objection period")
    refused(ana.post("/councils/bakers/applicants/gus/object", {"reason": ""}), 400,
            "invalid_input", "reason")
    assert body(gus.post("/councils/bakers/leave")) == {"done": True}
    assert council_state(world.fresh()).members["gus"].status == "left"


# Motions and votes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_table_second_and_vote_an_open_motion_whose_votes_are_named_in_the_book(
        world: World, api_as: ApiAs) -> None:
    ana, bo, cy = (api_as(world[p]) for p in ("ana", "bo", "cy"))
    tabled = ana.post("/councils/bakers/motions", {"kind": "resolution", "text": "Bread for all"})
    assert tabled.status_code == 201
    n = body(tabled)["number"]
    refused(ana.post(f"/councils/bakers/motions/{n}/second"), 409, "own_motion")
    assert body(bo.post(f"/councils/bakers/motions/{n}/second")) == {"done": True}
    assert body(bo.get(f"/councils/bakers/motions/{n}"))["status"] == "open"
    assert body(cy.post(f"/councils/bakers/motions/{n}/vote", {"choice": "no"})) == {
        "recorded": True}
    motion = body(cy.get(f"/councils/bakers/motions/{n}"))
    assert motion["votes"] == {"cy": "no"} and motion["voted"] is True
    assert motion["tally"] == {"yes": 0, "no": 1, "abstain": 0}
    refused(cy.post(f"/councils/bakers/motions/{n}/vote", {"choice": "yes"}), 409,
            "already_voted")
    refused(api_as(world["dan"]).post(f"/councils/bakers/motions/{n}/vote", {"choice": "yes"}),
            403, "not_a_member")
    refused(api_as(world["eve"]).post(f"/councils/bakers/motions/{n}/vote", {"choice": "yes"}),
            403, "not_a_member")


@pytest.mark.django_db
def test_a_secret_vote_answers_only_that_it_was_recorded(world: World, api_as: ApiAs) -> None:
    admission = hal_admission(world, api_as)
    before = Act.objects.filter(council=world.bakers).count()
    answer = api_as(world["cy"]).post(f"/councils/bakers/motions/{admission}/vote",
                                      {"choice": "yes"})
    assert answer.status_code == 200 and answer.content == b'{"recorded": true}'
    # No header beyond those every answer carries (no Location, ETag or id of any kind).
    assert set(answer.headers) <= set(Api().get("/councils").headers) | {"Content-Length"}
    assert VoterRoll.objects.filter(council=world.bakers, ballot=admission,
                                    person="cy").exists()
    assert BallotBoxEntry.objects.filter(council=world.bakers, ballot=admission).count() == 1
    assert Act.objects.filter(council=world.bakers).count() == before  # no act names a voter
    seen = body(api_as(world["cy"]).get(f"/councils/bakers/motions/{admission}"))
    assert seen["tally"] is None and seen["votes"] == {} and seen["voted"] is True
    refused(api_as(world["cy"]).post(f"/councils/bakers/motions/{admission}/vote",
                                     {"choice": "no"}), 409, "already_voted")


@pytest.mark.django_db
def test_a_charter_amendment_is_tabled_with_the_whole_new_charter(world: World,
                                                                  api_as: ApiAs) -> None:
    ana = api_as(world["ana"])
    charter = body(ana.get("/councils/bakers"))["charter"]
    amended = [e for e in charter if e[0] != "sponsors"] + [["sponsors", 1]]
    tabled = ana.post("/councils/bakers/motions", {"kind": "charter_amendment",
                                                   "text": "One sponsor", "charter": amended})
    assert tabled.status_code == 201
    m = council_state(world.fresh()).motions[body(tabled)["number"]]
    assert ("sponsors", 1) in m.charter
    refused(ana.post("/councils/bakers/motions", {"kind": "charter_amendment",
                                                  "charter": [["sponsors", 1, 2, 3]]}),
            400, "bad_charter")
    # Statuses are sovet.web.errors.status_for's, the pages' own.
    refused(ana.post("/councils/bakers/motions", {"kind": "coup"}),
            status_for(UnknownKind("")), "unknown_kind", "'coup' is not a kind of motion")


# Petitions, parties, actions -------------------------------------------------------------------


@pytest.mark.django_db
def test_petition_to_recall_the_chair_and_sign_it(world: World, api_as: ApiAs) -> None:
    ana = api_as(world["ana"])
    opened = ana.post("/councils/bakers/petitions", {"office": 1, "holder": "bo"})
    assert opened.status_code == 201
    n = body(opened)["number"]
    petition = body(Api().get("/councils/bakers/petitions"))[0]
    assert petition["number"] == n and petition["person"] == "bo"
    assert petition["signatures"] == ["ana"] and petition["office_name"] == "Chair"
    # A quarter of three members is one signature: the opener's reached the threshold, and
    # the recall vote opened at once.
    state = council_state(world.fresh())
    recall = state.petitions[n].motion
    assert state.petitions[n].status == "reached" and recall is not None
    assert state.motions[recall].kind == "recall"
    refused(api_as(world["cy"]).post(f"/councils/bakers/petitions/{n}/sign"), 409,
            "wrong_state", "has reached its threshold")
    refused(api_as(world["dan"]).post(f"/councils/bakers/petitions/{n}/sign"), 403,
            "not_a_member")
    refused(ana.post("/councils/bakers/petitions", {"office": 1, "holder": "Bo!"}), 400,
            "invalid_input", "holder")


@pytest.mark.django_db
def test_found_and_join_a_party(world: World, api_as: ApiAs) -> None:
    made = api_as(world["ana"]).post("/councils/bakers/parties",
                                     {"name": "Night shift", "platform": "No <b>unpaid</b> hours"})
    assert made.status_code == 201
    n = body(made)["number"]
    bo = api_as(world["bo"])
    assert body(bo.post(f"/councils/bakers/parties/{n}/join")) == {"done": True}
    party = body(Api().get("/councils/bakers/parties"))[0]
    assert party == {"number": n, "name": "Night shift", "platform": "No <b>unpaid</b> hours",
                     "members": ["ana", "bo"], "status": "proposed"}
    assert bo.post(f"/councils/bakers/parties/{n}/join").status_code == 409
    refused(bo.post("/councils/bakers/parties/77/join"), 404, "not_found", "no party 77")
    refused(bo.post("/councils/bakers/parties", {"name": ""}), 400, "invalid_input", "name")


@pytest.mark.django_db
def test_record_an_action_attend_it_and_confirm_attendance(world: World, api_as: ApiAs) -> None:
    ana, bo = api_as(world["ana"]), api_as(world["bo"])
    made = ana.post("/councils/bakers/actions", {"title": "Picket at the mill"})
    assert made.status_code == 201
    n = body(made)["number"]
    assert body(bo.post(f"/councils/bakers/actions/{n}/attend")) == {"done": True}
    assert body(ana.post(f"/councils/bakers/actions/{n}/confirm", {"attendee": "bo"})) == {
        "done": True}
    action = body(Api().get("/councils/bakers/actions"))[0]
    assert action["title"] == "Picket at the mill" and action["claimed"] == {"bo": ["ana"]}
    refused(Api().post(f"/councils/bakers/actions/{n}/attend"), 401, "unauthenticated")


# Elections -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nominate_stand_a_slate_rank_in_secret_and_read_the_count_with_stages(
        make_person: Callable[..., Person], api_as: ApiAs) -> None:
    people = {who: make_person(who, who.title()) for who in (*MEMBERS, "fay")}
    now = timezone.now()
    council = found_printers(people, now)
    # Nominations open now: members stand, and Night shift stands its slate.
    nominating = call_election(people, council, called_at=now - DAY)
    listed = body(Api().get("/councils/printers/elections"))
    assert [(e["number"], e["phase"]) for e in listed] == [(nominating, "nominating")]
    cy = api_as(people["cy"])
    assert body(cy.post(f"/councils/printers/elections/{nominating}/nominate")) == {"done": True}
    again = cy.post(f"/councils/printers/elections/{nominating}/nominate")
    assert again.status_code == 409 and body(again)["detail"]
    refused(api_as(people["fay"]).post(f"/councils/printers/elections/{nominating}/nominate"),
            403, "not_a_member")
    night = next(n for n, p in council_state(council).parties.items() if p.name == "Night shift")
    slate = api_as(people["ana"]).post(f"/councils/printers/elections/{nominating}/slate",
                                       {"party": night, "candidates": ["ana", "bo"]})
    assert body(slate) == {"done": True}
    detail = body(Api().get(f"/councils/printers/elections/{nominating}"))
    assert {c["person"]: c["party_name"] for c in detail["candidates"]} == {
        "ana": "Night shift", "bo": "Night shift", "cy": ""}
    assert detail["result"] is None and detail["full_count"] is None

    # Another election, whose voting is open now.
    voting = call_election(people, council, called_at=now - 8 * DAY, office="Treasurer",
                           seats=1, method="irv")
    stand(people, council, voting, now - 8 * DAY + timedelta(hours=1))
    for who, ranking in (("ana", ["ana", "bo"]), ("bo", ["bo"]), ("cy", ["cy", "ana"]),
                         ("dan", ["ana"]), ("eve", ["eve", "ana"])):
        answer = api_as(people[who]).post(f"/councils/printers/elections/{voting}/rank",
                                          {"ranking": ranking})
        assert answer.content == b'{"recorded": true}', answer.content
    refused(api_as(people["ana"]).post(f"/councils/printers/elections/{voting}/rank",
                                       {"ranking": ["bo"]}), 409, "already_voted")
    refused(api_as(people["ana"]).post(f"/councils/printers/elections/{voting}/rank",
                                       {"ranking": []}), 400, "invalid_input", "ranking")
    refused(Api().get(f"/councils/printers/elections/{voting}/ballots"), 404, "not_found",
            "not counted yet")
    closes = council_state(council).election(voting).closes
    services.motions_close_due(council_id=council.pk, now=closes + DAY)
    counted = body(Api().get(f"/councils/printers/elections/{voting}"))
    assert counted["phase"] == "counted" and counted["elected"] == ["ana"]
    assert counted["full_count"] is True
    result = counted["result"]
    assert result["elected"] == ["ana"] and result["rounds"]
    assert all({"votes", "transfers", "action"} <= set(r) for r in result["rounds"])
    ballots = body(Api().get(f"/councils/printers/elections/{voting}/ballots"))
    assert sorted(map(tuple, ballots["ballots"])) == sorted(
        [("ana", "bo"), ("bo",), ("cy", "ana"), ("ana",), ("eve", "ana")])
    refused(Api().get("/councils/printers/elections/999"), 404, "not_found", "no election 999")


# The book and the person ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_book_is_served_as_jsonl_byte_for_byte_with_its_head(world: World) -> None:
    from sovet.web.books.selectors import book_export

    answer = Api().get("/councils/bakers/book")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/x-ndjson"
    data = b"".join(answer.streaming_content)
    council = world.fresh()
    assert data == book_export(council)
    assert answer["X-Sovet-Book-Head"] == council.head_hash
    refused(Api().get("/councils/nobody/book"), 404, "no_such_council")


@pytest.mark.django_db
def test_me_names_the_person_and_their_councils(world: World, api_as: ApiAs) -> None:
    me = body(api_as(world["dan"]).get("/me"))
    assert me["username"] == "dan" and me["display_name"] == "Dan"
    assert [(c["council"], c["status"]) for c in me["councils"]] == [("bakers", "applicant")]
    refused(Api().get("/me"), 401, "unauthenticated")


@pytest.mark.django_db
def test_no_answer_carries_a_ballot_box_id(world: World, api_as: ApiAs) -> None:
    ids = {str(i) for i in BallotBoxEntry.objects.values_list("pk", flat=True)}
    ids |= {str(c) for c in BallotBoxEntry.objects.values_list("content", flat=True)
            if len(str(c)) > 8}
    api = api_as(world["ana"])
    for path in ("/councils/bakers", "/councils/bakers/motions/1", "/councils/bakers/motions/2",
                 "/councils/bakers/elections/3", "/me"):
        text = api.get(path).content.decode()
        for i in ids:
            assert f'"{i}"' not in text

