"""The admin for people: read-only, like every admin page in Sovet.

An operator may look; nobody changes a person, a membership or a decision from here.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from sovet.web.accounts.forms import AdminLogInForm
from sovet.web.accounts.models import Person


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model admin that can only view: no add, change or delete, for anyone."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        """Nobody adds rows from the admin."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        """Nobody changes rows from the admin."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        """Nobody deletes rows from the admin."""
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """People, read-only; the password hash is never shown."""

    list_display = ("username", "display_name", "date_joined", "is_active")
    search_fields = ("username", "display_name")
    fields = ("username", "display_name", "email", "date_joined", "is_active", "is_staff")


# Groups grant model permissions, which no admin page here honours: leave them out.
admin.site.unregister(Group)

# The admin's log-in checks a password too, so it goes through the log-in throttle.
admin.site.login_form = AdminLogInForm
