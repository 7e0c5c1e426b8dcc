"""The API's endpoints. Each is thin: parse (a `Schema`), call one service or selector, answer.

Reads are open to anyone, as the pages are, and show a council as the lazy close leaves it
(`sovet.web.councils.views._current`). Acts need a person (token or session) and go through
the same services as the pages' buttons, so every rule is checked in one place: the core.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path
from ninja.responses import codes_4xx

from sovet.api import schemas as s
from sovet.api.auth import AUTH, READ, READ_SECURITY, person_of, person_or_none
from sovet.core import petition as core_petition
from sovet.core.ballot import sealed_contents
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Election, Motion
from sovet.core.errors import NotFound, WrongState
from sovet.count.result import result_to_json
from sovet.web.books import imports
from sovet.web.books import selectors as books
from sovet.web.books.models import Council
from sovet.web.councils import forms, services
from sovet.web.councils.selectors import has_voted, memberships_of, sealed_list, sealed_of
from sovet.web.councils.views import _current
from sovet.web.elections import selectors as election_selectors
from sovet.web.elections.views import phase
from sovet.web.notifications import selectors as inbox_selectors
from sovet.web.notifications import services as inbox_services
from sovet.web.notifications.models import Notification

router = Router()

ERRORS: dict[Any, Any] = {codes_4xx: s.ErrorOut}
SLUG = r"^[-a-zA-Z0-9_]{1,64}$"
USERNAME = r"^[a-z][a-z0-9_-]{1,29}$"
MAX_ID = 2**31 - 1
NDJSON = "application/x-ndjson"
# Every read is open to anyone, as the pages are (see `sovet.api.auth.READ`).
READS: dict[str, Any] = {"auth": READ, "openapi_extra": {"security": READ_SECURITY}}


def _slug() -> Any:
    return Path(..., pattern=SLUG, description="The council's id.")


def _number(what: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=f"The {what}'s number in the council.")


def _username() -> Any:
    return Path(..., pattern=USERNAME, description="A person's username.")


def _council(slug: str) -> Council:
    return books.council_get(slug)


# Councils ------------------------------------------------------------------------------------


def _brief(c: Council) -> dict[str, object]:
    return {"slug": c.slug, "name": c.name, "acts": c.head_seq, "head": c.head_hash}


@router.get("/councils", response={200: list[s.CouncilBrief], **ERRORS}, tags=["councils"], **READS)
def council_list(request: HttpRequest) -> Any:
    """The councils on this server, by name."""
    return [_brief(c) for c in books.council_list()]


# Before /councils/{slug}: Django tries the patterns in order, and `import` is no slug.
@router.post("/councils/import", response={201: s.ImportedOut, **ERRORS}, auth=AUTH,
             tags=["book"], openapi_extra={"requestBody": {
                 "description": "A council's book as downloaded (JSONL, one act a line).",
                 "required": True, "content": {NDJSON: {"schema": {"type": "string"}}}}})
def council_import(request: HttpRequest) -> Any:
    """Make a council on this server from its verified book (one of its members imports it).

    The book is verified in full first; a broken one is refused naming its first bad act. A
    book larger than the server's limit (`SOVET_IMPORT_MAX_BYTES`) is refused with 413.
    """
    limit = int(settings.SOVET_IMPORT_MAX_BYTES)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"the book is {int(declared)} bytes; this server imports books "
                             f"of at most {limit} bytes (SOVET_IMPORT_MAX_BYTES)")
    data = request.read(limit + 1)
    if len(data) > limit:
        raise HttpError(413, f"the book is more than {limit} bytes; this server imports books "
                             f"of at most {limit} bytes (SOVET_IMPORT_MAX_BYTES)")
    council = imports.council_import(person=person_of(request),
                                     lines=imports.book_lines_of(data))
    return Status(201, {"slug": council.slug, "name": council.name, "acts": council.head_seq,
                        "head": council.head_hash})


@router.get("/councils/import", response={200: s.CouncilOut, **ERRORS},
            include_in_schema=False, **READS)
def council_named_import(request: HttpRequest) -> Any:
    """A council whose id is `import` (its address is the import's)."""
    return council_detail(request, "import")


@router.get("/councils/{slug}", response={200: s.CouncilOut, **ERRORS}, tags=["councils"], **READS)
def council_detail(request: HttpRequest, slug: str = _slug()) -> Any:
    """A council: its charter in force, founders, counts of members, offices, relations."""
    council, state = _current(slug)
    statuses = [m.status for m in state.members.values()]
    return {
        **_brief(council),
        "founded": state.founded, "founded_at": state.founded_at,
        "founders": list(state.founders), "confirmed": sorted(state.confirmed),
        "members": statuses.count("member"), "applicants": statuses.count("applicant"),
        "charter": [list(e) for e in state.charter.to_entries()],
        "offices": [{"number": n, "name": o.name, "role": o.role, "seats": o.seats,
                     "mandates": [{"person": p, "since": m.since, "until": m.until,
                                   "election": m.election} for p, m in sorted(o.mandates.items())]}
                    for n, o in sorted(state.offices.items())],
        "parent": state.parent, "parent_requested": state.parent_requested,
        "children": sorted(state.children),
        "delegates": [{"person": p, "child": child}
                      for p, (child, _act) in sorted(state.delegates.items())],
    }


# Founding ------------------------------------------------------------------------------------


def _found_form(data: s.FoundIn) -> forms.FoundForm:
    """The founding page's own form, filled from the JSON: its rules, not restated here."""
    c = data.charter
    fields: dict[str, list[str]] = {
        "name": [data.name], "slug": [data.slug], "cofounders": [" ".join(data.cofounders)],
        "admission": [c.admission], "sponsors": [str(c.sponsors)],
        "objection_days": [str(c.objection_days)], "seconders": [str(c.seconders)],
        "quorum": [c.quorum], "voting_days": [str(c.voting_days)],
        # A kind named twice is barred once, as the page's checkboxes can only say.
        "barred": list(dict.fromkeys(c.barred))}
    return forms.FoundForm(MultiValueDict(fields))


def _form_refusal(form: forms.FoundForm) -> HttpError:
    charter = set(forms.CharterFields.base_fields)
    sentences = [f"{'charter.' if field in charter else ''}{field}: {' '.join(errors)}"
                 if field != "__all__" else " ".join(errors)
                 for field, errors in form.errors.items()]
    return HttpError(400, "; ".join(sentences) or "the founding is not valid")


@router.post("/councils", response={201: s.CouncilOut, **ERRORS}, auth=AUTH, tags=["councils"])
def council_found(request: HttpRequest, data: s.FoundIn) -> Any:
    """Propose a council with its first charter and its founding group, as the founding page
    does; the proposer confirms at once, each co-founder with `founding/confirm`, and the last
    confirmation founds it. Answers the council, not yet founded."""
    form = _found_form(data)
    if not form.is_valid():
        raise _form_refusal(form)
    council = services.council_found(
        person=person_of(request), slug=form.cleaned_data["slug"],
        name=form.cleaned_data["name"], cofounders=form.cleaned_data["cofounders"],
        charter=form.charter())
    return Status(201, council_detail(request, council.slug))


@router.post("/councils/{slug}/founding/confirm", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["councils"])
def founding_confirm(request: HttpRequest, slug: str = _slug()) -> Any:
    """Confirm a founding one is part of; the last founder's confirmation founds the council."""
    services.founding_confirm(person=person_of(request), council_id=books.council_pk(slug))
    return {"done": True}


# Federation ----------------------------------------------------------------------------------


@router.post("/councils/{slug}/parent/acceptance", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["federation"])
def parent_acceptance(request: HttpRequest, slug: str = _slug()) -> Any:
    """Record in this council's book that the parent it asked (by a carried
    `affiliation_request`) has accepted it by its own carried `affiliation` motion; the
    parent's act is cited by its hash, read from the parent's book."""
    council, state = _current(slug)
    if not state.parent_requested:
        raise WrongState(f"{council.name} has not asked by a carried motion to affiliate to a "
                         f"parent council; its members move that first", council=slug)
    services.parent_acceptance_record(person=person_of(request), council_id=council.pk,
                                      parent=_council(state.parent_requested))
    return {"done": True}


@router.post("/councils/{slug}/delegates", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["federation"])
def delegate_seat(request: HttpRequest, data: s.DelegateIn, slug: str = _slug()) -> Any:
    """Seat a delegate elected by a council affiliated to this one; the child's act that
    elected them is cited by its hash, read from the child's book. A seated delegate votes
    here by name."""
    services.delegate_seat(person=person_of(request), council_id=books.council_pk(slug),
                           child=_council(data.child), delegate=data.person)
    return {"done": True}


@router.post("/councils/{slug}/delegates/{person}/unseat", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["federation"])
def delegate_unseat(request: HttpRequest, slug: str = _slug(),
                    person: str = _username()) -> Any:
    """Unseat a delegate whom the council that sent them has recalled (or who left it); that
    council's act that ended the mandate is cited by its hash, read from its book. Refused
    while they still hold its mandate."""
    services.delegate_unseat(person=person_of(request), council_id=books.council_pk(slug),
                             delegate=person)
    return {"done": True}


@router.get("/councils/{slug}/members", response={200: list[s.MemberOut], **ERRORS},
            tags=["membership"], **READS)
def member_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """Everyone who ever applied, with their standing (member, applicant, left, expelled,
    refused), by username."""
    _council_row, state = _current(slug)
    return [{"person": p, "status": m.status, "since": m.since, "via": m.via,
             "sponsors": sorted(m.sponsors), "objections": sorted(m.objections),
             "admission_motion": m.motion} for p, m in sorted(state.members.items())]


# Membership ----------------------------------------------------------------------------------


@router.post("/councils/{slug}/apply", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["membership"])
def apply(request: HttpRequest, data: s.ApplyIn, slug: str = _slug()) -> Any:
    """Apply to join, declaring the positions of command or privilege one holds."""
    declared = tuple((d.kind, d.where.strip(), d.since.strip(), d.text.strip())
                     for d in data.declarations)
    services.member_apply(person=person_of(request), council_id=books.council_pk(slug),
                          declarations=declared)
    return {"done": True}


@router.post("/councils/{slug}/applicants/{person}/sponsor", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["membership"])
def sponsor(request: HttpRequest, slug: str = _slug(), person: str = _username()) -> Any:
    """Sponsor an applicant."""
    services.applicant_sponsor(person=person_of(request), council_id=books.council_pk(slug),
                               applicant=person)
    return {"done": True}


@router.post("/councils/{slug}/applicants/{person}/object", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["membership"])
def object_to(request: HttpRequest, data: s.ObjectIn, slug: str = _slug(),
              person: str = _username()) -> Any:
    """Object to a sponsored applicant in the objection period: their admission goes to a
    vote."""
    services.applicant_object(person=person_of(request), council_id=books.council_pk(slug),
                              applicant=person, reason=data.reason)
    return {"done": True}


@router.post("/councils/{slug}/leave", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["membership"])
def leave(request: HttpRequest, slug: str = _slug()) -> Any:
    """Leave the council, or withdraw one's application."""
    services.member_leave(person=person_of(request), council_id=books.council_pk(slug))
    return {"done": True}


@router.post("/councils/{slug}/declarations/{n}/renounce", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["membership"])
def renounce(request: HttpRequest, slug: str = _slug(), n: int = _number("declaration")) -> Any:
    """Renounce a position one declared."""
    services.declaration_renounce(person=person_of(request), council_id=books.council_pk(slug),
                                  declaration=n)
    return {"done": True}


# Motions -------------------------------------------------------------------------------------


def _motion_brief(n: int, m: Motion) -> dict[str, object]:
    return {"number": n, "kind": m.kind, "by": m.by, "text": m.text, "subject": m.subject,
            "status": m.status, "secret": m.secret, "moved_at": m.moved_at, "opens": m.opens,
            "closes": m.closes}


@router.get("/councils/{slug}/motions", response={200: list[s.MotionBrief], **ERRORS},
            tags=["motions"], **READS)
def motion_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """Every motion of the council, newest first."""
    _c, state = _current(slug)
    return [_motion_brief(n, m) for n, m in sorted(state.motions.items(), reverse=True)]


def _tally(m: Motion) -> dict[str, int] | None:
    if m.status in ("carried", "lost"):
        yes, no, abstain = m.counts
    elif m.secret:
        return None  # a secret ballot's count is known only at its close
    else:
        choices = list(m.votes.values())
        yes, no, abstain = (choices.count(c) for c in ("yes", "no", "abstain"))
    return {"yes": yes, "no": no, "abstain": abstain}


@router.get("/councils/{slug}/motions/{n}", response={200: s.MotionOut, **ERRORS},
            tags=["motions"], **READS)
def motion_detail(request: HttpRequest, slug: str = _slug(), n: int = _number("motion")) -> Any:
    """A motion: its text, seconders, ballot, and the tally and result."""
    council, state = _current(slug)
    m = state.motion(n)
    me = person_or_none(request)
    published = None
    if m.secret and m.status in ("carried", "lost"):
        sealed = sealed_of(council, "motion", n)
        published = bool(sealed and sealed.published)
    return {
        **_motion_brief(n, m), "ref": m.ref, "seats": m.seats, "method": m.method,
        "role": m.role, "seconders": sorted(m.seconders), "quorum": list(m.quorum),
        "threshold": list(m.threshold), "tally": _tally(m), "votes": dict(sorted(m.votes.items())),
        "published": published,
        "voted": None if me is None else has_voted(council, state, "motion", n, me.username),
    }


@router.get("/councils/{slug}/motions/{n}/ballots", response={200: s.SealedList, **ERRORS},
            tags=["motions"], **READS)
def motion_ballots(request: HttpRequest, slug: str = _slug(),
                   n: int = _number("motion")) -> Any:
    """A closed secret ballot's sealed list, in its sealed order, when it is published."""
    council, state = _current(slug)
    state.motion(n)
    sealed = sealed_of(council, "motion", n)
    ballots = sealed_list(council, "motion", n)
    if sealed is None or ballots is None:
        raise NotFound(f"motion {n}'s sealed ballot list is not published here: a secret "
                       f"ballot's list is published when it closes with at least "
                       f"{state.charter.min_published_voters} voters (the charter's "
                       f"min_published_voters), and a council imported from its book has only "
                       f"the lists' Merkle roots", motion=n)
    return {"merkle_root": sealed.root, "voters": sealed.voters,
            "ballots": [list(b) if isinstance(b, tuple) else b for b in sealed_contents(ballots)],
            "leaves": [b.decode() for b in ballots]}


def _charter(data: s.MotionIn) -> Charter | None:
    if data.kind != "charter_amendment" or data.charter is None:
        return None
    return Charter.from_entries(tuple(tuple(e) for e in data.charter))


@router.post("/councils/{slug}/motions", response={201: s.Created, **ERRORS}, auth=AUTH,
             tags=["motions"])
def motion_table(request: HttpRequest, data: s.MotionIn, slug: str = _slug()) -> Any:
    """Table a motion of one of the charter's kinds; answers its number."""
    number = services.motion_move(
        person=person_of(request), council_id=books.council_pk(slug), kind=data.kind,
        text=data.text, subject=data.subject.strip(), ref=data.ref, seats=data.seats,
        method=data.method, role=data.role, charter=_charter(data))
    return Status(201, {"number": number})


@router.post("/councils/{slug}/motions/{n}/second", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["motions"])
def motion_second(request: HttpRequest, slug: str = _slug(), n: int = _number("motion")) -> Any:
    """Second a motion; its ballot opens when the charter's seconders are reached."""
    services.motion_second(person=person_of(request), council_id=books.council_pk(slug),
                           motion_id=n)
    return {"done": True}


@router.post("/councils/{slug}/motions/{n}/vote", response={200: s.Recorded, **ERRORS},
             auth=AUTH, tags=["motions"])
def motion_vote(request: HttpRequest, data: s.VoteIn, slug: str = _slug(),
                n: int = _number("motion")) -> Any:
    """Vote yes, no or abstain. A secret vote answers only that it was recorded: no receipt,
    no ballot id (a receipt would let a boss or a buyer demand proof of a vote)."""
    services.motion_vote(person=person_of(request), council_id=books.council_pk(slug),
                         motion_id=n, choice=data.choice)
    return {"recorded": True}


# Elections -----------------------------------------------------------------------------------


def _election_brief(state: CouncilState, n: int, e: Election, now: datetime) -> dict[str, object]:
    return {"number": n, "office": e.office, "office_name": state.offices[e.office].name,
            "seats": e.seats, "method": e.method, "phase": phase(e, now), "secret": e.secret,
            "nominations_close": e.nominations_close, "closes": e.closes}


def _election(state: CouncilState, n: int) -> Election:
    if n not in state.elections:
        raise NotFound(f"there is no election {n} in this council; elections are numbered by "
                       f"the motion that called them", election=n)
    return state.elections[n]


@router.get("/councils/{slug}/elections", response={200: list[s.ElectionBrief], **ERRORS},
            tags=["elections"], **READS)
def election_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """The council's elections, newest first, with their phase."""
    _c, state = _current(slug)
    now = timezone.now()
    return [_election_brief(state, n, e, now)
            for n, e in sorted(state.elections.items(), reverse=True)]


@router.get("/councils/{slug}/elections/{n}", response={200: s.ElectionOut, **ERRORS},
            tags=["elections"], **READS)
def election_detail(request: HttpRequest, slug: str = _slug(),
                    n: int = _number("election")) -> Any:
    """An election: candidates, and once counted, who was elected and the count with its
    stages (the whole count when its ballots are public, else the book's stage counts)."""
    council, state = _current(slug)
    e = _election(state, n)
    me = person_or_none(request)
    count = election_selectors.election_count(council, state, n)
    result = None
    if count is not None and count.result is not None:
        result = result_to_json(count.result)
    return {
        **_election_brief(state, n, e, timezone.now()),
        "candidates": [{"person": p, "party": party,
                        "party_name": state.parties[party].name if party in state.parties else ""}
                       for p, party in sorted(e.candidates.items())],
        "elected": list(count.counted.elected) if count is not None else list(e.elected),
        "full_count": None if count is None else count.full,
        "result": result,
        "voted": None if me is None else has_voted(council, state, "election", n, me.username),
    }


@router.get("/councils/{slug}/elections/{n}/ballots", response={200: s.BallotsOut, **ERRORS},
            tags=["elections"], **READS)
def election_ballots(request: HttpRequest, slug: str = _slug(),
                     n: int = _number("election")) -> Any:
    """A counted election's public ballots: no voter, no order of casting (a secret one's only
    when its sealed list is published)."""
    council, state = _current(slug)
    _election(state, n)
    count = election_selectors.election_counted(council, state, n)
    if count.ballots is None:
        raise NotFound(f"election {n}'s ballots are not published: fewer than "
                       f"{state.charter.min_published_voters} people voted (the charter's "
                       f"min_published_voters); only the stage counts are public", election=n)
    return {"candidates": list(count.counted.candidates),
            "ballots": [list(b) if isinstance(b, tuple) else [b] for b in count.ballots]}


@router.post("/councils/{slug}/elections/{n}/nominate", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["elections"])
def election_nominate(request: HttpRequest, slug: str = _slug(),
                      n: int = _number("election")) -> Any:
    """Stand oneself in an election, during its nomination period."""
    services.election_nominate(person=person_of(request), council_id=books.council_pk(slug),
                               election_id=n)
    return {"done": True}


@router.post("/councils/{slug}/elections/{n}/slate", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["elections"])
def election_slate(request: HttpRequest, data: s.SlateIn, slug: str = _slug(),
                   n: int = _number("election")) -> Any:
    """Stand a legal party's slate of its members (proposed by one of them)."""
    services.election_slate(person=person_of(request), council_id=books.council_pk(slug),
                            election_id=n, party_id=data.party, candidates=data.candidates)
    return {"done": True}


@router.post("/councils/{slug}/elections/{n}/rank", response={200: s.Recorded, **ERRORS},
             auth=AUTH, tags=["elections"])
def election_rank(request: HttpRequest, data: s.RankIn, slug: str = _slug(),
                  n: int = _number("election")) -> Any:
    """Rank the candidates, most preferred first. A secret ballot gets no receipt."""
    services.election_rank(person=person_of(request), council_id=books.council_pk(slug),
                           election_id=n, ranking=data.ranking)
    return {"recorded": True}


# Petitions, parties, actions -------------------------------------------------------------------


@router.get("/councils/{slug}/petitions", response={200: list[s.PetitionOut], **ERRORS},
            tags=["petitions"], **READS)
def petition_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """Recall petitions and their signatures toward the threshold."""
    _c, state = _current(slug)
    needed = core_petition.signatures_needed(state)
    return [{"number": n, "kind": p.kind, "office": p.office,
             "office_name": state.offices[p.office].name if p.office in state.offices else "",
             "person": p.person, "by": p.by, "signatures": sorted(p.signatures),
             "needed": needed, "status": p.status, "motion": p.motion}
            for n, p in sorted(state.petitions.items())]


@router.post("/councils/{slug}/petitions", response={201: s.Created, **ERRORS}, auth=AUTH,
             tags=["petitions"])
def petition_open(request: HttpRequest, data: s.PetitionIn, slug: str = _slug()) -> Any:
    """Open a petition to recall a mandate, and sign it; answers its number."""
    number = services.petition_open(person=person_of(request), council_id=books.council_pk(slug),
                                    office=data.office, holder=data.holder.strip())
    return Status(201, {"number": number})


@router.post("/councils/{slug}/petitions/{n}/sign", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["petitions"])
def petition_sign(request: HttpRequest, slug: str = _slug(),
                  n: int = _number("petition")) -> Any:
    """Sign a recall petition; the signature that reaches the threshold opens the recall
    vote."""
    services.petition_sign(person=person_of(request), council_id=books.council_pk(slug),
                           petition_id=n)
    return {"done": True}


@router.get("/councils/{slug}/parties", response={200: list[s.PartyOut], **ERRORS},
            tags=["parties"], **READS)
def party_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """The council's parties: proposed, legal (by the members' vote) or outlawed."""
    _c, state = _current(slug)
    return [{"number": n, "name": p.name, "platform": p.platform,
             "members": sorted(p.members), "status": p.status}
            for n, p in sorted(state.parties.items())]


@router.post("/councils/{slug}/parties", response={201: s.Created, **ERRORS}, auth=AUTH,
             tags=["parties"])
def party_found(request: HttpRequest, data: s.PartyIn, slug: str = _slug()) -> Any:
    """Found a party with its platform; it is proposed until the members' vote legalizes it."""
    number = services.party_found(person=person_of(request), council_id=books.council_pk(slug),
                                  name=data.name, platform=data.platform)
    return Status(201, {"number": number})


@router.post("/councils/{slug}/parties/{n}/join", response={200: s.Done, **ERRORS}, auth=AUTH,
             tags=["parties"])
def party_join(request: HttpRequest, slug: str = _slug(), n: int = _number("party")) -> Any:
    """Join a party."""
    services.party_join(person=person_of(request), council_id=books.council_pk(slug), party_id=n)
    return {"done": True}


@router.get("/councils/{slug}/actions", response={200: list[s.ActionOut], **ERRORS},
            tags=["actions"], **READS)
def action_list(request: HttpRequest, slug: str = _slug()) -> Any:
    """The council's actions, newest first, with attendance."""
    _c, state = _current(slug)
    return [{"number": n, "title": a.title, "by": a.by, "at": a.at,
             "claimed": {p: sorted(c) for p, c in sorted(a.claims.items())},
             "confirmed": sorted(a.confirmed)}
            for n, a in sorted(state.actions.items(), reverse=True)]


@router.post("/councils/{slug}/actions", response={201: s.Created, **ERRORS}, auth=AUTH,
             tags=["actions"])
def action_record(request: HttpRequest, data: s.ActionIn, slug: str = _slug()) -> Any:
    """Record an action the council did together; answers its number."""
    number = services.action_record(person=person_of(request), council_id=books.council_pk(slug),
                                    title=data.title)
    return Status(201, {"number": number})


@router.post("/councils/{slug}/actions/{n}/attend", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["actions"])
def action_attend(request: HttpRequest, slug: str = _slug(), n: int = _number("action")) -> Any:
    """Record one's own attendance at an action."""
    services.attendance_record(person=person_of(request), council_id=books.council_pk(slug),
                               action_id=n)
    return {"done": True}


@router.post("/councils/{slug}/actions/{n}/confirm", response={200: s.Done, **ERRORS},
             auth=AUTH, tags=["actions"])
def action_confirm(request: HttpRequest, data: s.ConfirmIn, slug: str = _slug(),
                   n: int = _number("action")) -> Any:
    """Confirm another person's attendance (may admit an applicant, as the charter says)."""
    services.attendance_confirm(person=person_of(request), council_id=books.council_pk(slug),
                                action_id=n, attendee=data.attendee.strip())
    return {"done": True}


# The book ------------------------------------------------------------------------------------


@router.get("/councils/{slug}/book", response={200: str, **ERRORS}, tags=["book"],
            auth=READ, openapi_extra={"security": READ_SECURITY, "responses": {"200": {
                "description": "The book, one act a line (JSONL), as `sovet verify` checks it.",
                "content": {NDJSON: {"schema": {"type": "string"}}}}}})
def book(request: HttpRequest, slug: str = _slug()) -> Any:
    """The council's book as JSONL, byte for byte; the head it ends at is in the
    `X-Sovet-Book-Head` header."""
    c = _council(slug)
    response = StreamingHttpResponse(books.book_lines(c), content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{c.slug}.book.jsonl"'
    response["X-Sovet-Book-Head"] = c.head_hash
    response["X-Sovet-Book-Acts"] = str(c.head_seq)
    return response


@router.get("/councils/{slug}/book/head", response={200: s.HeadOut, **ERRORS}, tags=["book"],
            **READS)
def book_head(request: HttpRequest, slug: str = _slug()) -> Any:
    """The book's head: witness it elsewhere, then `sovet verify --head` a later download."""
    c = _council(slug)
    return {"slug": c.slug, "acts": c.head_seq, "head": c.head_hash}


# The person ----------------------------------------------------------------------------------


@router.get("/me", response={200: s.MeOut, **ERRORS}, auth=AUTH, tags=["me"])
def me(request: HttpRequest) -> Any:
    """The asking person and their standing in every council that knows them."""
    person = person_of(request)
    return {"username": person.username, "display_name": person.display_name,
            "councils": [{"council": m.council.slug, "council_name": m.council.name,
                          "status": m.status, "since": m.since}
                         for m in memberships_of(person.username)]}




def _notifications(lines: list[inbox_selectors.Line]) -> list[dict[str, object]]:
    # The page's lines carry the council's name; the API also names its id and the kind.
    extra = {pk: (slug, kind) for pk, slug, kind in Notification.objects.filter(
        pk__in=[line.id for line in lines]).values_list("pk", "council__slug", "kind")}
    return [{"number": line.id, "council": extra[line.id][0], "council_name": line.council,
             "kind": extra[line.id][1], "text": line.text, "url": line.url, "at": line.at,
             "unread": line.unread} for line in lines]


@router.get("/me/inbox", response={200: s.InboxOut, **ERRORS}, auth=AUTH, tags=["me"])
def inbox(request: HttpRequest) -> Any:
    """One's notifications, as the inbox page shows them: every unread one, newest first, then
    the latest read ones."""
    unread, read = inbox_selectors.inbox(person_of(request).username)
    return {"unread": _notifications(unread), "read": _notifications(read)}


@router.post("/me/inbox/{n}/read", response={200: s.Done, **ERRORS}, auth=AUTH, tags=["me"])
def inbox_read(request: HttpRequest, n: int = Path(..., ge=1, le=2**63 - 1,
                                                   description="The notification's number.")
               ) -> Any:
    """Mark one of one's notifications read (someone else's answers 404, like an absent one)."""
    inbox_services.notification_read(person=person_of(request), notification_id=n)
    return {"done": True}


@router.post("/me/inbox/read", response={200: s.Done, **ERRORS}, auth=AUTH, tags=["me"])
def inbox_read_all(request: HttpRequest) -> Any:
    """Mark all of one's notifications read."""
    inbox_services.notifications_read_all(person=person_of(request))
    return {"done": True}
