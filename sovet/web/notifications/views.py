"""Inbox pages: one's own notifications, marking them read, and one's settings.

Each view parses, calls one service or selector, and renders. Only one's own notifications
are ever shown or changed: another's id answers 404, like an absent one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sovet.web.accounts.models import person_of
from sovet.web.notifications import selectors, services
from sovet.web.notifications.forms import PreferencesForm


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """One's notifications: the unread first, then the latest read."""
    unread, read = selectors.inbox(person_of(request).username)
    return render(request, "notifications/inbox.html", {"unread": unread, "read": read})


@require_POST
@login_required
def read(request: HttpRequest, number: int) -> HttpResponse:
    """Mark one of one's notifications read."""
    services.notification_read(person=person_of(request), notification_id=number)
    return redirect("notifications:inbox")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark all of one's notifications read."""
    services.notifications_read_all(person=person_of(request))
    return redirect("notifications:inbox")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Choose which kinds of notification reach one on the site and by e-mail."""
    person = person_of(request)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_set(person=person, choices=form.choices())
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    else:
        form = PreferencesForm(
            initial=PreferencesForm.initial_from(selectors.preferences_of(person.username)))
    return render(request, "notifications/settings.html",
                  {"form": form, "has_email": bool(person.email)})
