"""Personal access tokens: a person's keys to the API, stored hashed.

Only the SHA-256 of a token is kept (`digest`), with its first characters (`prefix`) so the
person can tell their tokens apart; the plaintext is shown once, when it is made, and cannot
be read back from the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Token(models.Model):
    """One personal access token of one person."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="tokens", verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. “laptop script”."))
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    prefix = models.CharField(_("first characters"), max_length=8)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
