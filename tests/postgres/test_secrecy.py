"""Secrecy on PostgreSQL (DESIGN.md, guarantee 3): after the seal nothing links a voter to a
ballot: no column, key, foreign key, index or trigger, no physical order (`ctid`), no
transaction id (`xmin`), no timestamp, and no dead tuple of the deleted box left readable in
the table's pages.

What is asserted is the SEALED state only. While a ballot is open, its roll row and its box
row are written by one transaction, on purpose (no vote lost or doubled): the box row's `xmin`
is the vote's transaction and the roll row's is a subtransaction of it (the roll insert runs
in a savepoint, so it is the box's xid plus one or so), and both tables grow in cast order.
That is within DESIGN's stated limit: the ballot "is not secret from whoever watches the
server's database ... while the ballot is open".

Pages are read with `pageinspect` (contrib of Debian's postgresql-15; the lane's role is a
superuser). The scenario is built through the services (`motion_vote`, `election_rank`), each
vote in its own transaction (`transaction=True`), then closed with `motions_close_due` and
`vacuum_box` (what the close path runs after the seal commits).

Runs in the PostgreSQL lane only: `bash scripts/postgres-lane tests/postgres/test_secrecy.py`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from sovet.core.acts import from_record
from sovet.core.ballot import BallotSealed, Content, ballot_bytes, seal
from sovet.core.charter import Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils import services
from sovet.web.councils.models import BallotBoxEntry, SealedBallot, VoterRoll
from sovet.web.councils.selectors import council_state_forget
from sovet.web.councils.vacuum import vacuum_box

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
VOTERS = tuple(f"p{i:02d}" for i in range(24))
CANDIDATES = ("p00", "p01", "p02", "p03")  # 4! = 24 full rankings: one distinct ballot each
BOX = BallotBoxEntry._meta.db_table
SEALED = SealedBallot._meta.db_table
ROLL = VoterRoll._meta.db_table

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run scripts/postgres-lane")
    council_state_forget()
    yield
    council_state_forget()


def rows(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL on the test database; the rows it returns (none for a command)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


@dataclass
class Cast:
    """One ballot's votes as cast: the box ids in cast order and the votes' transaction ids."""

    box_ids: list[str] = field(default_factory=list)
    contents: list[Content] = field(default_factory=list)
    vote_xids: set[int] = field(default_factory=set)  # box rows' and roll rows' xmins


@dataclass
class Scenario:
    """A council of 24 with a secret election and two secret motions, voted, partly closed."""

    council: Council
    people: dict[str, Person]
    election: int  # sealed
    motion: int  # sealed
    still_open: int  # a secret motion whose box stays open, its rows among the others'
    cast: dict[tuple[str, int], Cast]


def _new_box_row(of: str, ballot: int, seen: set[str]) -> tuple[str, str, int]:
    [(box_id, content, xmin)] = [
        r for r in rows(f"SELECT id, content, xmin::text::bigint FROM {BOX} "
                        f"WHERE of = %s AND ballot = %s", (of, ballot))
        if r[0] not in seen]
    return box_id, content, xmin


def _record(cast: Cast, of: str, ballot: int, person: str) -> None:
    """Note the box row the vote just wrote (test instrumentation, during the open ballot)."""
    box_id, content, xmin = _new_box_row(of, ballot, set(cast.box_ids))
    [(roll_xmin,)] = rows(f"SELECT xmin::text::bigint FROM {ROLL} WHERE of = %s AND "
                          f"ballot = %s AND person = %s", (of, ballot, person))
    cast.box_ids.append(box_id)
    c = orjson.loads(content)
    cast.contents.append(tuple(c) if isinstance(c, list) else str(c))
    cast.vote_xids |= {xmin, roll_xmin}


def build(close: bool = True) -> Scenario:
    """Found the council, call and hold the election, table two expulsions, vote, close."""
    password = make_password(None)  # nobody logs in here
    people = {n: Person.objects.create(username=n, display_name=n.upper(), password=password)
              for n in VOTERS}
    council = services.council_found(person=people["p00"], slug="secrecy", name="Secrecy",
                                     cofounders=VOTERS[1:], charter=Charter(min_published_voters=3),
                                     at=T0)
    for n in VOTERS[1:]:
        services.founding_confirm(person=people[n], council_id=council.pk, at=T0)
    election = services.motion_move(person=people["p00"], council_id=council.pk,
                                    kind="election_call", subject="Chair", seats=1,
                                    method="irv", role="officer", at=T0 + DAY)
    services.motion_second(person=people["p01"], council_id=council.pk, motion_id=election,
                           at=T0 + DAY)
    for n in VOTERS:  # an election call is an open vote
        services.motion_vote(person=people[n], council_id=council.pk, motion_id=election,
                             choice="yes", at=T0 + 2 * DAY)
    services.motions_close_due(council_id=council.pk, now=T0 + 9 * DAY)
    for n in CANDIDATES:
        services.election_nominate(person=people[n], council_id=council.pk,
                                   election_id=election, at=T0 + 10 * DAY)
    motion = services.motion_move(person=people["p00"], council_id=council.pk, kind="expulsion",
                                  subject="p23", text="Crossed the picket", at=T0 + 17 * DAY)
    services.motion_second(person=people["p01"], council_id=council.pk, motion_id=motion,
                           at=T0 + 17 * DAY)
    still_open = services.motion_move(person=people["p00"], council_id=council.pk,
                                      kind="expulsion", subject="p22", text="Sold the list",
                                      at=T0 + 20 * DAY)
    services.motion_second(person=people["p01"], council_id=council.pk, motion_id=still_open,
                           at=T0 + 20 * DAY)
    cast = {("election", election): Cast(), ("motion", motion): Cast(),
            ("motion", still_open): Cast()}
    rankings = list(itertools.permutations(CANDIDATES))
    choices = ("yes", "no", "abstain")
    # Interleaved, so the three boxes' rows share pages, as on a busy server.
    for i, n in enumerate(VOTERS):
        services.election_rank(person=people[n], council_id=council.pk, election_id=election,
                               ranking=rankings[(7 * i) % 24], at=T0 + 21 * DAY)
        _record(cast["election", election], "election", election, n)
        for m in (motion, still_open):
            services.motion_vote(person=people[n], council_id=council.pk, motion_id=m,
                                 choice=choices[(i + m) % 3], at=T0 + 21 * DAY)
            _record(cast["motion", m], "motion", m, n)
    if close:
        # The election's voting ended at T0+23d, the first motion's at T0+24d; the second
        # motion stays open until T0+27d.
        # The close path itself rewrites the box after the seal commits (no vacuum here).
        services.motions_close_due(council_id=council.pk, now=T0 + 25 * DAY)
    council.refresh_from_db()
    return Scenario(council, people, election, motion, still_open, cast)


def sealed_act(council: Council, of: str, ballot: int) -> BallotSealed:
    """The book's `ballot.sealed` act of one ballot."""
    for body in Act.objects.filter(council=council, kind=BallotSealed.kind).values_list(
            "body", flat=True):
        a = from_record(orjson.loads(bytes(body)))
        if isinstance(a, BallotSealed) and a.of == of and a.ballot == ballot:
            return a
    raise AssertionError(f"no ballot.sealed act for {of} {ballot}")


# --- the schema ---------------------------------------------------------------------------

# Matched against a column name's underscore-separated words.
PERSON_WORDS = re.compile(r"(^|_)(person|voter|user|by|who|name|email|account|member|session|"
                          r"ip|address|agent)(_|$)", re.IGNORECASE)
TIME_WORDS = re.compile(r"(^|_)(time|date|created|modified|updated|at|when|timestamp|stamp|"
                        r"seq|serial|order|cast)(_|$)", re.IGNORECASE)


def columns(table: str) -> dict[str, tuple[str, str | None, str]]:
    """A table's columns as the database has them: name -> (type, default, is_identity)."""
    return {name: (dtype, default, identity) for name, dtype, default, identity in rows(
        "SELECT column_name, data_type, column_default, is_identity "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s", (table,))}


def test_the_box_and_sealed_tables_have_no_person_no_time_and_no_sequential_key() -> None:
    """Read from information_schema, not from the Django models: what the database holds."""
    box, sealed = columns(BOX), columns(SEALED)
    assert set(box) == {"id", "council_id", "of", "ballot", "content"}
    assert set(sealed) <= {"id", "council_id", "of", "ballot", "position", "content"}
    for table, cols in ((BOX, box), (SEALED, sealed)):
        for name, (dtype, _default, _identity) in cols.items():
            assert not PERSON_WORDS.search(name), f"{table}.{name} may name a person"
            assert not TIME_WORDS.search(name), f"{table}.{name} may hold a time"
            assert "time" not in dtype and "date" not in dtype and "interval" not in dtype, (
                f"{table}.{name} is a {dtype}")
    # The box key is random text drawn by the application: no sequence, no identity, no
    # database default that could count.
    assert box["id"] == ("character varying", None, "NO")
    for name, (_dtype, default, identity) in box.items():
        assert identity == "NO" and not (default or "").startswith("nextval"), f"{BOX}.{name}"
    [(pk_cols,)] = rows(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary", (BOX,))
    assert pk_cols == ["id"]
    # The sealed list is keyed by its place in the sealed order. If the table also has an
    # identity column, it is filled in position order at the seal (asserted on the rows in
    # test_after_the_seal_...), so it carries nothing but the sealed order.
    [(unique_cols,)] = rows(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'p') "
        "AND c.conname = 'sealed_one_per_place'", (SEALED,))
    assert unique_cols == ["ballot", "council_id", "of", "position"]
    sequenced = [n for n, (_t, d, ident) in sealed.items()
                 if ident == "YES" or (d or "").startswith("nextval")]
    assert set(sequenced) <= {"id"}
    # And the roll keeps who voted, never when.
    for name, (dtype, _default, _identity) in columns(ROLL).items():
        assert "time" not in dtype and "date" not in dtype and not TIME_WORDS.search(name), name


def test_no_foreign_key_index_trigger_or_rule_joins_the_roll_to_the_box_or_sealed_list() -> None:
    """The roll and the ballots are joined by nothing the catalog knows: foreign keys only to
    the council, no index spanning tables, no trigger or rule copying rows between them."""
    tables = (ROLL, BOX, SEALED)
    council_table = Council._meta.db_table
    fks = rows(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) "
        "OR confrelid = ANY(%s::regclass[]))", (list(tables), list(tables)))
    assert sorted(fks) == sorted((t, council_table) for t in tables)
    # No column of the roll could hold a box id or a sealed position, and the reverse.
    assert set(columns(ROLL)) == {"id", "council_id", "of", "ballot", "person"}
    # Every index is a plain index over its own table's columns: no expression that could
    # call out to another table, no partial index whose predicate names one.
    for table in tables:
        assert rows("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = "
                    "%s::regclass AND (indexprs IS NOT NULL OR indpred IS NOT NULL)",
                    (table,)) == [], table
    assert rows("SELECT tgname FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) "
                "AND NOT tgisinternal", (list(tables),)) == []
    assert rows("SELECT rulename FROM pg_rules WHERE tablename = ANY(%s)", (list(tables),)) == []
    # No view, materialized view or other table reads the box or the sealed list.
    assert rows("SELECT DISTINCT v.relname FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
                "JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = ANY(%s::regclass[]) "
                "AND v.oid <> ALL(%s::regclass[])", (list(tables), list(tables))) == []


# --- the rows -----------------------------------------------------------------------------


def test_after_the_seal_no_xmin_ctid_key_or_timestamp_links_a_roll_row_to_a_ballot() -> None:
    """Votes cast in separate transactions through `motion_vote` and `election_rank`, then
    sealed: the open boxes of the closed ballots are empty; every sealed row of a ballot was
    written by the one closing transaction (one xmin, shared with no roll row and no vote);
    the rows lie in the table in the sealed order (ctid), which is the seeded permutation of
    the sorted ballots recorded in the book, not the cast order; the sealed rows hold the
    ballot and nothing else (no time, no id)."""
    s = build()
    sealed_ballots = (("election", s.election), ("motion", s.motion))
    # The open boxes of the sealed ballots are empty; the still-open one is untouched.
    for of, ballot in sealed_ballots:
        assert not BallotBoxEntry.objects.filter(council=s.council, of=of, ballot=ballot).exists()
        assert VoterRoll.objects.filter(council=s.council, of=of, ballot=ballot).count() == 24
    assert BallotBoxEntry.objects.filter(ballot=s.still_open).count() == 24

    roll_xmins = {x for (x,) in rows(f"SELECT xmin::text::bigint FROM {ROLL}")}
    all_vote_xids = set().union(*(c.vote_xids for c in s.cast.values()))
    for of, ballot in sealed_ballots:
        cast = s.cast[of, ballot]
        key = "id" if "id" in columns(SEALED) else "position"  # an identity key, if any
        sealed = rows(f"SELECT ctid::text, xmin::text::bigint, {key}, position, content "
                      f"FROM {SEALED} WHERE council_id = %s AND of = %s AND ballot = %s",
                      (s.council.pk, of, ballot))
        assert len(sealed) == 24
        xmins = {r[1] for r in sealed}
        assert len(xmins) == 1, f"{of} {ballot}: sealed rows written by {len(xmins)} transactions"
        assert not xmins & roll_xmins, "a sealed row shares its xmin with a roll row"
        assert not xmins & all_vote_xids, "a sealed row was written by a vote's transaction"
        # Physical order: reading the rows in ctid order gives positions 0, 1, 2, ...
        by_ctid = sorted(sealed, key=lambda r: tuple(int(p) for p in r[0].strip("()").split(",")))
        assert [r[3] for r in by_ctid] == list(range(24))
        # The identity key, if any, follows the sealed order too: it adds nothing to it.
        assert sorted(sealed, key=lambda r: r[2]) == sorted(sealed, key=lambda r: r[3])
        # The sealed order is the book's seeded permutation of the sorted ballots: it is a
        # function of the seed and the ballots only, so it cannot carry the cast order.
        act = sealed_act(s.council, of, ballot)
        in_order = [bytes(r[4]) for r in sorted(sealed, key=lambda r: r[3])]
        assert tuple(in_order) == seal(cast.contents, act.seed)
        if of == "election":  # 24 distinct ballots: equal to the cast order by chance 1 in 24!
            assert len(set(in_order)) == 24
            assert in_order != [ballot_bytes(c) for c in cast.contents]
        # The sealed rows hold the ballot alone: {"vote": ...}, no time, no box id.
        for content in in_order:
            assert list(orjson.loads(content)) == ["vote"]
            assert not re.search(rb"\d{4}-\d\d-\d\d|T\d\d:\d\d", content)
            assert not any(box_id.encode() in content for box_id in cast.box_ids)
    # Nor does any act of the book (the close's `ballot.sealed` included) carry a box id.
    for (body,) in rows(f"SELECT body FROM {Act._meta.db_table} WHERE council_id = %s",
                        (s.council.pk,)):
        assert not any(box_id.encode() in bytes(body)
                       for c in s.cast.values() for box_id in c.box_ids)


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def pageinspect() -> None:
    """The pageinspect extension (contrib of Debian's postgresql-15), as the superuser."""
    rows("CREATE EXTENSION IF NOT EXISTS pageinspect")


def relations_of_box() -> list[str]:
    """The box table, its indexes and its TOAST table: every relation that holds box bytes."""
    found = [BOX]
    found += [r for (r,) in rows("SELECT indexrelid::regclass::text FROM pg_index "
                                 "WHERE indrelid = %s::regclass", (BOX,))]
    found += [r for (r,) in rows("SELECT reltoastrelid::regclass::text FROM pg_class "
                                 "WHERE oid = %s::regclass AND reltoastrelid <> 0", (BOX,))]
    return found


def raw_pages(relation: str) -> Iterator[bytes]:
    """Every page of a relation, byte for byte, as the database reads it."""
    [(blocks,)] = rows("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
                       (relation,))
    for block in range(blocks):
        [(page,)] = rows("SELECT get_raw_page(%s, %s)", (relation, block))
        yield bytes(page)


def readable_ids(box_ids: list[str]) -> set[str]:
    """Which of these box ids can still be read in any page of the box's relations."""
    wanted = {i.encode(): i for i in box_ids}
    return {wanted[b] for rel in relations_of_box() for page in raw_pages(rel)
            for b in wanted if b in page}


def dead_tuples() -> list[tuple[int, int, int]]:
    """(block, line pointer, xmin) of every tuple of the box table that is stored but not
    live: deleted (xmax set) tuples whose bytes the page still holds."""
    found = []
    [(blocks,)] = rows("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
                       (BOX,))
    for block in range(blocks):
        for lp, xmin, xmax in rows(
                "SELECT lp, t_xmin::text::bigint, t_xmax::text::bigint FROM heap_page_items("
                "get_raw_page(%s, %s)) WHERE t_data IS NOT NULL", (BOX, block)):
            if xmax:
                found.append((block, lp, xmin))
    return found


def test_after_the_seal_no_deleted_box_row_is_readable_in_any_page(
    pageinspect: None,
) -> None:
    """Once the close path's `vacuum_box` has run after the seal, no byte of a sealed ballot's
    deleted box rows (their random id, hence their header with the vote's xmin and their place)
    is in any page of the box table, its indexes or its TOAST table; the still-open ballot's
    rows are intact.

    The detector is shown not to be blind: deleting the open ballot's rows (what a seal does)
    leaves them readable (a dead tuple's header carries the xmin of the vote's transaction,
    which the voter's roll row shares up to a savepoint), until `vacuum_box` rewrites the
    table. (A plain VACUUM does not suffice: it leaves part of the dead tuples' bytes, headers
    included, in the page's free space; see sovet/web/councils/vacuum.py.)"""
    s = build()
    for of, ballot in (("election", s.election), ("motion", s.motion)):
        assert readable_ids(s.cast[of, ballot].box_ids) == set(), f"{of} {ballot} box readable"
    assert dead_tuples() == []
    live = s.cast["motion", s.still_open].box_ids
    assert readable_ids(live) == set(live)

    # Not blind: delete the open ballot's box rows as a seal would, without the vacuum.
    roll_xmins = {x for (x,) in rows(f"SELECT xmin::text::bigint FROM {ROLL} WHERE "
                                     f"ballot = %s", (s.still_open,))}
    rows(f"DELETE FROM {BOX} WHERE ballot = %s", (s.still_open,))
    assert readable_ids(live) == set(live)
    dead = dead_tuples()
    assert len(dead) == 24
    # The leak the vacuum closes: each dead tuple's xmin is its voter's roll row's, up to the
    # savepoint the roll insert runs in (one or two xids apart).
    assert all(any(0 <= r - x <= 2 for r in roll_xmins) for _b, _lp, x in dead)
    assert vacuum_box() is True
    assert readable_ids(live) == set() and dead_tuples() == []


def test_vacuum_box_cannot_erase_rows_an_older_snapshot_still_sees(pageinspect: None) -> None:
    """The honest limit: while a transaction whose snapshot predates the seal is open, the
    deleted box rows are still visible to it, so VACUUM FULL must keep them; they go at the
    first `vacuum_box` after that transaction ends."""
    s = build(close=False)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as old:
        old.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        old.execute(f"SELECT count(*) FROM {ROLL}")  # the snapshot is taken here
        services.motions_close_due(council_id=s.council.pk, now=T0 + 25 * DAY)
        sealed_ids = s.cast["motion", s.motion].box_ids
        assert vacuum_box() is True
        assert readable_ids(sealed_ids) == set(sealed_ids)
        old.execute("COMMIT")
    assert vacuum_box() is True
    assert readable_ids(sealed_ids) == set()


def test_vacuum_box_gives_up_rather_than_stall_votes_when_the_box_is_locked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A transaction holding the box table (a vote in progress) makes `vacuum_box` give up
    after its lock timeout with a warning, instead of queueing every vote behind it."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as voting:
        voting.execute("BEGIN")
        voting.execute(f"SELECT count(*) FROM {BOX}")
        assert vacuum_box(lock_timeout_ms=50) is False
        voting.execute("COMMIT")
    assert "not rewritten" in caplog.text
    assert vacuum_box(lock_timeout_ms=50) is True
    [(timeout,)] = rows("SHOW lock_timeout")
    assert timeout == "0"  # the session's setting is restored


def test_vacuum_box_called_inside_the_seals_transaction_runs_after_the_commit(
    pageinspect: None,
) -> None:
    """VACUUM cannot run inside a transaction block: called there (where the close path
    seals), `vacuum_box` defers itself to the commit, and the deleted rows are gone after it."""
    council = Council.objects.create(slug="deferred", name="Deferred")
    BallotBoxEntry.objects.bulk_create(
        BallotBoxEntry(council=council, of="motion", ballot=1 + i % 2, content='"yes"')
        for i in range(40))
    deleted = list(BallotBoxEntry.objects.filter(ballot=1).values_list("id", flat=True))
    with transaction.atomic():
        BallotBoxEntry.objects.filter(ballot=1).delete()
        assert vacuum_box() is False  # deferred
        assert readable_ids(deleted) == set(deleted)
    assert readable_ids(deleted) == set()
    assert BallotBoxEntry.objects.filter(ballot=2).count() == 20
