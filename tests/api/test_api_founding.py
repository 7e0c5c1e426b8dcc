"""The acts of founding, federation and the inbox through the API: a council proposed with its
charter and confirmed by its founders; a parent's acceptance recorded and a child's delegate
seated; one's notifications read. Every refusal in the one error shape, with nothing written.

The world is councilcast's (bakers: ana, bo the chair, cy; dan an applicant; fay expelled;
tanners: eve, gus, hal), at fixed past times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
import pytest
from apicast import Api, body
from councilcast import (
    World,
    bakers_accept_tanners,
    tanners_ask_bakers,
    tanners_elect_delegate,
    tanners_send_delegate,
)
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webcast import T0

from sovet.core.charter import ADMISSION_PROCEDURES, DECLARATION_KINDS, Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils import services
from sovet.web.councils.forms import QUORUMS
from sovet.web.councils.selectors import council_state, council_state_forget
from sovet.web.notifications.models import KINDS, Notification

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MakeApi = Callable[[Person | None], Api]


def refusal(response: Any, status: int, code: str) -> str:
    """Assert an error answer in the API's one shape; return its sentence."""
    assert response.status_code == status, response.content[:500]
    answer = body(response)
    assert set(answer) == {"error", "detail"} and answer["error"] == code, answer
    assert len(answer["detail"]) > 10 and "Traceback" not in answer["detail"], answer
    return str(answer["detail"])


def written() -> tuple[int, int]:
    """How many councils and acts the server holds (a refusal changes neither)."""
    return Council.objects.count(), Act.objects.count()


# --- founding ----------------------------------------------------------------------------


MILLERS = {"name": "Millers' council", "slug": "Millers", "cofounders": ["bo", "cy"]}


class TestFounding:
    def test_a_council_proposed_with_the_default_charter_is_founded_by_the_last_confirmation(
        self, world: World, api_as: MakeApi
    ) -> None:
        response = api_as(world["ana"]).post("/councils", MILLERS)
        assert response.status_code == 201, response.content
        council = body(response)
        # The id is folded to small letters, as on the page; the proposer confirms at once.
        assert council["slug"] == "millers" and council["name"] == "Millers' council"
        assert council["founders"] == ["ana", "bo", "cy"] and council["confirmed"] == ["ana"]
        assert council["founded"] is False
        # Rules left out take the page's defaults: the core's default charter.
        assert council["charter"] == [list(e) for e in Charter().to_entries()]

        assert api_as(world["bo"]).post("/councils/millers/founding/confirm").status_code == 200
        assert body(api_as(None).get("/councils/millers"))["founded"] is False
        cy = api_as(world["cy"])
        assert body(cy.post("/councils/millers/founding/confirm")) == {"done": True}
        after = body(api_as(None).get("/councils/millers"))
        assert after["founded"] is True and after["confirmed"] == ["ana", "bo", "cy"]

        # Confirming twice, or from outside the group, or an already founded council: refused.
        refusal(cy.post("/councils/millers/founding/confirm"), 409, "wrong_state")
        refusal(api_as(world["eve"]).post("/councils/millers/founding/confirm"), 409,
                "wrong_state")
        refusal(cy.post("/councils/nowhere/founding/confirm"), 404, "no_such_council")

    def test_confirming_is_for_the_founding_group_once_each(
        self, world: World, api_as: MakeApi
    ) -> None:
        assert api_as(world["ana"]).post("/councils", MILLERS).status_code == 201
        acts = written()
        refusal(api_as(world["eve"]).post("/councils/millers/founding/confirm"), 403,
                "not_eligible")
        refusal(api_as(world["ana"]).post("/councils/millers/founding/confirm"), 409,
                "already_done")
        refusal(api_as(None).post("/councils/millers/founding/confirm"), 401,
                "unauthenticated")
        assert written() == acts

    def test_the_charter_rules_given_are_the_first_charter(
        self, world: World, api_as: MakeApi
    ) -> None:
        charter = {"admission": "sponsors_then_objection_period", "sponsors": 1,
                   "objection_days": 3, "seconders": 0, "quorum": "1/2", "voting_days": 2,
                   "barred": []}
        response = api_as(world["ana"]).post("/councils", {**MILLERS, "charter": charter})
        assert response.status_code == 201, response.content
        state = council_state(Council.objects.get(slug="millers"))
        c = state.charter
        assert (c.admission, c.sponsors, c.objection_days, c.seconders) == (
            "sponsors_then_objection_period", 1, 3, 0)
        assert c.quorum == (1, 2) and c.barred == ()
        assert {c.voting_period(k) for k, _days in Charter().voting_days} == {2}
        # The rules the form does not offer keep the core's defaults.
        assert (c.term_days, c.min_founders) == (Charter().term_days, Charter().min_founders)

    def test_a_rule_left_out_keeps_the_page_default_while_others_are_given(
        self, world: World, api_as: MakeApi
    ) -> None:
        response = api_as(world["ana"]).post("/councils", {**MILLERS,
                                                           "charter": {"sponsors": 3}})
        assert response.status_code == 201, response.content
        c = council_state(Council.objects.get(slug="millers")).charter
        assert c.sponsors == 3 and c.barred == Charter().barred
        assert c.admission == Charter().admission and c.quorum == Charter().quorum

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(charter=st.fixed_dictionaries({}, optional={
        "admission": st.sampled_from(ADMISSION_PROCEDURES),
        "sponsors": st.integers(0, 50), "objection_days": st.integers(1, 90),
        "seconders": st.integers(0, 50), "quorum": st.sampled_from([q for q, _w in QUORUMS]),
        "voting_days": st.integers(1, 60),
        "barred": st.lists(st.sampled_from(DECLARATION_KINDS), unique=True)}))
    def test_any_charter_the_page_allows_is_the_first_charter_as_given_or_a_clear_refusal(
        self, world: World, api_as: MakeApi, charter: dict[str, Any]
    ) -> None:
        sid = transaction.savepoint()
        try:
            response = api_as(world["ana"]).post("/councils", {**MILLERS, "charter": charter})
            if response.status_code != 201:
                # Only a combination the core's charter rules refuse, said in its own words.
                refusal(response, 400, "bad_charter")
                return
            c = council_state(Council.objects.get(slug="millers")).charter
            d = Charter()
            assert c.admission == charter.get("admission", d.admission)
            assert c.sponsors == charter.get("sponsors", d.sponsors)
            assert c.objection_days == charter.get("objection_days", d.objection_days)
            assert c.seconders == charter.get("seconders", d.seconders)
            assert "/".join(map(str, c.quorum)) == charter.get("quorum", "/".join(
                map(str, d.quorum)))
            assert c.voting_period("resolution") == charter.get("voting_days",
                                                                d.voting_period("resolution"))
            assert set(c.barred) == set(charter.get("barred", d.barred))
        finally:
            transaction.savepoint_rollback(sid)
            council_state_forget()

    def test_a_kind_barred_twice_is_barred_once(self, world: World, api_as: MakeApi) -> None:
        response = api_as(world["ana"]).post(
            "/councils", {**MILLERS, "charter": {"barred": ["polices", "owns", "polices"]}})
        assert response.status_code == 201, response.content
        c = council_state(Council.objects.get(slug="millers")).charter
        assert c.barred == ("owns", "polices")

    @pytest.mark.parametrize(("change", "field"), [
        ({"charter": {"sponsors": 51}}, "charter.sponsors"),
        ({"charter": {"quorum": "3/4"}}, "charter.quorum"),
        ({"charter": {"admission": "by_lot"}}, "charter.admission"),
        ({"charter": {"barred": ["bakes"]}}, "charter.barred"),
        ({"charter": {"voting_days": 0}}, "charter.voting_days"),
        ({"cofounders": []}, "cofounders"),
        ({"cofounders": "bo cy"}, "cofounders"),
        ({"cofounders": ["B\u043e"]}, "cofounders"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"slug": "mill ers"}, "slug"),
        ({"slug": "m\u0456llers"}, "slug"),
        ({"slug": "found"}, "slug"),  # the schema takes it; the founding form keeps it
    ])
    def test_bad_input_is_400_naming_the_field_and_writes_nothing(
        self, world: World, api_as: MakeApi, change: dict[str, Any], field: str
    ) -> None:
        before = written()
        detail = refusal(api_as(world["ana"]).post("/councils", {**MILLERS, **change}), 400,
                         "invalid_input")
        assert detail.startswith(field), detail
        assert written() == before

    @pytest.mark.parametrize(("change", "status", "code"), [
        ({"cofounders": ["bo", "zed"]}, 400, "no_such_person"),
        ({"cofounders": ["bo"]}, 400, "bad_command"),  # three founders at least
        ({"cofounders": ["bo", "bo"]}, 400, "bad_command"),
        ({"cofounders": ["ana", "bo"]}, 400, "bad_command"),  # the proposer is a founder
        ({"slug": "bakers"}, 409, "council_id_taken"),
        ({"slug": "Bakers"}, 409, "council_id_taken"),
    ])
    def test_a_founding_the_rules_refuse_is_refused_with_their_code(
        self, world: World, api_as: MakeApi, change: dict[str, Any], status: int, code: str
    ) -> None:
        before = written()
        refusal(api_as(world["ana"]).post("/councils", {**MILLERS, **change}), status, code)
        assert written() == before

    def test_founding_needs_a_person_and_the_import_still_works_beside_it(
        self, world: World, api_as: MakeApi
    ) -> None:
        before = written()
        refusal(api_as(None).post("/councils", MILLERS), 401, "unauthenticated")
        assert written() == before
        # POST /councils/import is another address: a book, not a founding.
        from sovet.web.books.selectors import book_lines

        book = b"".join(book_lines(world.fresh()))
        ana = api_as(world["ana"])
        response = ana.client.post("/api/v1/councils/import", data=book,
                                   content_type="application/x-ndjson",
                                   headers={"Authorization": f"Bearer {ana.token}"})
        refusal(response, 409, "council_id_taken")


# --- federation --------------------------------------------------------------------------


class TestFederation:
    def test_the_parents_acceptance_is_recorded_once_it_accepted_by_motion(
        self, world: World, api_as: MakeApi
    ) -> None:
        eve = api_as(world["eve"])
        # Nothing asked yet: nothing to record.
        before = written()
        refusal(eve.post("/councils/tanners/parent/acceptance"), 409, "wrong_state")
        assert written() == before
        tanners_ask_bakers(world)
        # Asked, but the bakers have not accepted: refused, naming why; nothing written.
        before = written()
        detail = refusal(eve.post("/councils/tanners/parent/acceptance"), 409, "wrong_state")
        assert "bakers" in detail and "accepted" in detail
        assert written() == before
        bakers_accept_tanners(world)
        before = written()
        # Only the tanners' members record it.
        refusal(api_as(world["ana"]).post("/councils/tanners/parent/acceptance"), 403,
                "not_a_member")
        refusal(api_as(None).post("/councils/tanners/parent/acceptance"), 401,
                "unauthenticated")
        assert written() == before
        assert body(eve.post("/councils/tanners/parent/acceptance")) == {"done": True}
        decided = Act.objects.filter(council=world.fresh(), kind="motion.decided").order_by(
            "-seq").first()
        assert decided is not None
        state = council_state(Council.objects.get(slug="tanners"))
        assert state.parent == "bakers" and state.parent_act == decided.hash
        shown = body(api_as(None).get("/councils/tanners"))
        assert shown["parent"] == "bakers" and shown["parent_requested"] is None
        assert body(api_as(None).get("/councils/bakers"))["children"] == ["tanners"]
        # Recorded once: a second time there is no request left to record.
        refusal(eve.post("/councils/tanners/parent/acceptance"), 409, "wrong_state")

    def test_the_parent_seats_the_delegate_a_child_elected(
        self, world: World, api_as: MakeApi
    ) -> None:
        tanners_send_delegate(world, "hal")
        cy = api_as(world["cy"])
        before = written()
        # Only the delegate the child elected; only a member of the parent seats them.
        refusal(cy.post("/councils/bakers/delegates", {"child": "tanners", "person": "gus"}),
                409, "wrong_state")
        refusal(api_as(world["dan"]).post("/councils/bakers/delegates",
                                          {"child": "tanners", "person": "hal"}),
                403, "not_a_member")
        refusal(api_as(None).post("/councils/bakers/delegates",
                                  {"child": "tanners", "person": "hal"}), 401, "unauthenticated")
        refusal(cy.post("/councils/bakers/delegates", {"child": "nowhere", "person": "hal"}),
                404, "no_such_council")
        assert written() == before
        members = body(api_as(None).get("/councils/bakers"))["members"]
        assert body(cy.post("/councils/bakers/delegates",
                            {"child": "tanners", "person": "hal"})) == {"done": True}
        shown = body(api_as(None).get("/councils/bakers"))
        assert shown["delegates"] == [{"person": "hal", "child": "tanners"}]
        assert shown["members"] == members + 1
        status = {m["person"]: m for m in body(api_as(None).get("/councils/bakers/members"))}
        assert status["hal"]["status"] == "member" and status["hal"]["via"] == "delegate:tanners"
        refusal(cy.post("/councils/bakers/delegates", {"child": "tanners", "person": "hal"}),
                409, "already_done")

    def test_the_parent_unseats_a_delegate_once_the_child_ended_the_mandate(
        self, world: World, api_as: MakeApi
    ) -> None:
        tanners_send_delegate(world, "hal")
        cy = api_as(world["cy"])
        assert body(cy.post("/councils/bakers/delegates",
                            {"child": "tanners", "person": "hal"})) == {"done": True}
        before = written()
        # hal still holds the tanners' mandate: refused, naming why; only members may ask.
        detail = refusal(cy.post("/councils/bakers/delegates/hal/unseat"), 409, "wrong_state")
        assert "still holds" in detail and "tanners" in detail
        refusal(api_as(world["dan"]).post("/councils/bakers/delegates/hal/unseat"), 403,
                "not_a_member")
        refusal(api_as(None).post("/councils/bakers/delegates/hal/unseat"), 401,
                "unauthenticated")
        refusal(cy.post("/councils/bakers/delegates/gus/unseat"), 409, "wrong_state")
        assert written() == before
        # hal leaves the tanners, which ends the mandate; the parent cites that act.
        services.member_leave(person=world["hal"], council_id=world.tanners.pk,
                              at=T0 + 100 * DAY)
        left = Act.objects.filter(council=world.tanners).order_by("-seq").first()
        assert left is not None and left.kind == "member.left"
        assert body(cy.post("/councils/bakers/delegates/hal/unseat")) == {"done": True}
        unseated = Act.objects.filter(council=world.fresh()).order_by("-seq").first()
        assert unseated is not None and unseated.kind == "federation.delegate_unseated"
        assert orjson.loads(bytes(unseated.body))["act_hash"] == left.hash
        shown = body(api_as(None).get("/councils/bakers"))
        assert shown["delegates"] == []
        status = {m["person"]: m for m in body(api_as(None).get("/councils/bakers/members"))}
        assert status["hal"]["status"] == "left"
        refusal(cy.post("/councils/bakers/delegates/hal/unseat"), 409, "wrong_state")

    def test_a_council_not_affiliated_cannot_have_its_delegate_seated(
        self, world: World, api_as: MakeApi
    ) -> None:
        tanners_elect_delegate(world, "hal")
        before = written()
        refusal(api_as(world["cy"]).post("/councils/bakers/delegates",
                                         {"child": "tanners", "person": "hal"}),
                409, "wrong_state")
        assert written() == before

    @pytest.mark.parametrize("payload", [{}, {"child": "tanners"}, {"person": "hal"},
                                         {"child": "tan ners", "person": "hal"},
                                         {"child": "tanners", "person": "H\u0430l"},
                                         {"child": ["tanners"], "person": "hal"}])
    def test_a_malformed_seat_is_400(self, world: World, api_as: MakeApi,
                                     payload: dict[str, Any]) -> None:
        refusal(api_as(world["cy"]).post("/councils/bakers/delegates", payload), 400,
                "invalid_input")


# --- the inbox ---------------------------------------------------------------------------


class TestInbox:
    def test_the_inbox_shows_ones_own_notifications_as_the_page_does(
        self, world: World, api_as: MakeApi
    ) -> None:
        ana = api_as(world["ana"])
        inbox = body(ana.get("/me/inbox"))
        mine = Notification.objects.filter(person="ana")
        assert mine.exists()
        assert len(inbox["unread"]) == mine.count() and inbox["read"] == []
        for n in inbox["unread"]:
            assert n["unread"] is True and n["kind"] in KINDS and n["text"]
            assert n["council"] in ("bakers", "tanners") and n["url"].startswith("/councils/")
        assert [n["number"] for n in inbox["unread"]] == list(
            mine.order_by("-created_at", "-id").values_list("pk", flat=True))
        # The page says the same sentences.
        page = ana.client
        page.force_login(world["ana"])
        html = page.get("/inbox/").content.decode()
        from django.utils.html import escape

        assert all(escape(n["text"]) in html for n in inbox["unread"])

    def test_marking_read_moves_a_notification_and_others_are_not_ones_own(
        self, world: World, api_as: MakeApi
    ) -> None:
        ana = api_as(world["ana"])
        first = body(ana.get("/me/inbox"))["unread"][0]["number"]
        assert body(ana.post(f"/me/inbox/{first}/read")) == {"done": True}
        inbox = body(ana.get("/me/inbox"))
        assert [n["number"] for n in inbox["read"]] == [first]
        assert first not in {n["number"] for n in inbox["unread"]}
        # Someone else's notification answers as an absent one, and stays unread.
        theirs = Notification.objects.filter(person="bo").first()
        assert theirs is not None
        refusal(ana.post(f"/me/inbox/{theirs.pk}/read"), 404, "no_such_notification")
        refusal(ana.post("/me/inbox/999999999/read"), 404, "no_such_notification")
        theirs.refresh_from_db()
        assert theirs.read_at is None
        assert body(ana.post("/me/inbox/read")) == {"done": True}
        assert body(ana.get("/me/inbox"))["unread"] == []
        assert Notification.objects.filter(person="bo", read_at__isnull=True).exists()

    def test_the_inbox_needs_a_person(self, world: World, api_as: MakeApi) -> None:
        refusal(api_as(None).get("/me/inbox"), 401, "unauthenticated")
        refusal(api_as(None).post("/me/inbox/read"), 401, "unauthenticated")
        refusal(api_as(world["ana"]).post("/me/inbox/0/read"), 400, "invalid_input")
