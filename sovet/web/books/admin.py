"""The admin for councils and books: read-only (DESIGN.md, guarantee 1).

No role, the operator's included, may add, change or delete a council's data here.
"""

from __future__ import annotations

from django.contrib import admin

from sovet.web.accounts.admin import ReadOnlyAdmin
from sovet.web.books.models import Act, Council


@admin.register(Council)
class CouncilAdmin(ReadOnlyAdmin):
    """Councils, read-only."""

    list_display = ("slug", "name", "head_seq", "head_hash")
    search_fields = ("slug", "name")


@admin.register(Act)
class ActAdmin(ReadOnlyAdmin):
    """Acts, read-only."""

    list_display = ("council", "seq", "kind", "hash")
    list_filter = ("kind",)
    fields = ("council", "seq", "kind", "hash", "prev")
