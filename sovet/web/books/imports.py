"""Import a council from its book: a verified book file becomes a council on this server.

The book is the whole record (DESIGN.md, guarantee 5): the tables are a projection of it, so
a council moves between servers as its book. The import checks everything first and writes
nothing unless all of it passes, in one transaction: the chain and every act's canonical form
(`sovet.core.book.verify`, full), every act readable (`read_book`), the acts replayable into a
state, the council's id free here, the importing person a member of it, and no secret ballot
open (its box is not in the book, by design, so its votes cannot come along). Then the acts
are inserted byte for byte, the head set, and the tables projected by the live projector.

A secret ballot's sealed list is not in the book either (only its Merkle root is), so an
imported council shows the book's stage counts for its past secret ballots, not their lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from sovet.core.book import PREFIX, BrokenBook, Entry, read_book, verify
from sovet.core.council import CouncilState, replay
from sovet.core.errors import BadCommand, NotAMember, WrongState
from sovet.core.founding import FoundingProposed
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils.projector import project
from sovet.web.councils.selectors import council_state_store

# Each line ends with the two hashes (docs/book.md): the body is what lies between.
_TAIL = len(b',"hash":"') + 64 + len(b'","prev":"') + 64 + len(b'"}\n')
_SLUG = re.compile(r"\A[-a-zA-Z0-9_]{1,64}\Z")


class CouncilExists(WrongState):
    """The book's council id is already a council on this server."""

    code = "council_id_taken"


def book_lines_of(data: bytes) -> list[bytes]:
    """Split an uploaded book into its lines, each ending with its newline."""
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return lines


def _read(lines: Sequence[bytes]) -> tuple[list[Entry], CouncilState]:
    """Verify the book in full and replay it; raise `BrokenBook` naming the first bad act."""
    if not lines:
        raise BrokenBook("the book is empty: it has no acts; nothing was imported")
    verdict = verify(lines, full=True)
    if not verdict.ok:
        raise BrokenBook(f"the book is broken: {verdict.reason}; nothing was imported",
                         line=verdict.line)
    entries = list(read_book(lines))
    try:
        state = replay(e.act for e in entries)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise BrokenBook(f"the book's acts cannot be replayed into a council ({e!r}); it was "
                         f"not written by Sovet's rules, and nothing was imported") from e
    return entries, state


def _check(entries: list[Entry], state: CouncilState, person: Person) -> str:
    """The council id, after the checks on who imports and what is open."""
    first = entries[0].act
    if not isinstance(first, FoundingProposed):
        raise BrokenBook(f"act 1 is a {first.kind}, not a founding: a council's book starts "
                         f"with its founding proposal; nothing was imported", line=1)
    slug = first.council
    if not _SLUG.match(slug):
        raise BadCommand(f"the book's council id {slug!r} cannot be an id on this server (1 to "
                         f"64 letters, digits, hyphens or underscores)", council=slug)
    me = person.username
    if not (state.is_member(me) or (not state.founded and me in state.founders)):
        raise NotAMember(f"{me} cannot import council {slug}: only one of its members (or, "
                         f"before its founding, its founders) may bring its book to this "
                         f"server", person=me, council=slug)
    open_secret = sorted(
        [f"motion {n}" for n, m in state.motions.items() if m.secret and m.status == "open"]
        + [f"election {n}" for n, e in state.elections.items()
           if e.secret and e.status != "counted"])
    if open_secret:
        raise WrongState(f"the book has a secret ballot still open ({', '.join(open_secret)}): "
                         f"its ballot box is not in the book, so its votes cannot be moved; "
                         f"import the book after the ballot closes", council=slug)
    return slug


@transaction.atomic(durable=True)
def council_import(*, person: Person, lines: Sequence[bytes]) -> Council:
    """Make a council on this server from its book's lines, exactly as they are.

    Raises `BrokenBook` naming the first bad act, `CouncilExists` when the council's id is
    taken here, `NotAMember` when `person` is not one of its members, `WrongState` when a
    secret ballot is still open, and what `read_book` raises for an act this version cannot
    read. Nothing is written unless everything passes.
    """
    entries, state = _read(lines)
    slug = _check(entries, state, person)
    if Council.objects.filter(slug=slug).exists():
        raise CouncilExists(f"a council with the id {slug!r} already exists on this server; "
                            f"nothing was imported", council=slug)
    try:
        with transaction.atomic():
            council = Council.objects.create(slug=slug, name=state.name or slug)
    except IntegrityError:
        raise CouncilExists(f"a council with the id {slug!r} already exists on this server; "
                            f"nothing was imported", council=slug) from None
    Act.objects.bulk_create(
        (Act(council=council, seq=e.seq, kind=e.act.kind,
             body=text[len(PREFIX):-_TAIL], hash=e.hash, prev=e.prev)
         for e, text in zip(entries, lines, strict=True)),
        batch_size=2000,
    )
    last = entries[-1]
    Council.objects.filter(pk=council.pk).update(head_seq=last.seq, head_hash=last.hash)
    council.head_seq, council.head_hash = last.seq, last.hash
    council_state_store(council, state)
    project(council, entries)
    return council
