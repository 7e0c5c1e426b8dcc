"""The projector: from a council's new book entries to its tables.

`project(council, entries)` is the one projector: services call it in the transaction that
appended the entries, and a future `sovet rebuild` calls it over a whole book. It keeps only
`Membership` (a person's standing in each council): every act that can change someone's
standing names them, so the projector collects the persons the entries touch and writes each
one's standing as the state after the entries says. Everything else a page shows comes from
the `CouncilState`.

Secret ballots' tables (roll, box, sealed list) are not a projection of the book (the book
holds only their Merkle root and roll hash), so the vote and close services write them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sovet.core.acts import Act as CoreAct
from sovet.core.book import Entry
from sovet.core.council import CouncilState
from sovet.core.founding import CouncilFounded, FoundingProposed
from sovet.core.membership import MemberAdmitted, MemberApplied, MemberLeft
from sovet.core.motion import MotionDecided
from sovet.web.books.models import Council
from sovet.web.councils.models import Membership
from sovet.web.councils.selectors import council_state


def _touched(state: CouncilState, acts: Iterable[CoreAct]) -> set[str]:
    """The persons whose standing these acts may have changed."""
    people: set[str] = set()
    for a in acts:
        if isinstance(a, FoundingProposed | CouncilFounded):
            people.update(state.founders)
        elif isinstance(a, MemberApplied | MemberAdmitted | MemberLeft):
            people.add(a.person)
        elif isinstance(a, MotionDecided):
            m = state.motions.get(a.motion)
            if m is not None and m.subject and m.kind in ("admission", "expulsion"):
                people.add(m.subject)
            if m is not None and m.kind == "recall" and m.subject:
                people.add(m.subject)
    return people


def _time(acts: list[CoreAct]) -> datetime:
    """The time of the last act (every act kind carries its `at`)."""
    at: datetime = getattr(acts[-1], "at")  # noqa: B009 (Act, the base, declares no `at`)
    return at


def project(council: Council, entries: Iterable[Entry]) -> None:
    """Bring the council's `Membership` rows up to date with these new entries of its book.

    Call it after `book_append`, in the same transaction; `council` must carry the new head.
    """
    acts = [e.act for e in entries]
    if not acts:
        return
    state = council_state(council)
    people = _touched(state, acts)
    if not people:
        return
    existing = {m.person: m for m in Membership.objects.filter(council=council, person__in=people)}
    for person in sorted(people):
        m = state.members.get(person)
        if m is not None:
            status, since = m.status, m.since
        elif person in state.founders and not state.founded:
            status, since = "founding", _time(acts)
        else:
            continue
        row = existing.get(person)
        if row is None:
            Membership.objects.create(council=council, person=person, status=status, since=since)
        elif (row.status, row.since) != (status, since):
            row.status, row.since = status, since
            row.save(update_fields=["status", "since"])
