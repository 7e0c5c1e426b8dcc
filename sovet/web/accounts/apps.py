"""The accounts app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People and their sign-up, log-in and profile pages."""

    name = "sovet.web.accounts"
    label = "accounts"
    verbose_name = _("People")
