"""Council URLs."""

from __future__ import annotations

from django.urls import path

from sovet.web.books import views

app_name = "books"

urlpatterns = [
    path("<slug:slug>/", views.council, name="council"),
    path("<slug:slug>/book.jsonl", views.book_download, name="book"),
]
