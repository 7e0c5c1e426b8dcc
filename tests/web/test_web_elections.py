"""Elections in the browser, through the views: the list, the call, nominating oneself,
standing a slate, ranking once (secret: roll and box, no receipt), the results with the
stage table, the chart and the BLT that `read_blt` reads and recounts to the same elected;
bad input on every form shows a message beside the field and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from electioncast import DAY, MEMBERS, call_election, found_printers, stand

from sovet.core.election import count
from sovet.count.blt import read_blt
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, VoterRoll
from sovet.web.councils.selectors import council_state
from sovet.web.councils.views import SECRECY_PROMISE

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person: Callable[..., Person]) -> dict[str, Person]:
    return {u: make_person(u, u.title()) for u in (*MEMBERS, "fay")}


@pytest.fixture
def now() -> datetime:
    at: datetime = timezone.now()
    return at


@pytest.fixture
def printers(people: dict[str, Person], now: datetime) -> Council:
    return found_printers(people, now)


def as_(people: dict[str, Person], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(people[who])
    return client


def nominating(people: dict[str, Person], council: Council, now: datetime) -> int:
    """An election whose nominations are open now (they close in 5 days)."""
    return call_election(people, council, called_at=now - 2 * DAY)


def voting(people: dict[str, Person], council: Council, now: datetime) -> int:
    """An election whose voting is open now, with ana, bo (Night shift), cy, dan, eve."""
    number = call_election(people, council, called_at=now - 8 * DAY)
    stand(people, council, number, now - 8 * DAY)
    return number


def counted(people: dict[str, Person], council: Council, now: datetime,
            rankings: dict[str, tuple[str, ...]]) -> int:
    """A counted election: voting ran from 9 to 2 days ago; each ranking cast then."""
    number = call_election(people, council, called_at=now - 16 * DAY)
    stand(people, council, number, now - 16 * DAY)
    for who, ranking in rankings.items():
        services.election_rank(person=people[who], council_id=council.pk, election_id=number,
                               ranking=ranking, at=now - 5 * DAY)
    services.motions_close_due(council_id=council.pk, now=now - DAY)
    return number


def written() -> tuple[int, int, int]:
    return Act.objects.count(), VoterRoll.objects.count(), BallotBoxEntry.objects.count()


RANKINGS = {"ana": ("ana", "bo", "cy"), "bo": ("bo", "ana"), "cy": ("cy", "dan"),
            "dan": ("dan", "cy", "eve"), "eve": ("ana", "eve")}


def test_the_council_page_links_the_election_list_which_groups_elections_by_phase(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    n1 = nominating(people, printers, now)
    page = as_(people, "cy").get("/councils/printers/").content.decode()
    assert 'href="/councils/printers/elections/"' in page
    body = as_(people, "cy").get("/councils/printers/elections/").content.decode()
    assert f'href="/councils/printers/elections/{n1}/"' in body
    assert "Nominations open" in body and "Strike committee" in body
    assert "Move to call an election" in body


def test_the_call_form_asks_office_seats_and_method_in_words_and_moves_a_motion(
    people: dict[str, Person], printers: Council
) -> None:
    client = as_(people, "cy")
    form = client.get("/councils/printers/elections/call/").content.decode()
    assert "How many people to elect" in form and "the quota is elected" in form
    response = client.post("/councils/printers/elections/call/",
                           {"ref": "0", "subject": "Delegate", "seats": "1", "method": "irv",
                            "role": "delegate", "text": ""})
    assert response.status_code == 302
    motion = max(council_state(Council.objects.get(slug="printers")).motions.values(),
                 key=lambda m: m.moved_at)
    assert (motion.kind, motion.subject, motion.seats, motion.method, motion.role) == (
        "election_call", "Delegate", 1, "irv", "delegate")


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"ref": "0", "subject": "", "seats": "1", "method": "irv", "role": "officer"}, "subject",
     "Name the new office"),
    ({"ref": "0", "subject": "Chair", "seats": "0", "method": "irv", "role": "officer"},
     "seats", "greater than or equal to 1"),
    ({"ref": "0", "subject": "Chair", "seats": "3", "method": "irv", "role": "officer"},
     "method", "fills one seat"),
    ({"ref": "0", "subject": "Chair", "seats": "1", "method": "dhondt", "role": "officer"},
     "method", "not one of the available choices"),
    ({"ref": "99", "subject": "Chair", "seats": "1", "method": "irv", "role": "officer"},
     "ref", "not one of the available choices"),
])
def test_bad_input_on_the_call_form_is_told_beside_the_field_and_nothing_is_written(
    people: dict[str, Person], printers: Council, data: dict[str, str], field: str, says: str
) -> None:
    before = written()
    response = as_(people, "cy").post("/councils/printers/elections/call/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert says in " ".join(errors[field])
    assert written() == before


def test_the_election_page_explains_the_election_and_a_member_nominates_herself(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = nominating(people, printers, now)
    url = f"/councils/printers/elections/{number}/"
    client = as_(people, "dan")
    page = client.get(url).content.decode()
    assert "Strike committee" in page and "2 people are elected" in page
    assert "Single transferable vote (Scottish rules)" in page
    assert "Nominations close:" in page and "Voting closes:" in page
    assert "Nominate myself" in page
    assert client.post(f"{url}nominate/").status_code == 302
    assert council_state(Council.objects.get(slug="printers")).election(number).candidates == {
        "dan": 0}
    page = client.get(url).content.decode()
    assert "Nominate myself" not in page
    # A second nomination is refused with the core's message, nothing written.
    before = written()
    again = client.post(f"{url}nominate/")
    assert again.status_code == 409 and "already stands" in again.content.decode()
    assert written() == before


def test_a_member_of_a_legal_party_stands_its_slate_with_its_members(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = nominating(people, printers, now)
    state = council_state(printers)
    night = next(n for n, p in state.parties.items() if p.name == "Night shift")
    url = f"/councils/printers/elections/{number}/"
    page = as_(people, "bo").get(url).content.decode()
    assert "Stand a slate for Night shift" in page
    response = as_(people, "bo").post(f"{url}slate/{night}/", {"candidates": ["ana", "bo"]})
    assert response.status_code == 302
    e = council_state(Council.objects.get(slug="printers")).election(number)
    assert e.candidates == {"ana": night, "bo": night}
    assert "Night shift" in as_(people, "cy").get(url).content.decode()


def test_a_proposed_partys_slate_is_refused_with_the_cores_message_beside_the_field(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = nominating(people, printers, now)
    day = next(n for n, p in council_state(printers).parties.items() if p.name == "Day shift")
    before = written()
    response = as_(people, "cy").post(f"/councils/printers/elections/{number}/slate/{day}/",
                                      {"candidates": ["cy"]})
    assert response.status_code == 409
    slate = next(f for n, _p, f in response.context["slates"] if n == day)
    assert "only legal parties stand slates" in " ".join(slate.errors["candidates"])
    assert written() == before


@pytest.mark.parametrize(("data", "says"), [
    ({}, "Tick at least one member"),
    ({"candidates": ["cy"]}, "not one of the available choices"),
])
def test_bad_input_on_the_slate_form_is_told_beside_the_field(
    people: dict[str, Person], printers: Council, now: datetime, data: dict[str, object],
    says: str
) -> None:
    number = nominating(people, printers, now)
    night = next(n for n, p in council_state(printers).parties.items() if p.name == "Night shift")
    before = written()
    response = as_(people, "ana").post(f"/councils/printers/elections/{number}/slate/{night}/",
                                       data)
    assert response.status_code == 400
    slate = next(f for n, _p, f in response.context["slates"] if n == night)
    assert says in " ".join(slate.errors["candidates"])
    assert written() == before


def test_a_member_ranks_once_in_secret_roll_and_box_no_receipt_a_second_is_refused(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = voting(people, printers, now)
    url = f"/councils/printers/elections/{number}/"
    client = as_(people, "cy")
    page = client.get(url).content.decode()
    assert escape(str(SECRECY_PROMISE)) in page
    assert 'name="rank_0"' in page and "ranking.js" in page
    # Candidates are numbered in sorted order: ana, bo, cy, dan, eve.
    response = client.post(f"{url}rank/", {"rank_2": "1", "rank_3": "2", "rank_0": "3"})
    assert response.status_code == 302
    assert VoterRoll.objects.filter(of="election", ballot=number, person="cy").exists()
    box = list(BallotBoxEntry.objects.filter(of="election", ballot=number)
               .values_list("content", flat=True))
    assert box == ['["cy","dan","ana"]']
    after = client.get(url).content.decode()
    assert "You have voted in this election." in after
    assert box[0] not in after and BallotBoxEntry.objects.get().pk not in after
    before = written()
    again = client.post(f"{url}rank/", {"rank_0": "1"})
    assert again.status_code == 409
    assert "already voted" in " ".join(again.context["rank_form"].non_field_errors())
    assert written() == before


@pytest.mark.parametrize(("data", "field", "says"), [
    ({}, None, "Number at least one candidate"),
    ({"rank_0": "1", "rank_1": "1"}, "rank_1", "already has number 1"),
    ({"rank_0": "6"}, "rank_0", "from 1 to 5"),
    ({"rank_0": "0"}, "rank_0", "from 1 to 5"),
    ({"rank_0": "first"}, "rank_0", "from 1 to 5"),
])
def test_bad_input_on_the_ballot_is_told_beside_the_field_and_nothing_is_written(
    people: dict[str, Person], printers: Council, now: datetime, data: dict[str, str],
    field: str | None, says: str
) -> None:
    number = voting(people, printers, now)
    before = written()
    response = as_(people, "eve").post(f"/councils/printers/elections/{number}/rank/", data)
    assert response.status_code == 400
    form = response.context["rank_form"]
    errors = form.non_field_errors() if field is None else form.errors[field]
    assert says in " ".join(errors)
    assert written() == before


def test_results_show_the_elected_the_stage_table_the_chart_and_a_blt_that_recounts_the_same(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = counted(people, printers, now, RANKINGS)
    council = Council.objects.get(slug="printers")
    e = council_state(council).election(number)
    assert e.status == "counted" and len(e.elected) == 2
    client = as_(people, "anonymous")
    page = client.get(f"/councils/printers/elections/{number}/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Elected, in order" in html and "Stage 1" in html and "Quota" in html
    assert "Exhausted" in html and "Download ballots (BLT)" in html
    assert "Stage 2" in html and "(+1.00)" in html  # a transfer, beside the votes after it
    assert page.context["recount_agrees"] is True
    for person in e.elected:
        assert f"<li>{person}</li>" in html
    chart = client.get(f"/councils/printers/elections/{number}/chart.svg")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert b"<svg" in chart.content
    blt = client.get(f"/councils/printers/elections/{number}/ballots.blt")
    assert blt.status_code == 200 and "attachment" in blt["Content-Disposition"]
    profile = read_blt(blt.content)
    assert profile.candidates == ("ana", "bo", "cy", "dan", "eve") and profile.seats == 2
    assert int(profile.weights.sum()) == len(RANKINGS)
    ballots = []
    for row, weight in zip(profile.rankings, profile.weights, strict=True):
        ballots += [tuple(profile.candidates[i] for i in row if i >= 0)] * int(weight)
    counted_act = page.context["count"].counted
    result = count("stv_scottish", 2, profile.candidates, ballots, counted_act.seed)
    assert tuple(profile.candidates[i] for i in result.elected) == e.elected
    # No voter's name sits next to a ranking in the file: only the candidates' names.
    assert b"fay" not in blt.content


def test_below_the_charters_minimum_only_the_stage_counts_are_shown_and_no_blt(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = counted(people, printers, now, {"ana": ("ana",), "cy": ("cy", "dan")})
    client = as_(people, "cy")
    html = client.get(f"/councils/printers/elections/{number}/results/").content.decode()
    assert "only the votes at each stage" in html
    assert "Download ballots (BLT)" not in html and "Stage 1" in html
    assert client.get(f"/councils/printers/elections/{number}/chart.svg").status_code == 200
    refused = client.get(f"/councils/printers/elections/{number}/ballots.blt")
    assert refused.status_code == 404 and "not published" in refused.content.decode()


def test_results_before_the_count_and_an_unknown_election_say_so(
    people: dict[str, Person], printers: Council, now: datetime
) -> None:
    number = voting(people, printers, now)
    client = as_(people, "cy")
    early = client.get(f"/councils/printers/elections/{number}/results/")
    assert early.status_code == 404 and "not counted yet" in early.content.decode()
    call = client.get(f"/councils/printers/motions/{number}/").content.decode()
    assert f'href="/councils/printers/elections/{number}/"' in call
    missing = client.get("/councils/printers/elections/999/")
    assert missing.status_code == 404 and "no election 999" in missing.content.decode()
