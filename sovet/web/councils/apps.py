"""The councils app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    """A council's members, motions and secret ballots: the services and their pages."""

    name = "sovet.web.councils"
    label = "councils"
    verbose_name = _("Council business")
