"""Services: who is told what when a council appends acts, and the inbox's own commands.

`notify(council, entries, state)` is the one hook: the councils' pipeline calls it right
after it appends a decision's acts (`sovet.web.councils.services._commit`), in that same
transaction. It reads the acts that mark an event, writes each concerned person's inbox rows,
and hands the e-mails to `transaction.on_commit`, so a command that rolls back writes nothing
and mails nobody. A secret vote appends no act, so it never reaches `notify`; no notification
holds ballot content or names a voter.

The events and who is concerned:
- `ballot.opened` (a motion's vote opens) and a carried election call (an election opens
  for nominations): the electorate, i.e. the members and the seated delegates;
- `motion.decided` and `election.counted` (a vote closes): the electorate; for an admission,
  the applicant is told of their own application instead;
- `member.admitted`, or an admission motion decided: the applicant (admitted or refused);
- `member.sponsored`, `member.objected`: the applicant;
- `petition.signed` that reaches the threshold (the recall motion moved in the same
  decision): the mandate's holder and the petition's signatories.
Each person's `Preference` (or `DEFAULTS`) says whether a kind goes to the inbox, by e-mail,
both or neither.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sovet.core.acts import format_time
from sovet.core.ballot import BallotOpened
from sovet.core.book import Entry
from sovet.core.council import CouncilState
from sovet.core.election import ElectionCounted
from sovet.core.errors import BadCommand, NotFound
from sovet.core.membership import ApplicantObjected, ApplicantSponsored, MemberAdmitted
from sovet.core.motion import MotionDecided, MotionMoved
from sovet.core.petition import PetitionSigned
from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.notifications.models import DEFAULTS, KINDS, Notification, Preference
from sovet.web.notifications.words import sentence, target

log = logging.getLogger(__name__)


class NoSuchNotification(NotFound):
    """No notification with that id in this person's inbox (someone else's looks the same)."""

    code = "no_such_notification"


class UnknownNotificationKind(BadCommand):
    """A preference for a kind of notification that does not exist."""

    code = "unknown_notification_kind"


# The act kinds that can mark an event: any other decision (a vote, a seconding …) returns
# before a single query, so the hook costs nothing on the hot paths.
_MARKS = frozenset({BallotOpened.kind, MotionDecided.kind, ElectionCounted.kind,
                    MemberAdmitted.kind, ApplicantSponsored.kind, ApplicantObjected.kind,
                    PetitionSigned.kind})
_CHUNK = 500


@dataclass(slots=True)
class _Event:
    kind: str
    seq: int
    facts: dict[str, Any]
    people: set[str] = field(default_factory=set)


def _electorate(state: CouncilState) -> set[str]:
    """Who may vote in the council: its members and the delegates seated in it."""
    people = {p for p, m in state.members.items() if m.status == "member"}
    return people | set(state.delegates)


def _events(entries: Sequence[Entry], state: CouncilState) -> list[_Event]:
    """The events the entries mark, each with the people it concerns (state: after them)."""
    moved = {e.act.motion for e in entries if isinstance(e.act, MotionMoved)}
    events: list[_Event] = []
    electorate: set[str] | None = None

    def voters() -> set[str]:
        nonlocal electorate
        if electorate is None:
            electorate = _electorate(state)
        return set(electorate)

    for e in entries:
        a = e.act
        if isinstance(a, BallotOpened):
            m = state.motions[a.motion]
            events.append(_Event("vote_opened", e.seq, {
                "motion": a.motion, "what": m.kind, "closes": format_time(a.closes)}, voters()))
        elif isinstance(a, MotionDecided):
            m = state.motions[a.motion]
            people = voters()
            if m.kind == "admission":
                people.discard(m.subject)
                status = state.status(m.subject)
                # Only if the vote decided it: an applicant who left meanwhile is not told.
                if status == ("member" if a.carried else "refused"):
                    events.append(_Event("application_decided", e.seq,
                                         {"admitted": a.carried}, {m.subject}))
            events.append(_Event("vote_closed", e.seq, {
                "motion": a.motion, "what": m.kind, "carried": a.carried}, people))
            if m.kind == "election_call" and a.carried and a.motion in state.elections:
                el = state.elections[a.motion]
                events.append(_Event("vote_opened", e.seq, {
                    "election": a.motion, "office": state.offices[el.office].name,
                    "closes": format_time(el.nominations_close)}, voters()))
        elif isinstance(a, ElectionCounted):
            el = state.elections[a.election]
            events.append(_Event("vote_closed", e.seq, {
                "election": a.election, "office": state.offices[el.office].name,
                "elected": list(a.elected)}, voters()))
        elif isinstance(a, MemberAdmitted):
            events.append(_Event("application_decided", e.seq, {"admitted": True},
                                 {a.person}))
        elif isinstance(a, ApplicantSponsored):
            events.append(_Event("sponsored", e.seq, {"by": a.by}, {a.person}))
        elif isinstance(a, ApplicantObjected):
            events.append(_Event("objected", e.seq, {"by": a.by}, {a.person}))
        elif isinstance(a, PetitionSigned):
            p = state.petitions[a.petition]
            if p.status == "reached" and p.motion in moved:
                events.append(_Event("petition_reached", e.seq, {
                    "petition": a.petition, "holder": p.person, "motion": p.motion,
                    "office": state.offices[p.office].name if p.office in state.offices
                    else str(p.office)}, {p.person, *p.signatures}))
    return [ev for ev in events if ev.people]


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _choices(people: Iterable[str], kinds: set[str]) -> dict[tuple[str, str], tuple[bool, bool]]:
    """The stored (site, e-mail) choices of these people for these kinds."""
    chosen: dict[tuple[str, str], tuple[bool, bool]] = {}
    for chunk in _chunks(sorted(people)):
        for person, kind, site, email in Preference.objects.filter(
            person__in=chunk, kind__in=kinds
        ).values_list("person", "kind", "site", "email"):
            chosen[person, kind] = (site, email)
    return chosen


@dataclass(frozen=True, slots=True)
class _Mail:
    person: str
    kind: str
    facts: dict[str, Any]


def notify(council: Council, entries: Sequence[Entry], state: CouncilState) -> None:
    """Tell the people concerned by the acts just appended to a council's book.

    Call it in the transaction that appended `entries`, with `state` the council's state after
    them. Writes the inbox rows now; the e-mails go out only when the transaction commits.
    """
    if not any(e.act.kind in _MARKS for e in entries):
        return
    events = _events(entries, state)
    if not events:
        return
    everyone = set().union(*(ev.people for ev in events))
    chosen = _choices(everyone, {ev.kind for ev in events})
    now = timezone.now()
    rows: list[Notification] = []
    mails: list[_Mail] = []
    for ev in events:
        for person in sorted(ev.people):
            site, email = chosen.get((person, ev.kind), DEFAULTS[ev.kind])
            if site:
                rows.append(Notification(council=council, person=person, kind=ev.kind,
                                         seq=ev.seq, facts=ev.facts, created_at=now))
            if email:
                mails.append(_Mail(person, ev.kind, ev.facts))
    Notification.objects.bulk_create(rows, batch_size=_CHUNK)
    if mails:
        slug, name = council.slug, council.name
        transaction.on_commit(lambda: _send(slug, name, mails))


def _send(slug: str, name: str, mails: Sequence[_Mail]) -> None:
    """Send the e-mails of a committed decision, to those who gave an address."""
    people = {m.person for m in mails}
    address: dict[str, str] = {}
    for chunk in _chunks(sorted(people)):
        address.update(Person.objects.filter(username__in=chunk, is_active=True)
                       .exclude(email="").values_list("username", "email"))
    site = getattr(settings, "SOVET_SITE_URL", "").rstrip("/")
    footer = _("You receive this because of your notification settings on Sovet; change "
               "them at %(url)s.") % {"url": site + reverse("notifications:settings")}
    # One event mails the same words to a whole electorate: write them once per event (and
    # per reader only where the words differ, for the holder of a recalled mandate).
    written: dict[tuple[int, bool], tuple[str, str]] = {}
    messages = []
    for m in mails:
        to = address.get(m.person)
        if to is None:
            continue
        key = (id(m.facts), m.facts.get("holder") == m.person)
        if key not in written:
            line = sentence(m.kind, m.facts, council=name, reader=m.person)
            written[key] = (line, "\n\n".join(
                (line, site + target(m.kind, m.facts, slug=slug), footer)))
        subject, body = written[key]
        messages.append(EmailMessage(subject=subject, body=body, to=[to]))
    if not messages:
        return
    try:
        get_connection().send_messages(messages)
    except Exception:  # the decision is committed; a mail server's failure must not undo it
        log.exception("could not send %d notification e-mails for council %s",
                      len(messages), slug)


def _own(person: Person, notification_id: int) -> Notification:
    """One of the person's own notifications; one 404 for absent and someone else's."""
    try:
        return Notification.objects.get(pk=notification_id, person=person.username)
    except Notification.DoesNotExist:
        raise NoSuchNotification(
            f"there is no notification {notification_id} in your inbox",
            notification=notification_id) from None


@transaction.atomic(durable=True)
def notification_read(*, person: Person, notification_id: int) -> None:
    """Mark one of one's own notifications read (again: no change).

    Raises `NoSuchNotification` (a 404) for an id that is absent or someone else's.
    """
    n = _own(person, notification_id)
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])


@transaction.atomic(durable=True)
def notifications_read_all(*, person: Person) -> int:
    """Mark all of one's unread notifications read; returns how many."""
    return Notification.objects.filter(person=person.username, read_at__isnull=True).update(
        read_at=timezone.now())


@transaction.atomic(durable=True)
def preferences_set(*, person: Person, choices: dict[str, tuple[bool, bool]]) -> None:
    """Choose, for each kind, whether it reaches one on the site and by e-mail.

    Kinds not in `choices` keep what they were. Raises `UnknownNotificationKind`.
    """
    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        raise UnknownNotificationKind(
            f"there is no kind of notification called {', '.join(unknown)}; the kinds are "
            f"{', '.join(KINDS)}", kinds=tuple(unknown))
    for kind, (site, email) in choices.items():
        Preference.objects.update_or_create(person=person.username, kind=kind,
                                            defaults={"site": site, "email": email})
