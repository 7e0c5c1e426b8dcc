"""Election URLs, under /councils/<id>/elections/."""

from __future__ import annotations

from django.urls import path

from sovet.web.elections import views

app_name = "elections"

urlpatterns = [
    path("<slug:slug>/elections/", views.election_list, name="list"),
    path("<slug:slug>/elections/call/", views.election_call, name="call"),
    path("<slug:slug>/elections/<int:number>/", views.election_page, name="election"),
    path("<slug:slug>/elections/<int:number>/nominate/", views.nominate, name="nominate"),
    path("<slug:slug>/elections/<int:number>/slate/<int:party>/", views.slate, name="slate"),
    path("<slug:slug>/elections/<int:number>/rank/", views.rank, name="rank"),
    path("<slug:slug>/elections/<int:number>/results/", views.results, name="results"),
    path("<slug:slug>/elections/<int:number>/chart.svg", views.chart, name="chart"),
    path("<slug:slug>/elections/<int:number>/ballots.blt", views.ballots, name="ballots"),
]
