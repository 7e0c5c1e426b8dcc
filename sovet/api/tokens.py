"""Making, revoking and checking personal access tokens.

A token is `sovet_` and 32 random bytes in URL-safe base64, shown once. The database keeps
its SHA-256 only: a leaked table gives no usable token. Checking looks the row up by the
digest and compares the digests with `hmac.compare_digest`, so the time taken does not tell
how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from sovet.api.models import Token
from sovet.core.errors import BadCommand, NotFound
from sovet.web import rows
from sovet.web.accounts.models import Person

TOKEN_PREFIX = "sovet_"
NAME_MAX = 100
# Writing `last_used` on every request would make every read a write; a minute is precise
# enough for a person deciding which token to revoke.
LAST_USED_STEP = timedelta(minutes=1)


class NoSuchToken(NotFound):
    """No token with that id belongs to this person."""

    code = "no_such_token"


def token_digest(plaintext: str) -> str:
    """The SHA-256 hex digest of a token, as stored."""
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, person: Person, name: str) -> tuple[Token, str]:
    """Make a token for `person`; return its row and its plaintext (shown once, never stored).

    Raises `BadCommand` for an empty or over-long name.
    """
    name = name.strip()
    if not name:
        raise BadCommand("a token needs a name that says what it is for, e.g. “laptop script”")
    if len(name) > NAME_MAX:
        raise BadCommand(f"a token's name is at most {NAME_MAX} characters; this one has "
                         f"{len(name)}")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token.objects.create(person=person, name=name, digest=token_digest(plaintext),
                                 prefix=plaintext[len(TOKEN_PREFIX):][:8])
    return token, plaintext


def token_revoke(*, person: Person, token_id: int) -> Token:
    """Revoke one of `person`'s tokens: it stops working at once. Revoking twice is harmless.

    Raises `NoSuchToken` when the token is not theirs (one answer for absent and forbidden).
    """
    token = Token.objects.filter(person=person, pk=token_id).first()
    if token is None:
        raise NoSuchToken(f"you have no token {token_id}; see the list on your profile",
                          token=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_list(*, person: Person) -> list[Token]:
    """A person's tokens that still work, newest first."""
    return list(Token.objects.filter(person=person, revoked_at__isnull=True)
                .order_by("-created", "-id"))


def _well_formed(plaintext: str) -> bool:
    return plaintext.startswith(TOKEN_PREFIX) and len(plaintext) <= 200


def token_person(plaintext: str) -> Person | None:
    """The active person a token belongs to, or None for an unknown, revoked or malformed token.

    Notes when it was last used (at most once a minute).
    """
    if not _well_formed(plaintext):
        return None
    digest, now = token_digest(plaintext), timezone.now()
    # Every API request starts here: one hand-written query for the token and its person, as
    # the ORM would build it but without its compiling, which cost more than the database.
    find = (f"SELECT {rows.columns(Token, 't')}, {rows.columns(Person, 'p')} "
            f"FROM {Token._meta.db_table} t JOIN {Person._meta.db_table} p "
            "ON p.id = t.person_id WHERE t.digest = %s")
    noted = connection.vendor == "postgresql" and not connection.in_atomic_block
    found = rows.script(_noting(digest, now, find) if noted else [(find, [digest])])
    if not found:
        return None
    row, split = found[0], len(rows.fields(Token))
    token, person = rows.instance(Token, row[:split]), rows.instance(Person, row[split:])
    # The index found the row; comparing again in constant time keeps a timing side channel
    # out of whatever the database's own comparison does.
    if not hmac.compare_digest(token.digest, digest):
        return None
    if token.revoked_at is not None or not person.is_active:
        return None
    if not noted and (token.last_used is None or now - token.last_used >= LAST_USED_STEP):
        rows.script([(f"UPDATE {Token._meta.db_table} SET last_used = %s WHERE id = %s",
                      [connection.ops.adapt_datetimefield_value(now), token.pk])])
    return person


def _noting(digest: str, now: datetime, find: str) -> list[rows.Statement]:
    """The token's query `find` with the note of `last_used` in the same round trip
    (PostgreSQL, outside a transaction): one implicit transaction that commits without waiting
    for the disk, as the note only says when a token was used and a vote must not wait on two
    flushes (a crash may lose the last minute's note). It writes only a stale note of a working
    token, so most requests write nothing."""
    note, params = _note(digest, now)
    return [("SET LOCAL synchronous_commit = off", []),
            (rows.planned(f"WITH noted AS ({note}) {find}"), [*params, digest])]


def _note(digest: str, now: datetime) -> rows.Statement:
    """The statement that notes a working token's use, if its note is a minute old."""
    stamp = connection.ops.adapt_datetimefield_value
    return (f"UPDATE {Token._meta.db_table} SET last_used = %s WHERE digest = %s AND "
            "revoked_at IS NULL AND (last_used IS NULL OR last_used <= %s) AND person_id IN "
            f"(SELECT id FROM {Person._meta.db_table} WHERE is_active) RETURNING 1",
            [stamp(now), digest, stamp(now - LAST_USED_STEP)])


class Holder(NamedTuple):
    """A token's holder, named inside the statement of a write (PostgreSQL): `username`, an SQL
    expression for the username of the active person the token belongs to (NULL for an unknown
    or revoked token, or a person no longer active), and `noting`, the statement that notes the
    token's use (as `token_person` does), to run in the same transaction.

    So a write made for a token's holder checks the token in the very statement that writes:
    a token revoked a moment before writes nothing. The rule is `token_person`'s, in SQL; the
    lane's tests check that both answer alike for every kind of token. The lookup is by the
    SHA-256 of the token presented, so however long the index's comparison takes, it tells
    nothing about a stored token's plaintext.
    """

    username: rows.Statement
    noting: rows.Statement


def token_holder(plaintext: str) -> Holder | None:
    """The token's `Holder`, for a write that names them itself; None for a malformed token."""
    if not _well_formed(plaintext):
        return None
    digest = token_digest(plaintext)
    note, params = _note(digest, timezone.now())
    return Holder((_HOLDER, [digest]), (rows.planned(note), params))


_HOLDER = (f"(SELECT p.username FROM {Token._meta.db_table} t JOIN {Person._meta.db_table} p "
           "ON p.id = t.person_id WHERE t.digest = %s AND t.revoked_at IS NULL AND p.is_active)")
