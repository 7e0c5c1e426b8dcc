"""Council business URLs, under /councils/<id>/."""

from __future__ import annotations

from django.urls import path

from sovet.web.councils import founding_views, views

app_name = "councils"

urlpatterns = [
    path("<slug:slug>/confirm/", views.confirm, name="confirm"),
    path("<slug:slug>/book/", views.book_page, name="book"),
    path("<slug:slug>/affiliate/", founding_views.affiliate, name="affiliate"),
    path("<slug:slug>/affiliate/record/", founding_views.affiliate_record,
         name="affiliate_record"),
    path("<slug:slug>/affiliations/", founding_views.affiliations, name="affiliations"),
    path("<slug:slug>/delegates/seat/", founding_views.delegate_seat, name="delegate_seat"),
    path("<slug:slug>/delegates/<str:username>/unseat/", founding_views.delegate_unseat,
         name="delegate_unseat"),
    path("<slug:slug>/apply/", views.apply, name="apply"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/people/<str:username>/", views.person_page, name="person"),
    path("<slug:slug>/people/<str:username>/sponsor/", views.sponsor, name="sponsor"),
    path("<slug:slug>/declarations/<int:declaration>/renounce/", views.renounce,
         name="renounce"),
    path("<slug:slug>/motions/", views.motions, name="motions"),
    path("<slug:slug>/motions/new/", views.motion_new, name="motion_new"),
    path("<slug:slug>/motions/<int:number>/", views.motion_page, name="motion"),
    path("<slug:slug>/motions/<int:number>/second/", views.second, name="second"),
    path("<slug:slug>/motions/<int:number>/vote/", views.vote_cast, name="vote"),
    path("<slug:slug>/parties/", views.parties, name="parties"),
    path("<slug:slug>/parties/<int:number>/join/", views.party_join, name="party_join"),
    path("<slug:slug>/petitions/", views.petitions, name="petitions"),
    path("<slug:slug>/petitions/<int:number>/sign/", views.petition_sign, name="petition_sign"),
    path("<slug:slug>/actions/", views.actions, name="actions"),
    path("<slug:slug>/actions/<int:number>/attend/", views.attend, name="attend"),
    path("<slug:slug>/actions/<int:number>/confirm/<str:username>/", views.attendance_confirm,
         name="attendance_confirm"),
]
