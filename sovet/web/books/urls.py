"""Council URLs."""

from __future__ import annotations

from django.urls import path

from sovet.web.books import views
from sovet.web.councils import views as council_views

app_name = "books"

urlpatterns = [
    path("<slug:slug>/", council_views.council_page, name="council"),
    path("<slug:slug>/book.jsonl", views.book_download, name="book"),
]
