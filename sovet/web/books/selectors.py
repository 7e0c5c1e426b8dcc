"""Reads of councils and their books."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from sovet.core.book import PREFIX
from sovet.web.books.models import Act, Council
from sovet.web.books.services import NoSuchCouncil

# A book line is PREFIX, the body, then these around the two hashes (docs/book.md); the
# bytes must equal `sovet.core.book.line`, which a test checks against `write_book`.
_HASH_KEY = b',"hash":"'
_PREV_KEY = b'","prev":"'
_END = b'"}\n'
_CHUNK = 2000


def council_list() -> QuerySet[Council]:
    """All councils on this server, by name."""
    return Council.objects.order_by("name", "id")


def council_get(slug: str) -> Council:
    """The council with this id; raises `NoSuchCouncil`."""
    try:
        return Council.objects.get(slug=slug)
    except Council.DoesNotExist:
        raise NoSuchCouncil(f"there is no council {slug!r} on this server", council=slug) from None


# A council's id never changes and no council is deleted, so each process keeps the ids it
# has looked up; saving a council (founding, import, a test database made again) forgets its
# slug's entry, so an id is never stale.
_pks: dict[str, int] = {}


def council_pk(slug: str) -> int:
    """The id of the council with this slug (every vote asks it); raises `NoSuchCouncil`."""
    pk = _pks.get(slug)
    if pk is not None:
        return pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Council._meta.db_table} WHERE slug = %s", [slug])
        row = cursor.fetchone()
    if row is None:
        raise NoSuchCouncil(f"there is no council {slug!r} on this server", council=slug)
    _pks[slug] = pk = int(row[0])
    return pk


@receiver(post_save, sender=Council)
@receiver(post_delete, sender=Council)
def _forget_pk(sender: type[Council], instance: Council, **kwargs: object) -> None:
    _pks.pop(instance.slug, None)


def book_lines(council: Council) -> Iterator[bytes]:
    """Yield the council's book as lines, byte for byte what `write_book` writes.

    Stops at the head read with `council`, so a book downloaded while acts are appended is a
    whole book up to that head. The stored bytes are sent as they are: rows changed behind
    Sovet's back fail `sovet verify` on the download.
    """
    rows = (
        Act.objects.filter(council=council, seq__lte=council.head_seq)
        .order_by("seq")
        .values_list("body", "hash", "prev")
    )
    for b, h, p in rows.iterator(chunk_size=_CHUNK):
        yield b"".join((PREFIX, bytes(b), _HASH_KEY, h.encode(), _PREV_KEY, p.encode(), _END))


def book_export(council: Council) -> bytes:
    """The council's whole book as JSONL bytes (see `book_lines`)."""
    return b"".join(book_lines(council))
