"""Notifications: each event tells exactly the people it concerns, on the site and by e-mail,
as each person chooses; e-mail only after the command commits; a secret vote tells no one;
the inbox shows and changes only one's own notifications."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from councilcast import DAY, World, build, found, secret_vote_all
from django.core import mail
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from webcast import T0

from sovet.core.charter import Charter
from sovet.core.errors import NoSuchMotion
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.selectors import council_state
from sovet.web.notifications import services as inbox_services
from sovet.web.notifications.models import KINDS, Notification, Preference
from sovet.web.notifications.selectors import preferences_of
from sovet.web.notifications.words import sentence, target

CAST = ("ana", "bo", "cy", "dan", "eve", "fay", "gus", "hal")
Sent = Callable[..., Any]


@pytest.fixture
def people(make_person: Callable[..., Person]) -> dict[str, Person]:
    """The cast, each with an e-mail address."""
    return {u: make_person(u, u.title(), email=f"{u}@example.org") for u in CAST}


@pytest.fixture
def bakers(people: dict[str, Person]) -> Council:
    """`bakers`, founded by ana, bo and cy under the default charter (2 sponsors, then a
    secret admission vote; resolutions by open vote, 1 seconder)."""
    return found(people, "bakers", "ana", ("bo", "cy"))


@pytest.fixture
def world(make_person: Callable[..., Person]) -> World:
    """councilcast's world: bakers (ana, bo, cy; bo chair; dan an applicant), tanners."""
    w = build(make_person)
    for p in w.people.values():
        p.email = f"{p.username}@example.org"
        p.save(update_fields=["email"])
    return w


class Watch:
    """The notifications and e-mails since it was made (or last `reset`)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything so far."""
        self.after = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
        mail.outbox.clear()

    def rows(self, kind: str | None = None) -> list[Notification]:
        """The new inbox rows, of one kind or all."""
        q = Notification.objects.filter(id__gt=self.after).order_by("id")
        return list(q if kind is None else q.filter(kind=kind))

    def told(self, kind: str | None = None) -> set[str]:
        """Who got a new inbox row (of one kind)."""
        return {n.person for n in self.rows(kind)}

    def mailed(self) -> set[str]:
        """Who was sent an e-mail (by the part of the address before @)."""
        return {m.to[0].split("@")[0] for m in mail.outbox}


@pytest.fixture
def watch(db: None) -> Watch:
    """A fresh `Watch`."""
    return Watch()


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Iterator[Callable[..., Any]]:
    """Run a service and then its on-commit callbacks, as a real commit would."""

    def run(service: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    yield run


def _admission_vote(bakers: Council, people: dict[str, Person], commit: Sent,
                    who: str = "dan") -> int:
    """`who` applies; ana and bo sponsor: the admission vote opens. Returns its motion."""
    commit(services.member_apply, person=people[who], council_id=bakers.pk, at=T0 + DAY)
    for s in ("ana", "bo"):
        commit(services.applicant_sponsor, person=people[s], council_id=bakers.pk,
               applicant=who, at=T0 + 2 * DAY)
    bakers.refresh_from_db()
    motion = council_state(bakers).members[who].motion
    assert motion is not None
    return motion


# --- each event tells exactly the people it concerns -------------------------------------


def test_a_vote_opening_tells_the_members_only(bakers: Council, people: dict[str, Person],
                                               watch: Watch, commit: Sent) -> None:
    commit(services.member_apply, person=people["dan"], council_id=bakers.pk, at=T0 + DAY)
    motion = commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
                    kind="resolution", text="Strike on Monday", at=T0 + DAY)
    watch.reset()
    commit(services.motion_second, person=people["bo"], council_id=bakers.pk,
           motion_id=motion, at=T0 + DAY)
    assert watch.told() == watch.told("vote_opened") == {"ana", "bo", "cy"}  # not dan
    assert watch.mailed() == {"ana", "bo", "cy"}  # votes opening: e-mail by default
    n = watch.rows()[0]
    assert n.council_id == bakers.pk and n.facts["motion"] == motion
    text = sentence(n.kind, n.facts, council=bakers.name, reader="ana")
    assert f"motion {motion} (resolution) is open until" in text


def test_moving_a_motion_that_needs_seconding_tells_nobody(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
           kind="resolution", text="Strike on Monday", at=T0 + DAY)
    assert watch.rows() == [] and mail.outbox == []


def test_a_vote_closing_tells_the_members_on_the_site_and_mails_nobody_by_default(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    motion = commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
                    kind="resolution", text="Strike on Monday", at=T0 + DAY)
    commit(services.motion_second, person=people["bo"], council_id=bakers.pk,
           motion_id=motion, at=T0 + DAY)
    for who in ("ana", "bo"):
        commit(services.motion_vote, person=people[who], council_id=bakers.pk,
               motion_id=motion, choice="yes", at=T0 + 2 * DAY)
    assert watch.told("vote_closed") == set()  # votes cast tell nobody
    watch.reset()
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 9 * DAY)
    assert watch.told() == watch.told("vote_closed") == {"ana", "bo", "cy"}
    assert mail.outbox == []
    n = watch.rows()[0]
    assert n.facts == {"motion": motion, "what": "resolution", "carried": True}
    assert sentence(n.kind, n.facts, council="Bakers", reader="cy") == (
        f"Bakers: motion {motion} (resolution) carried.")


def test_sponsoring_tells_the_applicant_and_the_last_sponsor_opens_the_vote(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    commit(services.member_apply, person=people["dan"], council_id=bakers.pk, at=T0 + DAY)
    assert watch.rows() == []  # applying tells nobody
    commit(services.applicant_sponsor, person=people["ana"], council_id=bakers.pk,
           applicant="dan", at=T0 + 2 * DAY)
    assert watch.told() == watch.told("sponsored") == {"dan"}
    assert watch.mailed() == {"dan"}
    assert watch.rows()[0].facts == {"by": "ana"}
    watch.reset()
    commit(services.applicant_sponsor, person=people["bo"], council_id=bakers.pk,
           applicant="dan", at=T0 + 2 * DAY)
    assert watch.told("sponsored") == {"dan"}
    assert watch.told("vote_opened") == {"ana", "bo", "cy"}  # the applicant does not vote
    assert {n.kind for n in watch.rows()} == {"sponsored", "vote_opened"}


@pytest.mark.parametrize(("choice", "admitted"), [("yes", True), ("no", False)])
def test_the_admission_vote_tells_the_applicant_they_are_admitted_or_refused(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent, choice: str,
    admitted: bool,
) -> None:
    motion = _admission_vote(bakers, people, commit)
    secret_vote_all(bakers, motion, dict.fromkeys(("ana", "bo", "cy"), choice), 3, people)
    watch.reset()
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 10 * DAY)
    assert watch.told("application_decided") == {"dan"}
    assert watch.rows("application_decided")[0].facts == {"admitted": admitted}
    assert watch.told("vote_closed") == {"ana", "bo", "cy"}  # dan is told as the applicant
    assert watch.told() == {"ana", "bo", "cy", "dan"}
    assert watch.mailed() == {"dan"}  # one's own application: by e-mail; outcomes: not
    text = sentence("application_decided", {"admitted": admitted}, council="Bakers",
                    reader="dan")
    assert text == ("Bakers admitted you as a member." if admitted else
                    "Bakers refused your application by the members' vote.")


def test_an_applicant_who_left_before_the_count_is_not_told_a_decision(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    motion = _admission_vote(bakers, people, commit)
    secret_vote_all(bakers, motion, dict.fromkeys(("ana", "bo", "cy"), "yes"), 3, people)
    commit(services.member_leave, person=people["dan"], council_id=bakers.pk, at=T0 + 4 * DAY)
    watch.reset()
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 10 * DAY)
    assert watch.told("application_decided") == set()
    assert watch.told() == {"ana", "bo", "cy"}


def test_an_objection_tells_the_applicant_and_an_unopposed_admission_too(
    people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    charter = Charter(admission="sponsors_then_objection_period", sponsors=1)
    council = services.council_found(person=people["ana"], slug="weavers", name="Weavers",
                                     cofounders=("bo", "cy"), charter=charter, at=T0)
    for i, who in enumerate(("bo", "cy"), 1):
        services.founding_confirm(person=people[who], council_id=council.pk,
                                  at=T0 + i * timedelta(hours=1))
    for who in ("dan", "eve"):
        commit(services.member_apply, person=people[who], council_id=council.pk, at=T0 + DAY)
        commit(services.applicant_sponsor, person=people["ana"], council_id=council.pk,
               applicant=who, at=T0 + DAY)
    watch.reset()
    commit(services.applicant_object, person=people["bo"], council_id=council.pk,
           applicant="dan", reason="He manages the night shift", at=T0 + 2 * DAY)
    assert watch.told("objected") == {"dan"}
    assert watch.rows("objected")[0].facts == {"by": "bo"}  # the reason stays in the book
    assert watch.told("vote_opened") == {"ana", "bo", "cy"}
    assert watch.told() == {"ana", "bo", "cy", "dan"}
    watch.reset()
    commit(services.motions_close_due, council_id=council.pk, now=T0 + 8 * DAY + 1 * DAY)
    # eve's objection period passed with no objection: admitted; dan's vote closed unvoted.
    assert {(n.person, n.facts["admitted"]) for n in watch.rows("application_decided")} == {
        ("eve", True), ("dan", False)}
    assert watch.told("vote_closed") == {"ana", "bo", "cy"}


def test_an_election_call_carried_opens_the_election_and_its_count_closes_it(
    world: World, watch: Watch, commit: Sent
) -> None:
    bakers, p = world.bakers, world.people
    call = commit(services.motion_move, person=p["ana"], council_id=bakers.pk,
                  kind="election_call", subject="Treasurer", seats=1, method="irv",
                  role="officer", at=T0 + 50 * DAY)
    commit(services.motion_second, person=p["cy"], council_id=bakers.pk, motion_id=call,
           at=T0 + 50 * DAY)
    for who in ("ana", "bo", "cy"):
        commit(services.motion_vote, person=p[who], council_id=bakers.pk, motion_id=call,
               choice="yes", at=T0 + 51 * DAY)
    watch.reset()
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 58 * DAY)
    opened = watch.rows("vote_opened")
    assert {n.person for n in opened} == {"ana", "bo", "cy"}  # not dan (applicant), not fay
    assert opened[0].facts["election"] == call and opened[0].facts["office"] == "Treasurer"
    assert watch.told("vote_closed") == {"ana", "bo", "cy"}
    commit(services.election_nominate, person=p["cy"], council_id=bakers.pk,
           election_id=call, at=T0 + 59 * DAY)
    secret = {"ana": ("cy",), "bo": ("cy",)}
    watch.reset()
    for who, ranking in secret.items():
        commit(services.election_rank, person=p[who], council_id=bakers.pk, election_id=call,
               ranking=ranking, at=T0 + 66 * DAY)
    assert watch.rows() == [] and mail.outbox == []  # secret rankings tell no one
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 80 * DAY)
    counted = watch.rows("vote_closed")
    assert {n.person for n in counted} == {"ana", "bo", "cy"}
    assert counted[0].facts == {"election": call, "office": "Treasurer", "elected": ["cy"]}
    assert watch.told() == {"ana", "bo", "cy"}


def test_a_recall_petition_reaching_its_threshold_tells_the_holder_and_the_signatories(
    world: World, watch: Watch, commit: Sent
) -> None:
    bakers, p = world.bakers, world.people
    # 3 members, recall threshold a quarter: the opener's own signature reaches it.
    petition = commit(services.petition_open, person=p["ana"], council_id=bakers.pk,
                      office=1, holder="bo", at=T0 + 50 * DAY)
    assert watch.told("petition_reached") == {"ana", "bo"}
    assert watch.told("vote_opened") == {"ana", "bo", "cy"}  # the recall vote opens at once
    n = watch.rows("petition_reached")[0]
    assert n.facts["petition"] == petition and n.facts["holder"] == "bo"
    assert {"ana", "bo"} <= watch.mailed()
    assert "recall you from Chair" in sentence(n.kind, n.facts, council="B", reader="bo")
    assert "recall bo from Chair" in sentence(n.kind, n.facts, council="B", reader="ana")


def test_signing_a_petition_below_its_threshold_tells_nobody(
    people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    # A council of 5 with a recall threshold of a half: 3 signatures are needed.
    charter = Charter(recall_threshold=(1, 2), min_founders=3)
    council = services.council_found(person=people["ana"], slug="smiths", name="Smiths",
                                     cofounders=("bo", "cy", "dan", "eve"), charter=charter,
                                     at=T0)
    for i, who in enumerate(("bo", "cy", "dan", "eve"), 1):
        services.founding_confirm(person=people[who], council_id=council.pk,
                                  at=T0 + i * timedelta(hours=1))
    call = services.motion_move(person=people["ana"], council_id=council.pk,
                                kind="election_call", subject="Chair", seats=1, method="irv",
                                role="officer", at=T0 + DAY)
    services.motion_second(person=people["bo"], council_id=council.pk, motion_id=call,
                           at=T0 + DAY)
    for who in ("ana", "bo", "cy"):
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=call,
                             choice="yes", at=T0 + DAY)
    services.motions_close_due(council_id=council.pk, now=T0 + 8 * DAY)
    services.election_nominate(person=people["bo"], council_id=council.pk, election_id=call,
                               at=T0 + 9 * DAY)
    services.election_rank(person=people["ana"], council_id=council.pk, election_id=call,
                           ranking=("bo",), at=T0 + 16 * DAY)
    services.motions_close_due(council_id=council.pk, now=T0 + 30 * DAY)
    watch.reset()
    petition = commit(services.petition_open, person=people["ana"], council_id=council.pk,
                      office=1, holder="bo", at=T0 + 31 * DAY)
    commit(services.petition_sign, person=people["cy"], council_id=council.pk,
           petition_id=petition, at=T0 + 31 * DAY)
    assert watch.rows() == [] and mail.outbox == []
    commit(services.petition_sign, person=people["dan"], council_id=council.pk,
           petition_id=petition, at=T0 + 31 * DAY)
    assert watch.told("petition_reached") == {"ana", "bo", "cy", "dan"}  # eve did not sign
    assert watch.told("vote_opened") == {"ana", "bo", "cy", "dan", "eve"}


# --- secrecy -------------------------------------------------------------------------------


def test_a_secret_vote_notifies_no_one_and_no_notification_names_a_secret_voter(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    motion = _admission_vote(bakers, people, commit)
    watch.reset()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        secret_vote_all(bakers, motion, {"ana": "yes", "bo": "no"}, 3, people)
    assert callbacks == [] and watch.rows() == [] and mail.outbox == []
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 10 * DAY)
    for n in watch.rows():
        assert set(n.facts) <= {"motion", "what", "carried", "admitted"}
    for m in mail.outbox:
        assert "yes" not in m.body.lower().split() and "voted" not in m.body.lower()


# --- preferences ---------------------------------------------------------------------------


def test_each_person_s_choices_are_respected(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    inbox_services.preferences_set(person=people["ana"], choices={"vote_opened": (False, False)})
    inbox_services.preferences_set(person=people["bo"], choices={"vote_opened": (True, False)})
    inbox_services.preferences_set(person=people["cy"], choices={"vote_opened": (False, True)})
    motion = commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
                    kind="resolution", text="Strike", at=T0 + DAY)
    commit(services.motion_second, person=people["bo"], council_id=bakers.pk,
           motion_id=motion, at=T0 + DAY)
    assert watch.told("vote_opened") == {"bo"}
    assert watch.mailed() == {"cy"}
    inbox_services.preferences_set(person=people["ana"], choices={"vote_closed": (True, True)})
    watch.reset()
    commit(services.motion_vote, person=people["ana"], council_id=bakers.pk, motion_id=motion,
           choice="yes", at=T0 + 2 * DAY)
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 9 * DAY)
    assert watch.told("vote_closed") == {"ana", "bo", "cy"}
    assert watch.mailed() == {"ana"}


def test_no_e_mail_to_someone_without_an_address(
    bakers: Council, people: dict[str, Person], watch: Watch, commit: Sent
) -> None:
    Person.objects.filter(username="bo").update(email="")
    motion = commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
                    kind="resolution", text="Strike", at=T0 + DAY)
    commit(services.motion_second, person=people["bo"], council_id=bakers.pk,
           motion_id=motion, at=T0 + DAY)
    assert watch.told() == {"ana", "bo", "cy"}
    assert watch.mailed() == {"ana", "cy"}


def test_the_defaults_and_an_unknown_kind(people: dict[str, Person]) -> None:
    chosen = preferences_of("ana")
    assert set(chosen) == set(KINDS)
    assert all(site for site, _e in chosen.values())
    assert chosen["vote_opened"] == (True, True) and chosen["vote_closed"] == (True, False)
    assert chosen["application_decided"][1] and chosen["sponsored"][1]
    with pytest.raises(inbox_services.UnknownNotificationKind, match="no kind of notification"):
        inbox_services.preferences_set(person=people["ana"], choices={"gossip": (True, True)})
    assert not Preference.objects.exists()


# --- e-mail only after commit --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_e_mail_goes_out_after_the_commit_and_not_on_a_rollback(
    make_person: Callable[..., Person],
) -> None:
    people = {u: make_person(u, u.title(), email=f"{u}@example.org") for u in CAST}
    bakers = found(people, "bakers", "ana", ("bo", "cy"))
    for who in ("ana", "bo", "cy"):
        inbox_services.preferences_set(person=people[who],
                                       choices={"vote_closed": (True, True)})
    watch = Watch()
    motion = services.motion_move(person=people["ana"], council_id=bakers.pk,
                                  kind="resolution", text="Strike", at=T0 + DAY)
    services.motion_second(person=people["bo"], council_id=bakers.pk, motion_id=motion,
                           at=T0 + DAY)
    assert watch.mailed() == {"ana", "bo", "cy"}  # committed: sent
    assert "/councils/bakers/motions/" in mail.outbox[0].body
    watch.reset()
    # The next command first closes the motion that is due (which notifies), then its own
    # rule refuses it: the whole transaction rolls back, the close and its notices with it.
    with pytest.raises(NoSuchMotion):
        services.motion_second(person=people["cy"], council_id=bakers.pk, motion_id=99,
                               at=T0 + 9 * DAY)
    assert watch.rows() == [] and mail.outbox == []
    services.motions_close_due(council_id=bakers.pk, now=T0 + 9 * DAY)
    assert watch.told("vote_closed") == {"ana", "bo", "cy"}
    assert watch.mailed() == {"ana", "bo", "cy"}


def test_the_e_mails_wait_for_the_commit(
    bakers: Council, people: dict[str, Person], watch: Watch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        motion = services.motion_move(person=people["ana"], council_id=bakers.pk,
                                      kind="resolution", text="Strike", at=T0 + DAY)
        services.motion_second(person=people["bo"], council_id=bakers.pk, motion_id=motion,
                               at=T0 + DAY)
        assert watch.told() == {"ana", "bo", "cy"}  # the inbox rows: in the transaction
        assert mail.outbox == []  # the e-mails: not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert watch.mailed() == {"ana", "bo", "cy"}


# --- the inbox -----------------------------------------------------------------------------


@pytest.fixture
def inbox_of_ana(bakers: Council, people: dict[str, Person], commit: Sent) -> list[int]:
    """ana's three notifications (a vote opened, closed) and bo's; returns ana's ids."""
    motion = commit(services.motion_move, person=people["ana"], council_id=bakers.pk,
                    kind="resolution", text="Strike", at=T0 + DAY)
    commit(services.motion_second, person=people["bo"], council_id=bakers.pk,
           motion_id=motion, at=T0 + DAY)
    commit(services.motions_close_due, council_id=bakers.pk, now=T0 + 9 * DAY)
    return list(Notification.objects.filter(person="ana").order_by("id")
                .values_list("id", flat=True))


def _client(person: Person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_the_inbox_needs_a_login(db: None) -> None:
    for url in (reverse("notifications:inbox"), reverse("notifications:settings")):
        r = Client().get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    r = Client().post(reverse("notifications:read_all"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_the_inbox_shows_one_s_own_notifications_unread_first(
    inbox_of_ana: list[int], people: dict[str, Person]
) -> None:
    opened, _closed = inbox_of_ana
    Notification.objects.filter(pk=opened).update(read_at=T0)
    Notification.objects.create(council_id=Notification.objects.get(pk=opened).council_id,
                                person="dan", kind="sponsored", seq=1, facts={"by": "zed"},
                                created_at=T0)
    r = _client(people["ana"]).get(reverse("notifications:inbox"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("was lost") < html.index("is open until")  # unread first
    assert "zed" not in html  # dan's notification is not ana's
    assert "1 unread" in html


def test_mark_read_one_and_all_and_the_header_count(
    inbox_of_ana: list[int], people: dict[str, Person]
) -> None:
    ana = _client(people["ana"])
    assert "2 unread" in ana.get(reverse("home")).content.decode()
    r = ana.post(reverse("notifications:read", args=(inbox_of_ana[0],)))
    assert r.status_code == 302
    assert Notification.objects.get(pk=inbox_of_ana[0]).read_at is not None
    assert Notification.objects.get(pk=inbox_of_ana[1]).read_at is None
    assert "1 unread" in ana.get(reverse("home")).content.decode()
    ana.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(person="ana", read_at__isnull=True).exists()
    assert "unread</span>" not in ana.get(reverse("home")).content.decode()
    assert Notification.objects.filter(person="bo", read_at__isnull=True).count() == 2


def test_someone_else_s_notification_is_not_found(
    inbox_of_ana: list[int], people: dict[str, Person]
) -> None:
    r = _client(people["bo"]).post(reverse("notifications:read", args=(inbox_of_ana[0],)))
    assert r.status_code == 404
    assert Notification.objects.get(pk=inbox_of_ana[0]).read_at is None
    r = _client(people["bo"]).post(reverse("notifications:read", args=(10**9,)))
    assert r.status_code == 404
    assert _client(people["ana"]).get(
        reverse("notifications:read", args=(inbox_of_ana[0],))).status_code == 405


def test_the_header_count_is_one_query(inbox_of_ana: list[int]) -> None:
    ana = Person.objects.get(username="ana")
    t = Template("{% load inbox %}{% unread_count user as n %}{{ n }}")
    with CaptureQueriesContext(connection) as queries:
        assert t.render(Context({"user": ana})) == "2"
    assert len(queries) == 1 and "COUNT" in queries[0]["sql"].upper()


def test_the_settings_page_shows_and_saves_the_choices(people: dict[str, Person]) -> None:
    ana = _client(people["ana"])
    r = ana.get(reverse("notifications:settings"))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="vote_opened_email"' in html and 'name="vote_closed_site"' in html
    data = {f"{k}_site": "on" for k in KINDS}
    r = ana.post(reverse("notifications:settings"), data)
    assert r.status_code == 302
    chosen = preferences_of("ana")
    assert all(site and not email for site, email in chosen.values())
    assert preferences_of("bo")["vote_opened"] == (True, True)  # bo's own stay as they were


def test_each_notification_leads_to_its_page(db: None) -> None:
    assert target("vote_opened", {"motion": 3, "what": "resolution"}, slug="bakers") == (
        "/councils/bakers/motions/3/")
    assert target("petition_reached", {"petition": 1, "motion": 7, "holder": "bo"},
                  slug="bakers") == "/councils/bakers/motions/7/"
    assert target("vote_closed", {"election": 4, "office": "Chair"}, slug="bakers") == (
        reverse("elections:election", args=("bakers", 4)))
    assert target("sponsored", {"by": "ana"}, slug="bakers") == "/councils/bakers/"
