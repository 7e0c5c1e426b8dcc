"""Inbox URLs, under /inbox/."""

from __future__ import annotations

from django.urls import path

from sovet.web.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:number>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.settings_page, name="settings"),
]
