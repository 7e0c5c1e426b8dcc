"""A person's notifications and their choice of which kinds reach them, and how.

A notification stores its kind and the facts its sentence needs (`facts`), never the
sentence: the sentence is written when it is read, in the reader's language
(`sovet.web.notifications.words`). It names the act of the book that caused it (`seq`) and
carries its council, the distribution column of a sharded PostgreSQL. No notification ever
holds ballot content or names a secret ballot's voter: a secret vote writes no act, so it
notifies no one.

Persons are named by username, as in the councils' tables and books.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sovet.web.books.models import Council

KIND_CHOICES = (
    ("vote_opened", _("A vote opens")),
    ("vote_closed", _("A vote closes: its outcome")),
    ("application_decided", _("Your application is decided")),
    ("sponsored", _("Someone sponsors your application")),
    ("objected", _("Someone objects to your application")),
    ("petition_reached", _("A recall petition reaches its threshold")),
)
KINDS = tuple(k for k, _label in KIND_CHOICES)

# (on the site, by e-mail) for a kind nobody has chosen for: everything on the site; by
# e-mail what concerns oneself and the votes that open (a recall petition reaching its
# threshold both concerns its holder and opens the recall vote at once).
DEFAULTS: dict[str, tuple[bool, bool]] = {
    "vote_opened": (True, True),
    "vote_closed": (True, False),
    "application_decided": (True, True),
    "sponsored": (True, True),
    "objected": (True, True),
    "petition_reached": (True, True),
}


class Notification(models.Model):
    """One notification in one person's inbox, caused by one act of a council's book."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    person = models.CharField(_("person"), max_length=30)
    kind = models.CharField(_("kind"), max_length=30, choices=KIND_CHOICES)
    seq = models.PositiveBigIntegerField(_("act in the book"))
    facts = models.JSONField(_("facts"), default=dict)
    created_at = models.DateTimeField(_("when"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("person", "-created_at"), name="notification_inbox"),
            # The header's unread count: one COUNT over this small partial index.
            models.Index(fields=("person",), condition=models.Q(read_at__isnull=True),
                         name="notification_unread"),
        )

    def __str__(self) -> str:
        return f"{self.person}: {self.kind} ({self.council_id}#{self.seq})"


class Preference(models.Model):
    """How one kind of notification reaches one person: on the site, by e-mail, both or not.

    A kind with no row takes `DEFAULTS`. Preferences are the person's own, across councils.
    """

    person = models.CharField(_("person"), max_length=30)
    kind = models.CharField(_("kind"), max_length=30, choices=KIND_CHOICES)
    site = models.BooleanField(_("on the site"))
    email = models.BooleanField(_("by e-mail"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = (
            models.UniqueConstraint(fields=("person", "kind"), name="preference_one_each"),
        )

    def __str__(self) -> str:
        return f"{self.person}: {self.kind}"
