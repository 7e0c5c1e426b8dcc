"""The site's URLs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from sovet.api.api import urls as api_urls
from sovet.web.books import views as book_views
from sovet.web.councils import founding_views
from sovet.web.councils import views as council_views

admin.site.site_header = _("Sovet admin (read-only)")
admin.site.site_title = _("Sovet")

urlpatterns = [
    path("", book_views.home, name="home"),
    path("found/", council_views.found, name="found"),
    path("found/invite/", founding_views.invite, name="found_invite"),
    path("found/join/<str:token>/", founding_views.invite_join, name="found_join"),
    path("councils/", include("sovet.web.books.urls")),
    path("councils/", include("sovet.web.councils.urls")),
    path("councils/", include("sovet.web.elections.urls")),
    path("accounts/", include("sovet.web.accounts.urls")),
    path("inbox/", include("sovet.web.notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
]
