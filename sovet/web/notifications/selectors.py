"""Reads of a person's inbox and notification preferences."""

from __future__ import annotations

from dataclasses import dataclass

from sovet.web.notifications.models import DEFAULTS, KINDS, Notification, Preference
from sovet.web.notifications.words import sentence, target

# The inbox shows every unread notification, and the latest read ones below them.
READ_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Line:
    """One notification as the inbox shows it."""

    id: int
    council: str
    text: str
    url: str
    at: object
    unread: bool


def unread_count(person: str) -> int:
    """How many of the person's notifications are unread: one COUNT on a partial index."""
    return Notification.objects.filter(person=person, read_at__isnull=True).count()


def _lines(rows: list[Notification], reader: str) -> list[Line]:
    return [Line(id=n.pk, council=n.council.name,
                 text=sentence(n.kind, n.facts, council=n.council.name, reader=reader),
                 url=target(n.kind, n.facts, slug=n.council.slug), at=n.created_at,
                 unread=n.read_at is None) for n in rows]


def inbox(person: str) -> tuple[list[Line], list[Line]]:
    """The person's own notifications: all unread ones, newest first, then the latest read."""
    mine = Notification.objects.filter(person=person).select_related("council")
    unread = list(mine.filter(read_at__isnull=True).order_by("-created_at", "-id"))
    read = list(mine.filter(read_at__isnull=False).order_by("-created_at", "-id")
                [:READ_SHOWN])
    return _lines(unread, person), _lines(read, person)


def preferences_of(person: str) -> dict[str, tuple[bool, bool]]:
    """The person's (on the site, by e-mail) choice for every kind, defaults filled in."""
    chosen = dict(DEFAULTS)
    for kind, site, email in Preference.objects.filter(person=person).values_list(
        "kind", "site", "email"
    ):
        if kind in KINDS:
            chosen[kind] = (site, email)
    return chosen
