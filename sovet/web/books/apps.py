"""The books app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BooksConfig(AppConfig):
    """Councils and their hash-chained books."""

    name = "sovet.web.books"
    label = "books"
    verbose_name = _("Councils and their books")
