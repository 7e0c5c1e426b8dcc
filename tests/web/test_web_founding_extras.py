"""Founding extras: a founding group gathered by a signed, expiring link, and affiliation to a
parent council decided by a motion on each side."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from councilcast import World, carry, tanners_send_delegate
from django.test import Client
from webcast import T0

from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils import founding_views, services
from sovet.web.councils.selectors import council_state

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
LINK = re.compile(r'value="https?://[^/]+(/found/join/[^/"]+/)"')


def client_of(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def link_in(html: str) -> str:
    found = LINK.search(html)
    assert found, html[:3000]
    return found.group(1)


# --- the founding link -------------------------------------------------------------------


def test_a_founding_group_gathered_by_link_then_proposed_and_confirmed(
    make_person: Callable[..., Person],
) -> None:
    ana, bo, cy = (make_person(u) for u in ("ana", "bo", "cy"))
    page = client_of(ana).post("/found/invite/", {"name": "Dock workers", "slug": "Docks"})
    assert page.status_code == 200
    first = link_in(page.content.decode())
    assert Council.objects.count() == 0  # a link stores nothing: the link is the draft

    # bo opens it, sees the draft, joins: a new link names ana and bo.
    bo_page = client_of(bo).get(first).content.decode()
    assert "Dock workers" in bo_page and "docks" in bo_page
    assert "Join this founding group" in bo_page
    second = link_in(client_of(bo).post(first).content.decode())
    assert founding_views.invite_draft(second.split("/")[3])["founders"] == ["ana", "bo"]
    # Two founders are too few to propose: no founding form yet.
    assert "Propose the founding" not in client_of(bo).get(second).content.decode()

    third = link_in(client_of(cy).post(second).content.decode())
    cy_page = client_of(cy).get(third).content.decode()
    assert "Propose the founding" in cy_page and 'action="/found/"' in cy_page
    # The proposal is the ordinary founding form, filled in from the draft.
    assert 'value="ana bo"' in cy_page
    response = client_of(cy).post("/found/", {
        "name": "Dock workers", "slug": "docks", "cofounders": "ana bo",
        "admission": "sponsors_then_vote", "sponsors": "2", "objection_days": "7",
        "seconders": "1", "quorum": "1/2", "voting_days": "7"})
    assert response.status_code == 302, response.content.decode()[:2000]
    state = council_state(Council.objects.get(slug="docks"))
    assert set(state.founders) == {"ana", "bo", "cy"} and state.confirmed == {"cy"}
    # The link is spent: opening it again says the id is taken, and joining writes nothing.
    before = Act.objects.count()
    late = make_person("dan")
    assert "exists already" in client_of(late).get(third).content.decode()
    assert client_of(late).post(third).status_code == 409
    assert Act.objects.count() == before


def test_a_founding_link_cannot_be_altered_forged_or_used_after_it_expires(
    make_person: Callable[..., Person],
) -> None:
    ana, bo = make_person("ana"), make_person("bo")
    link = link_in(client_of(ana).post("/found/invite/", {"name": "Docks", "slug": "docks"})
                   .content.decode())
    token = link.split("/")[3]
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    page = client_of(bo).get(f"/found/join/{altered}/")
    assert page.status_code == 400 and "not valid" in page.content.decode()
    # A draft signed by someone else's key, or a draft that is not a draft, is refused too.
    assert client_of(bo).get("/found/join/not-a-token/").status_code == 400
    bad_shape = founding_views.invite_token({"slug": 1})
    assert client_of(bo).get(f"/found/join/{bad_shape}/").status_code == 400
    old = founding_views.invite_token({
        "slug": "docks", "name": "Docks", "founders": ["ana"],
        "issued": int((T0 - DAY).timestamp())})
    page = client_of(bo).get(f"/found/join/{old}/")
    assert page.status_code == 400 and "expired" in page.content.decode()
    # Joining an expired link writes nothing and gives no new link.
    assert "/found/join/" not in client_of(bo).post(f"/found/join/{old}/").content.decode()


def test_a_founding_link_refuses_a_taken_id_and_needs_a_login(
    make_person: Callable[..., Person],
) -> None:
    ana = make_person("ana")
    Council.objects.create(slug="docks", name="Docks")
    page = client_of(ana).post("/found/invite/", {"name": "Docks", "slug": "docks"})
    assert page.status_code == 400 and "already exists" in page.content.decode()
    assert Client().get("/found/invite/")["Location"].startswith("/accounts/login/")
    token = founding_views.invite_token({"slug": "x", "name": "X", "founders": ["ana"],
                                         "issued": int(T0.timestamp()) + 10**9})
    assert Client().get(f"/found/join/{token}/")["Location"].startswith("/accounts/login/")


def test_joining_twice_is_refused(make_person: Callable[..., Person]) -> None:
    ana = make_person("ana")
    link = link_in(client_of(ana).post("/found/invite/", {"name": "Docks", "slug": "docks"})
                   .content.decode())
    page = client_of(ana).post(link)
    assert page.status_code == 409 and "already in this founding group" in page.content.decode()


# --- affiliation -------------------------------------------------------------------------


def test_a_council_asks_by_motion_the_parent_accepts_by_motion_then_it_is_recorded(
    world: World,
) -> None:
    tanners, bakers = world.tanners, world.fresh()
    eve = client_of(world["eve"])
    # Only members table the request; a refusal is shown beside the field and writes nothing.
    before = Act.objects.count()
    refused = client_of(world["ana"]).post("/councils/tanners/affiliate/", {"parent": "bakers"})
    assert refused.status_code == 403 and Act.objects.count() == before
    missing = eve.post("/councils/tanners/affiliate/", {"parent": "nowhere"})
    assert missing.status_code == 404 and "no council" in missing.content.decode()
    itself = eve.post("/councils/tanners/affiliate/", {"parent": "tanners"})
    assert itself.status_code == 400 and Act.objects.count() == before

    response = eve.post("/councils/tanners/affiliate/", {"parent": "bakers", "text": "Unity"})
    assert response.status_code == 302
    number = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    state = council_state(Council.objects.get(slug="tanners"))
    assert state.motions[number].kind == "affiliation_request"
    assert state.motions[number].subject == "bakers"
    tanners.refresh_from_db()
    carry(tanners, world.people, number, ("eve", "gus", "hal"), "gus", 60)
    tanners.refresh_from_db()
    assert council_state(tanners).parent_requested == "bakers"

    # The parent's page lists the request and links to the prefilled motion to accept.
    page = client_of(world["cy"]).get("/councils/bakers/affiliations/").content.decode()
    assert "Tanners" in page and "asks to affiliate" in page
    assert "/councils/bakers/motions/new/?kind=affiliation&amp;subject=tanners" in page
    # Before the parent accepts, recording its acceptance is refused and writes nothing.
    before = Act.objects.count()
    assert eve.post("/councils/tanners/affiliate/record/").status_code == 409
    assert Act.objects.count() == before

    accept = services.motion_move(person=world["ana"], council_id=bakers.pk, kind="affiliation",
                                  subject="tanners", text="Welcome", at=T0 + 60 * DAY)
    carry(bakers, world.people, accept, ("ana", "bo", "cy"), "bo", 61)
    bakers.refresh_from_db()
    assert "tanners" in council_state(bakers).children
    page = eve.get("/councils/tanners/affiliate/").content.decode()
    assert "Record the parent's acceptance" in page
    services.parent_acceptance_record(person=world["eve"], council_id=tanners.pk, parent=bakers,
                                      at=T0 + 90 * DAY)
    tanners.refresh_from_db()
    state = council_state(tanners)
    decided = Act.objects.filter(council=bakers, kind="motion.decided").order_by("-seq").first()
    assert decided is not None
    assert state.parent == "bakers" and state.parent_act == decided.hash
    assert "affiliated" in client_of(world["cy"]).get(
        "/councils/bakers/affiliations/").content.decode()


def test_the_parent_refuses_by_voting_the_motion_down(world: World) -> None:
    tanners, bakers = world.tanners, world.fresh()
    ask = services.motion_move(person=world["eve"], council_id=tanners.pk,
                               kind="affiliation_request", subject="bakers", at=T0 + 60 * DAY)
    carry(tanners, world.people, ask, ("eve", "gus", "hal"), "gus", 60)
    accept = services.motion_move(person=world["ana"], council_id=bakers.pk, kind="affiliation",
                                  subject="tanners", at=T0 + 60 * DAY)
    at = T0 + 61 * DAY
    services.motion_second(person=world["bo"], council_id=bakers.pk, motion_id=accept, at=at)
    for who in ("ana", "bo", "cy"):
        services.motion_vote(person=world[who], council_id=bakers.pk, motion_id=accept,
                             choice="no", at=at)
    services.motions_close_due(council_id=bakers.pk, now=at + 20 * DAY)
    bakers.refresh_from_db()
    assert "tanners" not in council_state(bakers).children
    before = Act.objects.count()
    assert client_of(world["eve"]).post("/councils/tanners/affiliate/record/").status_code == 409
    assert Act.objects.count() == before


def test_the_parent_seats_and_unseats_delegates_from_its_affiliations_page(
    world: World,
) -> None:
    tanners_send_delegate(world, "hal")
    cy = client_of(world["cy"])
    # The elected delegate waits to be seated; a member is offered the button, others not.
    page = cy.get("/councils/bakers/affiliations/").content.decode()
    assert "elected by tanners, not seated yet" in page and "Seat hal" in page
    assert "Seat hal" not in client_of(world["dan"]).get(
        "/councils/bakers/affiliations/").content.decode()
    # Someone the tanners did not elect is refused, naming why, and nothing is written.
    before = Act.objects.count()
    refused = cy.post("/councils/bakers/delegates/seat/", {"child": "tanners", "person": "gus"})
    assert refused.status_code == 409 and "gus" in refused.content.decode()
    assert Act.objects.count() == before
    assert cy.post("/councils/bakers/delegates/seat/",
                   {"child": "tanners", "person": "hal"}).status_code == 302
    assert "hal" in council_state(world.fresh()).delegates

    # Seated, and still mandated by the tanners: no unseat button, and unseating is refused.
    page = cy.get("/councils/bakers/affiliations/").content.decode()
    assert "seated, from tanners" in page and "Unseat hal" not in page
    refused = cy.post("/councils/bakers/delegates/hal/unseat/")
    assert refused.status_code == 409 and "still holds" in refused.content.decode()
    assert Act.objects.count() == before + 1

    # hal leaves the tanners: the mandate has ended, and a member unseats hal.
    services.member_leave(person=world["hal"], council_id=world.tanners.pk, at=T0 + 100 * DAY)
    page = cy.get("/councils/bakers/affiliations/").content.decode()
    assert "tanners has ended this mandate." in page and "Unseat hal" in page
    assert client_of(world["dan"]).post(
        "/councils/bakers/delegates/hal/unseat/").status_code == 403
    assert cy.post("/councils/bakers/delegates/hal/unseat/").status_code == 302
    state = council_state(world.fresh())
    assert "hal" not in state.delegates and not state.is_member("hal")
    assert "No delegate is seated here" in cy.get(
        "/councils/bakers/affiliations/").content.decode()
