"""The API app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The JSON API and the personal access tokens it accepts."""

    name = "sovet.api"
    label = "api"
    verbose_name = _("API")
