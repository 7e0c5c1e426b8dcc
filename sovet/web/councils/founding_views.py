"""Founding extras: a founding group gathered by link, and affiliation to a parent council.

Invitation by link. The core fixes the founding group when the founding is proposed
(`sovet.core.founding.propose_founding` takes every founder at once, and nobody can join a
proposed founding later). So a link gathers the group BEFORE the proposal: it carries a draft
(the council's id and name and the founders so far), signed with the site's secret and
expiring `INVITE_DAYS` after the first founder made it. A signed-in person who opens it joins
the draft and gets a new link naming them too, to pass on or send back; once the draft names
enough founders, any founder in it proposes the founding (with the first charter) from it,
and each other founder then confirms on the council's page as usual. Nothing is stored on the
server until the proposal: the link is the draft, and it cannot be forged or altered.

Affiliation. Both sides decide by motion (`sovet.core.federation`): the child's members carry
an `affiliation_request` naming the parent; the parent's members carry (or refuse) an
`affiliation` naming the child; then a child's member records the parent's acceptance, citing
the hash of the parent's act, which the service reads from the parent's own book.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from sovet.core import federation
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision, permits
from sovet.core.errors import RuleError, WrongState
from sovet.web.books import selectors as books
from sovet.web.books.models import Council
from sovet.web.councils import forms, services
from sovet.web.councils.selectors import council_state
from sovet.web.councils.views import _current, _me, _person
from sovet.web.errors import status_for

INVITE_DAYS = 7
_SALT = "sovet.founding.invite"
# The largest founding group a link carries: it keeps the link short enough for any mail.
MAX_FOUNDERS = 50


class InviteForm(django_forms.Form):
    """The council a founding link is for: its name and id (the charter comes at proposal)."""

    name = forms.FoundForm.base_fields["name"]
    slug = forms.FoundForm.base_fields["slug"]

    def clean_slug(self) -> str:
        """Lowercase the id and keep the site's own addresses (as the founding form does)."""
        return forms.FoundForm.clean_slug(self)


class ParentForm(django_forms.Form):
    """The parent council a council asks to affiliate to."""

    parent = django_forms.SlugField(
        label=_("Parent council's id"), max_length=64,
        help_text=_("The id in the parent council's address, e.g. riverside-bakers."))
    text = django_forms.CharField(
        label=_("Why (for the members' vote)"), max_length=2000, required=False,
        widget=django_forms.Textarea(attrs={"rows": 3}))


def invite_token(draft: dict[str, Any]) -> str:
    """Sign a founding draft (`slug`, `name`, `founders`, `issued`) into a link's token."""
    return signing.dumps(draft, salt=_SALT, compress=True)


class InviteRefused(Exception):
    """A founding link that is forged, altered, malformed or expired (with a plain message)."""


def invite_draft(token: str) -> dict[str, Any]:
    """The draft a link carries, or `InviteRefused` saying why it cannot be used."""
    try:
        draft = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise InviteRefused(_("This founding link is not valid: it may be cut short or "
                              "altered. Ask for the link again.")) from None
    ok = (isinstance(draft, dict) and isinstance(draft.get("slug"), str)
          and isinstance(draft.get("name"), str) and isinstance(draft.get("issued"), int)
          and isinstance(draft.get("founders"), list)
          and all(isinstance(f, str) for f in draft["founders"]))
    if not ok:
        raise InviteRefused(_("This founding link is not valid. Ask for the link again."))
    issued = datetime.fromtimestamp(draft["issued"], tz=UTC)
    if timezone.now() - issued > timedelta(days=INVITE_DAYS):
        raise InviteRefused(_("This founding link has expired: links last %(days)d days. Ask "
                              "a founder for a new one.") % {"days": INVITE_DAYS})
    return dict(draft)


def _link(request: HttpRequest, draft: dict[str, Any]) -> str:
    return request.build_absolute_uri(reverse("found_join", args=[invite_token(draft)]))


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Start a founding group by link: name the council, get a link to send to co-founders."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    link = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            slug = form.cleaned_data["slug"]
            if Council.objects.filter(slug=slug).exists():
                form.add_error("slug", _("A council with this id already exists; choose "
                                         "another id."))
            else:
                status = 200
                link = _link(request, {"slug": slug, "name": form.cleaned_data["name"],
                                       "founders": [_me(request)],
                                       "issued": int(timezone.now().timestamp())})
    return render(request, "councils/invite.html",
                  {"form": form, "link": link, "days": INVITE_DAYS}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def invite_join(request: HttpRequest, token: str) -> HttpResponse:
    """A founding link: see the draft, join it (a new link), or propose the founding from it."""
    try:
        draft = invite_draft(token)
    except InviteRefused as e:
        return render(request, "councils/invite_refused.html", {"reason": str(e)}, status=400)
    me = _me(request)
    needed = Charter().min_founders
    context: dict[str, Any] = {"draft": draft, "token": token, "needed": needed,
                               "days": INVITE_DAYS, "link": "", "taken": False}
    context["taken"] = Council.objects.filter(slug=draft["slug"]).exists()
    status = 200
    if request.method == "POST":
        if context["taken"]:
            status = 409
        elif me in draft["founders"]:
            status = 409
            context["error"] = _("You are already in this founding group.")
        elif len(draft["founders"]) >= MAX_FOUNDERS:
            status = 409
            context["error"] = _("This founding group is full.")
        else:
            draft["founders"] = [*draft["founders"], me]
            context["draft"] = draft
            context["token"] = invite_token(draft)
            context["link"] = _link(request, draft)
    if me in draft["founders"] and not context["taken"] and len(draft["founders"]) >= needed:
        # The proposal is the ordinary founding form, filled in from the draft: the proposer
        # still chooses (and every founder later confirms) the first charter.
        others = [f for f in draft["founders"] if f != me]
        context["found_form"] = forms.FoundForm(initial={
            "name": draft["name"], "slug": draft["slug"], "cofounders": " ".join(others)})
    context["joined"] = me in draft["founders"]
    return render(request, "councils/invite_join.html", context, status=status)


def _requests_to(slug: str) -> list[tuple[Council, str]]:
    """The councils that asked, by a carried motion, to affiliate to `slug`; and children.

    Reads every council's state (cached); fine for one server's councils, and the only place
    a request to a parent is written is the child's own book.
    """
    rows: list[tuple[Council, str]] = []
    for c in Council.objects.exclude(slug=slug).order_by("name"):
        st = council_state(c)
        if st.parent == slug:
            rows.append((c, "affiliated"))
        elif st.parent_requested == slug:
            rows.append((c, "requested"))
    return rows


@require_http_methods(["GET", "POST"])
def affiliate(request: HttpRequest, slug: str) -> HttpResponse:
    """A council's side of affiliation: ask by motion to join a parent; record its acceptance."""
    council, state = _current(slug)
    form = ParentForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        status = 400
        if form.is_valid():
            try:
                parent = books.council_get(form.cleaned_data["parent"])
                if parent.pk == council.pk:
                    form.add_error("parent", _("A council cannot affiliate to itself."))
                else:
                    number = services.motion_move(
                        person=_person(request), council_id=council.pk,
                        kind="affiliation_request", subject=parent.slug,
                        text=form.cleaned_data["text"])
                    return redirect("councils:motion", slug, number)
            except RuleError as e:
                form.add_error("parent", e.message)
                status = status_for(e)
    parent_accepted = False
    if state.parent_requested:
        try:
            asked = books.council_get(state.parent_requested)
        except RuleError:
            asked = None
        parent_accepted = asked is not None and slug in council_state(asked).children
    me = _me(request)
    pending = [(n, m) for n, m in sorted(state.motions.items())
               if m.kind == "affiliation_request" and m.status in ("moved", "open")]
    return render(request, "councils/affiliate.html", {
        "council": council, "state": state, "form": form, "me": me,
        "is_member": state.is_member(me), "pending": pending,
        "parent_accepted": parent_accepted}, status=status)


@login_required
@require_POST
def affiliate_record(request: HttpRequest, slug: str) -> HttpResponse:
    """Record in this council's book that the parent it asked has accepted it."""
    council, state = _current(slug)
    if not state.parent_requested:
        raise WrongState(_("%(council)s has not asked by a carried motion to affiliate to a "
                           "parent council; its members move that first.")
                         % {"council": council.name}, council=slug)
    parent = books.council_get(state.parent_requested)
    services.parent_acceptance_record(person=_person(request), council_id=council.pk,
                                      parent=parent)
    return redirect("councils:affiliate", slug)


# A well-formed stand-in for the child's act: a page asks the rule whether to offer a button
# without reading the child's book, which the service reads when the button is pressed. The
# child's state tells whether there is such an act to cite.
_ANY_ACT = "0" * 64


def _delegates(state: CouncilState, me: str) -> tuple[list[tuple[str, str, bool]],
                                                      list[tuple[str, str]]]:
    """The delegates seated here (person, child, whether `me` may unseat them now: the child
    ended their mandate), and those the children elected whom `me` may seat (person, child)."""
    now = timezone.now()
    mandates: dict[str, set[str] | None] = {}
    for child in sorted(state.children | {c for c, _act in state.delegates.values()}):
        try:
            mandates[child] = federation.mandated(council_state(books.council_get(child)))
        except RuleError:
            mandates[child] = None  # not on this server: its book cannot be cited here

    def may(rule: Callable[..., Decision], child: str, person: str, cited: str | None) -> bool:
        return permits(lambda: rule(state, child=child, person=person, act_hash=cited, by=me,
                                    at=now))

    def ending(child: str, person: str) -> str | None:
        """A stand-in for the child's act that ended the mandate, if the child's state shows
        one: None while it mandates them, or when its book is not on this server."""
        known = mandates[child]
        return _ANY_ACT if known is not None and person not in known else None

    seated = [(p, child, may(federation.unseat_delegate, child, p, ending(child, p)))
              for p, (child, _act) in sorted(state.delegates.items())]
    electable = [(p, child) for child in sorted(state.children)
                 for p in sorted(mandates[child] or ())
                 if may(federation.seat_delegate, child, p, _ANY_ACT)]
    return seated, electable


@login_required
@require_POST
def delegate_seat(request: HttpRequest, slug: str) -> HttpResponse:
    """Seat a delegate a child council elected (the service reads its election act)."""
    council, _state = _current(slug)
    child = books.council_get(request.POST.get("child", ""))
    services.delegate_seat(person=_person(request), council_id=council.pk, child=child,
                           delegate=request.POST.get("person", ""))
    return redirect("councils:affiliations", slug)


@login_required
@require_POST
def delegate_unseat(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """Unseat a delegate whose child council ended their mandate (the service reads the act)."""
    council, _state = _current(slug)
    services.delegate_unseat(person=_person(request), council_id=council.pk, delegate=username)
    return redirect("councils:affiliations", slug)


@require_http_methods(["GET"])
def affiliations(request: HttpRequest, slug: str) -> HttpResponse:
    """A council's side as parent: who asks to affiliate, and the motion to accept each; the
    delegates seated, and those its children elected."""
    council, state = _current(slug)
    me = _me(request)
    rows = []
    for child, how in _requests_to(slug):
        open_motion = next((n for n, m in sorted(state.motions.items())
                            if m.kind == "affiliation" and m.subject == child.slug
                            and m.status in ("moved", "open")), None)
        accepted = child.slug in state.children
        move = (reverse("councils:motion_new", args=[slug]) + "?"
                + urlencode({"kind": "affiliation", "subject": child.slug}))
        rows.append((child, how, accepted, open_motion, move))
    seated, electable = _delegates(state, me)
    return render(request, "councils/affiliate_requests.html", {
        "council": council, "state": state, "rows": rows, "me": me,
        "is_member": state.is_member(me), "seated": seated, "electable": electable})
