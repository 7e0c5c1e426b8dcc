"""Council pages. Each view parses a form, calls one service, and renders.

A refusal of the rules (`RuleError`) from a form's service goes beside the field it is about
(`forms.refuse`) with the status the middleware would give it; a refusal of a button (second,
sponsor, vote …) rises to `sovet.web.errors.RuleErrorMiddleware`, which says what was refused
and why. Either way nothing is written: the service's transaction rolls back.

Before showing a council, a page closes the motions whose voting window has ended (the lazy
close, `services.motions_close_due`), so every page shows decided what the charter decided.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sovet.core import founding, membership
from sovet.core import motion as core_motion
from sovet.core import petition as core_petition
from sovet.core.acts import from_record
from sovet.core.book import verify
from sovet.core.council import CouncilState, permits
from sovet.core.errors import NotFound, RuleError
from sovet.web.accounts.models import Person
from sovet.web.books import selectors as books
from sovet.web.books.models import Council
from sovet.web.councils import forms, services
from sovet.web.councils.selectors import (
    council_state,
    has_voted,
    may_cast,
    sealed_list,
    sealed_of,
)
from sovet.web.councils.words import act_words, charter_words
from sovet.web.errors import status_for

# A large council's page lists the first ones and says how many more (it must render in
# tens of milliseconds for a council of 10,000 members and 1,000 motions).
MEMBERS_SHOWN = 100
MOTIONS_SHOWN = 20
MOTIONS_PER_PAGE = 50

# DESIGN.md, guarantee 3: the promise a secret ballot's page states, in these words.
SECRECY_PROMISE = _(
    "the ballot is secret from every member, officer and user of the system, and from anyone "
    "who reads the database after the seal; it is not secret from whoever watches the "
    "server's database, logs or traffic while the ballot is open."
)


def _current(slug: str) -> tuple[Council, CouncilState]:
    """The council and its state, after closing whatever is due now (the lazy close)."""
    council = books.council_get(slug)
    state = council_state(council)
    now = timezone.now()
    if services.anything_due(state, now):
        services.motions_close_due(council_id=council.pk, now=now)
        council = books.council_get(slug)
        state = council_state(council)
    return council, state


def _person(request: HttpRequest) -> Person:
    user = request.user
    if not isinstance(user, Person):  # login_required lets only persons through
        raise PermissionDenied
    return user


def _me(request: HttpRequest) -> str:
    return request.user.get_username() if request.user.is_authenticated else ""


@require_safe
def council_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A council: charter in plain words, members, offices, parties, motions, head hash."""
    council, state = _current(slug)
    me = _me(request)
    members = sorted(p for p, m in state.members.items() if m.status == "member")
    applicants = sorted(p for p, m in state.members.items() if m.status == "applicant")
    offices = [
        (n, o, sorted(o.mandates.items())) for n, o in sorted(state.offices.items())
    ]
    # Newest first: the motions most likely to need a seconder or a vote now.
    open_motions = [(n, m) for n, m in sorted(state.motions.items(), reverse=True)
                    if m.status in ("moved", "open")]
    context = {
        "council": council,
        "state": state,
        "charter": charter_words(state.charter) if state.council else [],
        "members": members[:MEMBERS_SHOWN],
        "more_members": max(0, len(members) - MEMBERS_SHOWN),
        "applicants": applicants,
        "offices": offices,
        "parties": [(n, p) for n, p in sorted(state.parties.items()) if p.status == "legal"],
        "open_motions": [(n, m, forms.MOTION_WORDS.get(m.kind, m.kind))
                         for n, m in open_motions[:MOTIONS_SHOWN]],
        "more_motions": max(0, len(open_motions) - MOTIONS_SHOWN),
        "children": sorted(state.children),
        "me": me,
        "my_status": state.status(me) if me else "",
        "may_confirm": bool(me) and permits(
            lambda: founding.confirm_founding(state, by=me, at=timezone.now())),
        "pending": [f for f in state.founders if f not in state.confirmed],
    }
    return render(request, "councils/council.html", context)


@require_safe
def motions(request: HttpRequest, slug: str) -> HttpResponse:
    """Every motion of the council, newest first, 50 a page."""
    council, state = _current(slug)
    rows = [(n, m, forms.MOTION_WORDS.get(m.kind, m.kind))
            for n, m in sorted(state.motions.items(), reverse=True)]
    page = Paginator(rows, MOTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "councils/motions.html",
                  {"council": council, "state": state, "page": page})


@require_safe
def book_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The book as a readable timeline, the download, and the verify result."""
    council = books.council_get(slug)
    lines = list(books.book_lines(council))
    verdict = verify(lines)
    entries = []
    for seq, line in enumerate(lines, 1):
        # Each line read on its own, so a broken book still shows every readable act.
        try:
            a = from_record(orjson.loads(line)["act"])
        except (RuleError, ValueError, KeyError, TypeError):
            entries.append((seq, None, _("This act cannot be read."), ""))
            continue
        entries.append((seq, getattr(a, "at", None), act_words(a), ""))
    return render(request, "councils/book.html",
                  {"council": council, "entries": entries, "verdict": verdict})


@login_required
@require_http_methods(["GET", "POST"])
def found(request: HttpRequest) -> HttpResponse:
    """Found a council: name, id, co-founders, first charter; the founder confirms at once."""
    form = forms.FoundForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                council = services.council_found(
                    person=_person(request), slug=form.cleaned_data["slug"],
                    name=form.cleaned_data["name"], cofounders=form.cleaned_data["cofounders"],
                    charter=form.charter())
            except RuleError as e:
                forms.refuse(form, e)
                status = status_for(e)
            else:
                return redirect("books:council", council.slug)
    return render(request, "councils/found.html", {"form": form}, status=status)


@login_required
@require_POST
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm a founding one is part of."""
    council = books.council_get(slug)
    services.founding_confirm(person=_person(request), council_id=council.pk)
    return redirect("books:council", slug)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """Apply to join, declaring the positions of command or privilege one holds."""
    council, state = _current(slug)
    formset = forms.DeclarationFormSet(request.POST if request.method == "POST" else None,
                                       prefix="declaration")
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        if formset.is_valid():
            declared = tuple(d for f in formset.forms if (d := f.declared()) is not None)
            try:
                services.member_apply(person=_person(request), council_id=council.pk,
                                      declarations=declared)
            except RuleError as e:
                error, status = e.message, status_for(e)
            else:
                return redirect("books:council", slug)
    return render(request, "councils/apply.html",
                  {"council": council, "state": state, "formset": formset, "error": error},
                  status=status)


@require_http_methods(["GET", "POST"])
def person_page(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """A person's standing in a council: declarations, sponsors, and the buttons members use."""
    council, state = _current(slug)
    m = state.members.get(username)
    if m is None:
        raise NotFound(_("%(person)s has never applied to %(council)s")
                       % {"person": username, "council": council.name}, person=username)
    form = forms.ObjectForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        status = 400
        if form.is_valid():
            try:
                services.applicant_object(person=_person(request), council_id=council.pk,
                                          applicant=username,
                                          reason=form.cleaned_data["reason"])
            except RuleError as e:
                forms.refuse(form, e)
                status = status_for(e)
            else:
                return redirect("councils:person", slug, username)
    me = _me(request)
    now = timezone.now()
    declarations = [(n, d) for n, d in sorted(state.declarations.items())
                    if d.person == username]
    return render(request, "councils/person.html", {
        "council": council, "state": state, "username": username, "membership": m,
        "declarations": declarations, "form": form, "me": me,
        "may_sponsor": bool(me) and permits(
            lambda: membership.sponsor(state, applicant=username, by=me, at=now)),
        # The reason is asked on the form; any reason lets the rule judge the rest.
        "may_object": bool(me) and permits(lambda: membership.object_to(
            state, applicant=username, by=me, reason="?", at=now)),
        "words": forms.DECLARATION_WORDS,
    }, status=status)


@login_required
@require_POST
def sponsor(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """Sponsor an applicant."""
    council = books.council_get(slug)
    services.applicant_sponsor(person=_person(request), council_id=council.pk, applicant=username)
    return redirect("councils:person", slug, username)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    """Leave the council, or withdraw one's application."""
    council = books.council_get(slug)
    services.member_leave(person=_person(request), council_id=council.pk)
    return redirect("books:council", slug)


@login_required
@require_POST
def renounce(request: HttpRequest, slug: str, declaration: int) -> HttpResponse:
    """Renounce a position one declared."""
    council = books.council_get(slug)
    services.declaration_renounce(person=_person(request), council_id=council.pk,
                                  declaration=declaration)
    return redirect("councils:person", slug, _me(request))


@login_required
@require_http_methods(["GET", "POST"])
def motion_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Table a motion of any kind the core knows."""
    council, state = _current(slug)
    # A link may preset the kind and the party or office (e.g. "Move to make this party legal").
    preset = {k: request.GET[k] for k in ("kind", "ref", "subject") if k in request.GET}
    form = forms.MotionForm(request.POST if request.method == "POST" else None, initial=preset)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                number = services.motion_move(
                    person=_person(request), council_id=council.pk, kind=d["kind"],
                    text=d["text"], subject=d["subject"], ref=d["ref"] or 0,
                    seats=d["seats"] or 0, method=d["method"], role=d["role"],
                    charter=(form.charter(state.charter)
                             if d["kind"] == "charter_amendment" else None))
            except RuleError as e:
                forms.refuse(form, e)
                status = status_for(e)
            else:
                return redirect("councils:motion", slug, number)
    charter_fields = set(forms.CharterFields.base_fields)
    return render(request, "councils/motion_new.html",
                  {"council": council, "state": state, "form": form,
                   "motion_fields": [n for n in form.fields if n not in charter_fields],
                   "charter_errors": any(form.errors.get(n) for n in charter_fields)},
                  status=status)


def _motion_context(request: HttpRequest, council: Council, state: CouncilState,
                    number: int) -> dict[str, object]:
    m = state.motion(number)
    me = _me(request)
    voted = has_voted(council, state, "motion", number, me)
    published: list[bytes] = []
    sealed_act = None
    if m.secret and m.status in ("carried", "lost"):
        sealed_act = sealed_of(council, "motion", number)
        published = sealed_list(council, "motion", number) or []
    return {
        "council": council, "state": state, "number": number, "motion": m,
        "kind_words": forms.MOTION_WORDS.get(m.kind, m.kind),
        "me": me, "voted": voted,
        "may_second": bool(me) and permits(
            lambda: core_motion.second(state, motion=number, by=me, at=timezone.now())),
        "may_vote": may_cast(state, "motion", number, me, voted, timezone.now()),
        "vote_form": forms.VoteForm(), "promise": SECRECY_PROMISE,
        "sealed": sealed_act, "published": [b.decode() for b in published],
        "named_votes": [(p, dict(forms.CHOICE_WORDS)[c]) for p, c in sorted(m.votes.items())],
    }


@require_safe
def motion_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A motion: its text, seconders, ballot, the vote, and the result and count."""
    council, state = _current(slug)
    return render(request, "councils/motion.html",
                  _motion_context(request, council, state, number))


@login_required
@require_POST
def second(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Second a motion (htmx: answer with the motion's updated panel)."""
    council = books.council_get(slug)
    services.motion_second(person=_person(request), council_id=council.pk, motion_id=number)
    return _after_button(request, slug, number)


@login_required
@require_POST
def vote_cast(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Vote on a motion. A secret vote shows no receipt and no ballot id, only that one voted."""
    council = books.council_get(slug)
    form = forms.VoteForm(request.POST)
    if not form.is_valid():
        council, state = _current(slug)
        context = _motion_context(request, council, state, number)
        context["vote_form"] = form
        return render(request, "councils/motion.html", context, status=400)
    services.motion_vote(person=_person(request), council_id=council.pk, motion_id=number,
                         choice=form.cleaned_data["choice"])
    return _after_button(request, slug, number)


def _after_button(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    if request.headers.get("HX-Request"):
        council, state = _current(slug)
        return render(request, "councils/_motion_panel.html",
                      _motion_context(request, council, state, number))
    return redirect("councils:motion", slug, number)


def _list_page(
    request: HttpRequest, slug: str, form_class: type[django_forms.Form], template: str,
    run: Callable[[Person, Council, django_forms.Form], object],
    context: Callable[[Council, CouncilState], dict[str, object]],
    form_kwargs: Callable[[CouncilState], dict[str, object]] | None = None,
) -> HttpResponse:
    """A council list page with the form that adds to it: GET shows, POST runs one service."""
    council, state = _current(slug)
    kwargs = form_kwargs(state) if form_kwargs else {}
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        status = 400
        if form.is_valid():
            try:
                run(_person(request), council, form)
            except RuleError as e:
                forms.refuse(form, e)
                status = status_for(e)
            else:
                return redirect(request.path)
    me = _me(request)
    return render(request, template, {
        "council": council, "state": state, "form": form, "me": me,
        "is_member": state.is_member(me), **context(council, state)}, status=status)


@require_http_methods(["GET", "POST"])
def parties(request: HttpRequest, slug: str) -> HttpResponse:
    """The council's parties (proposed, legal, outlawed) and the form to found one."""
    return _list_page(
        request, slug, forms.PartyForm, "councils/parties.html",
        lambda p, c, f: services.party_found(person=p, council_id=c.pk,
                                             name=f.cleaned_data["name"],
                                             platform=f.cleaned_data["platform"]),
        lambda c, st: {"parties": sorted(st.parties.items())})


@login_required
@require_POST
def party_join(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Join a party."""
    council = books.council_get(slug)
    services.party_join(person=_person(request), council_id=council.pk, party_id=number)
    return redirect("councils:parties", slug)


def _mandates(state: CouncilState) -> list[tuple[str, str]]:
    return [(f"{n}:{p}", f"{p} · {o.name}") for n, o in sorted(state.offices.items())
            for p in sorted(o.mandates)]


@require_http_methods(["GET", "POST"])
def petitions(request: HttpRequest, slug: str) -> HttpResponse:
    """Recall petitions, their count toward the threshold, and the form to open one."""

    def run(p: Person, c: Council, f: django_forms.Form) -> object:
        if not isinstance(f, forms.PetitionForm):  # the form class given below
            raise TypeError(f"a petition comes from PetitionForm, not {type(f).__name__}")
        office, holder = f.office_and_holder()
        return services.petition_open(person=p, council_id=c.pk, office=office, holder=holder)

    def context(c: Council, st: CouncilState) -> dict[str, object]:
        return {"petitions": [(n, p, st.offices[p.office].name)
                              for n, p in sorted(st.petitions.items())],
                "needed": core_petition.signatures_needed(st)}

    return _list_page(request, slug, forms.PetitionForm, "councils/petitions.html", run, context,
                      lambda st: {"mandates": _mandates(st)})


@login_required
@require_POST
def petition_sign(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Sign a recall petition."""
    council = books.council_get(slug)
    services.petition_sign(person=_person(request), council_id=council.pk, petition_id=number)
    return redirect("councils:petitions", slug)


@require_http_methods(["GET", "POST"])
def actions(request: HttpRequest, slug: str) -> HttpResponse:
    """The council's actions with attendance, and the form to record one."""
    return _list_page(
        request, slug, forms.ActionForm, "councils/actions.html",
        lambda p, c, f: services.action_record(person=p, council_id=c.pk,
                                               title=f.cleaned_data["title"]),
        lambda c, st: {"actions": sorted(st.actions.items(), reverse=True)})


@login_required
@require_POST
def attend(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Record one's own attendance at an action."""
    council = books.council_get(slug)
    services.attendance_record(person=_person(request), council_id=council.pk, action_id=number)
    return redirect("councils:actions", slug)


@login_required
@require_POST
def attendance_confirm(request: HttpRequest, slug: str, number: int,
                       username: str) -> HttpResponse:
    """Confirm another person's attendance at an action."""
    council = books.council_get(slug)
    services.attendance_confirm(person=_person(request), council_id=council.pk,
                                action_id=number, attendee=username)
    return redirect("councils:actions", slug)
