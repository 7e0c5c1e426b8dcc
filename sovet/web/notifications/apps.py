"""The notifications app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """A person's inbox and e-mail, written from the acts a council appends to its book."""

    name = "sovet.web.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
