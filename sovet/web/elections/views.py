"""Election pages. Each view parses a form, calls one service, and renders.

An election's phase follows from the clock and its times: nominations until
`nominations_close`, voting until `closes`, then counted (the lazy close counts it when a page
is first shown after its voting ends, as for motions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sovet.core import election
from sovet.core.council import CouncilState, Election, permits
from sovet.core.errors import NotFound, RuleError
from sovet.count.report import SHOWN_PLACES, format_votes, method_name
from sovet.web.books import selectors as books
from sovet.web.books.models import Council
from sovet.web.councils import services
from sovet.web.councils.selectors import has_voted, may_cast
from sovet.web.councils.views import SECRECY_PROMISE, _current, _me, _person
from sovet.web.elections import forms, selectors
from sovet.web.errors import status_for

PHASE_WORDS = {"nominating": _("nominations open"), "voting": _("voting open"),
               "counted": _("counted")}


def phase(e: Election, now: datetime) -> str:
    """`nominating`, `voting` or `counted`."""
    if e.status == "counted":
        return "counted"
    return "nominating" if now < e.nominations_close else "voting"


def _election(state: CouncilState, number: int) -> Election:
    if number not in state.elections:
        raise NotFound(f"there is no election {number} in this council; elections are "
                       f"numbered by the motion that called them", election=number)
    return state.elections[number]


@require_safe
def election_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The council's elections: nominations open, voting open, counted (newest first)."""
    council, state = _current(slug)
    now = timezone.now()
    groups: dict[str, list[tuple[int, Election, str]]] = {
        "nominating": [], "voting": [], "counted": []}
    for n, e in sorted(state.elections.items(), reverse=True):
        groups[phase(e, now)].append((n, e, state.offices[e.office].name))
    return render(request, "elections/list.html", {
        "council": council, "state": state, "groups": groups,
        "is_member": state.is_member(_me(request))})


@login_required
@require_http_methods(["GET", "POST"])
def election_call(request: HttpRequest, slug: str) -> HttpResponse:
    """Move to call an election (a motion the members second and vote on)."""
    council, state = _current(slug)
    offices = [(n, o.name) for n, o in sorted(state.offices.items())]
    form = forms.ElectionCallForm(request.POST if request.method == "POST" else None,
                                  offices=offices)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            ref = int(d["ref"] or 0)
            subject = str(d["subject"]).strip() or (state.offices[ref].name if ref else "")
            try:
                number = services.motion_move(
                    person=_person(request), council_id=council.pk, kind="election_call",
                    text=d["text"], subject=subject, ref=ref, seats=d["seats"],
                    method=d["method"], role=d["role"])
            except RuleError as e:
                forms.refuse(form, e)
                status = status_for(e)
            else:
                return redirect("councils:motion", slug, number)
    return render(request, "elections/call.html",
                  {"council": council, "state": state, "form": form}, status=status)


def _rank_form(state: CouncilState, e: Election, data: Any = None) -> forms.RankForm:
    return forms.RankForm(data, candidates=_candidates(state, e))


def _candidates(state: CouncilState, e: Election) -> list[tuple[str, str]]:
    out = []
    for person, party in sorted(e.candidates.items()):
        name = state.parties[party].name if party in state.parties else ""
        out.append((person, f"{person} ({name})" if name else person))
    return out


def _context(request: HttpRequest, council: Council, state: CouncilState, number: int,
             **forms_given: object) -> dict[str, object]:
    e = _election(state, number)
    me = _me(request)
    now = timezone.now()
    p = phase(e, now)
    member = state.is_member(me)
    voted = has_voted(council, state, "election", number, me)
    my_parties = [(n, party) for n, party in sorted(state.parties.items())
                  if me and me in party.members]
    slates = [(n, party, forms_given.get(f"slate_{n}")
               or forms.SlateForm(members=sorted(party.members))) for n, party in my_parties]
    office = state.offices[e.office]
    return {
        "council": council, "state": state, "number": number, "election": e,
        "office": office, "phase": p, "phase_words": PHASE_WORDS[p],
        "method_name": method_name(e.method),
        "method_words": forms.METHOD_PLAIN.get(e.method, e.method),
        "candidates": [(person, state.parties[party].name if party in state.parties else "")
                       for person, party in sorted(e.candidates.items())],
        "me": me, "voted": voted,
        "may_nominate": bool(me) and permits(
            lambda: election.nominate(state, election=number, person=me, at=now)),
        "slates": slates if member and p == "nominating" else [],
        "may_rank": may_cast(state, "election", number, me, voted, now),
        "rank_form": forms_given.get("rank_form") or _rank_form(state, e),
        "promise": SECRECY_PROMISE,
    }


@require_safe
def election_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An election: office, seats, method in words, the timeline, candidates, the forms."""
    council, state = _current(slug)
    return render(request, "elections/election.html",
                  _context(request, council, state, number))


@login_required
@require_POST
def nominate(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Stand oneself in an election (a refusal is shown on a page of its own)."""
    council = books.council_get(slug)
    services.election_nominate(person=_person(request), council_id=council.pk,
                               election_id=number)
    return redirect("elections:election", slug, number)


@login_required
@require_POST
def slate(request: HttpRequest, slug: str, number: int, party: int) -> HttpResponse:
    """Stand a party's slate of its members; the core refuses a party that is not legal."""
    council, state = _current(slug)
    _election(state, number)
    members = sorted(state.party(party).members)
    form = forms.SlateForm(request.POST, members=members)
    status = 400
    if form.is_valid():
        try:
            services.election_slate(person=_person(request), council_id=council.pk,
                                    election_id=number, party_id=party,
                                    candidates=form.cleaned_data["candidates"])
        except RuleError as e:
            forms.refuse(form, e)
            status = status_for(e)
        else:
            return redirect("elections:election", slug, number)
    context = _context(request, council, state, number, **{f"slate_{party}": form})
    if not any(n == party for n, _p, _f in context["slates"]):  # type: ignore[attr-defined]
        # Not a member of that party: the form is not on the page, so say it above.
        context["refusal"] = form.errors.get("candidates") or form.non_field_errors()
    return render(request, "elections/election.html", context, status=status)


@login_required
@require_POST
def rank(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Rank the candidates. A secret ballot shows no receipt and no ballot id."""
    council, state = _current(slug)
    e = _election(state, number)
    form = _rank_form(state, e, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.election_rank(person=_person(request), council_id=council.pk,
                                   election_id=number, ranking=form.ranking())
        except RuleError as err:
            forms.refuse(form, err)
            status = status_for(err)
        else:
            return redirect("elections:election", slug, number)
    return render(request, "elections/election.html",
                  _context(request, council, state, number, rank_form=form), status=status)


def _count(slug: str, number: int) -> tuple[Council, CouncilState, selectors.Count]:
    council, state = _current(slug)
    _election(state, number)
    return council, state, selectors.election_counted(council, state, number)


def _votes(value: int, scale: int) -> str:
    return format_votes(value, scale, SHOWN_PLACES)


def _table(c: selectors.Count) -> tuple[list[dict[str, object]], list[tuple[str, list[str]]]]:
    """The stage-by-stage table: each stage's facts, and each candidate's row of votes
    (with, when the full count is known, the votes each stage moved)."""
    r = c.result
    if r is None:
        return [], []
    stages: list[dict[str, object]] = [{
        "number": rd.number, "action": rd.action,
        "subject": r.candidates[rd.subject] if rd.subject is not None else "",
        "exhausted": _votes(rd.exhausted, r.scale),
        "quota": _votes(rd.quota, r.scale) if rd.quota is not None else "",
        "elected": [r.candidates[i] for i in rd.elected],
        "excluded": [r.candidates[i] for i in rd.excluded]} for rd in r.rounds]
    rows = []
    for i, name in enumerate(r.candidates):
        cells = []
        for rd in r.rounds:
            cell = _votes(rd.votes[i], r.scale)
            if c.full and rd.number > 1 and rd.transfers[i]:
                sign = "+" if rd.transfers[i] > 0 else ""
                cell += f" ({sign}{_votes(rd.transfers[i], r.scale)})"
            cells.append(cell)
        rows.append((name, cells))
    return stages, rows


@require_safe
def results(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The results: elected in order, the stage-by-stage table, the chart, ties, the BLT."""
    council, state, c = _count(slug, number)
    e = state.elections[number]
    r = c.result
    stages, rows = _table(c)
    ties = []
    if r is not None and c.full:
        ties = [{"round": t.round, "among": [r.candidates[i] for i in t.among],
                 "chosen": r.candidates[t.chosen], "lot": t.how == "lot", "how": t.how}
                for t in r.ties]
    return render(request, "elections/results.html", {
        "council": council, "state": state, "number": number, "election": e,
        "office": state.offices[e.office], "count": c,
        "method_name": method_name(c.counted.method),
        "stages": stages, "rows": rows, "ties": ties,
        "min_published": state.charter.min_published_voters,
        "recount_agrees": r is None or not c.full
        or tuple(r.candidates[i] for i in r.elected) == c.counted.elected,
    })


@require_safe
def chart(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The count's chart (SVG) from the counting engine."""
    _council, _state, c = _count(slug, number)
    if c.result is None:
        raise NotFound(f"election {number} had no ballots or no candidates; there is no chart",
                       election=number)
    response = HttpResponse(selectors.chart_svg(c.result), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def ballots(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The public ballots as BLT: no voter, no order of casting."""
    council, state, c = _count(slug, number)
    if c.ballots is None:
        raise NotFound(f"election {number}'s ballots are not published: fewer than "
                       f"{state.charter.min_published_voters} people voted (the charter's "
                       f"min_published_voters); only the stage counts are public",
                       election=number)
    e = state.elections[number]
    title = f"{council.name}: {state.offices[e.office].name}"
    response = HttpResponse(selectors.ballots_blt(c.counted, c.ballots, title),
                            content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{council.slug}-election-{number}.blt"')
    return response

