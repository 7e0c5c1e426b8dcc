"""Crash: no acknowledged vote is lost, none is doubled, and every book verifies (issue 5).

A live gunicorn (sync workers) serves Sovet on a DURABLE throwaway PostgreSQL (`cluster.py`:
fsync and synchronous_commit on, unlike the lane's own server). An open-loop generator casts
votes at a constant rate on loopback, each voter once on an open (roll-call) ballot and once
on a secret ballot, and in the middle of the load either

- gunicorn's master and workers are killed with SIGKILL (requests in flight), or
- the database is stopped with `pg_ctl stop -m immediate` (a crash: no checkpoint, the next
  start replays the WAL).

After the server and the database are started again:

- every vote answered 2xx is in the book (open ballot: one `vote.cast` act by that voter) or
  in the voter roll (secret ballot), and the ballot box holds exactly as many ballots as the
  roll holds voters;
- no voter has two votes, and nobody is recorded who was refused or never asked;
- every book verifies (`sovet.core.book.verify` over its rows, and `sovet verify --council`),
  and ends at the council's stored head;
- each voter whose request got no answer (the crash) votes again: refused as already voted
  when the vote was recorded, and recorded otherwise (an open-ballot vote queued for the book's
  batch writer before the crash may still be appended then, ahead of the retry), so at the end
  the roll and the book hold every voter exactly once.

Shown to fail when durability is taken away: with the cluster started with
`options="-c synchronous_commit=off -c wal_writer_delay=10000"` (commits acknowledged before
their WAL reaches the disk), the database test reports "open ballot: 3 votes answered 2xx are
lost" (checked by hand on a copy of this file, 2026-11-25).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cluster as harness
import orjson
import pytest

from sovet.core.book import PREFIX, verify

RATE = 100.0  # votes per second offered
VOTERS = 100  # each voter votes once on each ballot: 200 requests, 2 s of load
CRASH_AT = 1.0  # seconds into the load


def _skip_reason() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "needs PostgreSQL: run scripts/postgres-lane"
    return harness.missing()


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


@dataclass
class Site:
    """The durable cluster, the data folder, and the seeded council."""

    pg: harness.Cluster
    data: Path
    seeded: harness.Seeded


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A durable cluster with Sovet migrated and a council seeded: two open motions on each
    kind of ballot (one per test), and a token per voter."""
    data = tmp_path_factory.mktemp("crash-data")
    with harness.Cluster() as pg:
        harness.migrate(pg.url, data)
        seeded = harness.seed(pg.url, data, members=VOTERS + 10, open_motions=2,
                              secret_motions=2, voters=VOTERS, slug="crash")
        yield Site(pg, data, seeded)


def _load(site: Site, server: harness.Server, run: int,
          crash: Callable[[], object]) -> tuple[list[tuple[str, str, int]], harness.Load]:
    """Cast every voter's two votes (run `run`'s open and secret motions), crashing midway.

    Returns (kind, voter, motion) per request, and the load's outcomes.
    """
    s = site.seeded
    plan = [(kind, voter, s.motions(kind)[run])
            for voter, _ in s.voters for kind in ("open", "secret")]
    tokens = dict(s.voters)
    requests = [harness.vote_request(s, server.port, motion, tokens[voter])
                for _, voter, motion in plan]
    progress = [0]

    def midway() -> None:
        # On a slow machine, wait (a little) for some votes to be answered first.
        deadline = time.monotonic() + 5
        while progress[0] < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        crash()

    load = harness.open_loop(server.port, requests, rate=RATE, concurrency=100, timeout=20,
                             at=[(CRASH_AT, midway)], progress=progress)
    return plan, load


def _recorded(pg: harness.Cluster, slug: str, kind: str, motion: int) -> list[str]:
    """The voters recorded on a motion's ballot, with repeats: the book's `vote.cast` acts for
    an open ballot, the voter roll for a secret one (whose box must hold as many ballots)."""
    council = pg.sql("SELECT id FROM books_council WHERE slug = %s", (slug,))[0][0]
    if kind == "secret":
        roll = [r[0] for r in pg.sql(
            "SELECT person FROM councils_voterroll WHERE council_id = %s AND of = 'motion' "
            "AND ballot = %s", (council, motion))]
        box = pg.sql("SELECT count(*) FROM councils_ballotboxentry WHERE council_id = %s AND "
                     "of = 'motion' AND ballot = %s", (council, motion))[0][0]
        assert box == len(roll), f"motion {motion}: {box} ballots in the box, {len(roll)} on " \
                                 "the roll"
        return roll
    bodies = pg.sql("SELECT body FROM books_act WHERE council_id = %s AND kind = 'vote.cast'",
                    (council,))
    acts = [orjson.loads(bytes(b[0])) for b in bodies]
    return [a["by"] for a in acts if a["motion"] == motion]


def _book_verifies(site: Site) -> None:
    """Every council's book verifies and ends at its stored head, read from the rows and
    through `sovet verify --council`."""
    pg = site.pg
    for council, slug, head_seq, head_hash in pg.sql(
            "SELECT id, slug, head_seq, head_hash FROM books_council"):
        rows = pg.sql("SELECT body, hash, prev FROM books_act WHERE council_id = %s ORDER BY seq",
                      (council,))
        lines = [b"".join((PREFIX, bytes(b), b',"hash":"', h.encode(), b'","prev":"',
                           p.encode(), b'"}\n')) for b, h, p in rows]
        verdict = verify(lines)
        assert verdict.ok, f"{slug}: {verdict}"
        assert (verdict.count, verdict.head) == (head_seq, head_hash), slug
        done = subprocess.run([str(harness.BIN / "sovet"), "verify", "--council", slug],
                              env=harness.site_env(pg.url, site.data), capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def _check(site: Site, server: harness.Server, plan: list[tuple[str, str, int]],
           load: harness.Load) -> None:
    """The checks after the restart (see the module's text), then the retries."""
    s = site.seeded
    statuses = Counter(o.status for o in load.outcomes)
    acked = {(plan[o.index][0], plan[o.index][1]) for o in load.ok(s.via)}
    unanswered = {(plan[o.index][0], plan[o.index][1]) for o in load.outcomes
                  if o.status == 0 or o.status >= 500}
    # The crash fell in the middle of the load: some votes were accepted before it, and some
    # requests failed because of it.
    assert acked and unanswered, f"the crash was not mid-load: {statuses}"
    assert len(acked) + len(unanswered) == len(plan), f"refusals besides the crash: {statuses}"
    for kind in ("open", "secret"):
        recorded = _recorded(site.pg, s.slug, kind, _motion(plan, kind))
        twice = [p for p, n in Counter(recorded).items() if n > 1]
        assert not twice, f"{kind} ballot: voters with two votes: {twice}"
        want = {v for k, v in acked if k == kind}
        lost = want - set(recorded)
        assert not lost, f"{kind} ballot: {len(lost)} votes answered 2xx are lost: {sorted(lost)}"
        maybe = {v for k, v in unanswered if k == kind}
        assert set(recorded) <= want | maybe, f"{kind} ballot: votes nobody cast were recorded"
    _book_verifies(site)

    # Every unanswered voter votes again: refused as already voted when recorded, so that in
    # the end each voter has exactly one vote.
    tokens = dict(s.voters)
    retry = sorted(unanswered)
    before = {kind: set(_recorded(site.pg, s.slug, kind, _motion(plan, kind)))
              for kind in ("open", "secret")}
    requests = [harness.vote_request(s, server.port, _motion(plan, kind), tokens[voter])
                for kind, voter in retry]
    again = harness.open_loop(server.port, requests, rate=RATE, concurrency=20)
    for (kind, voter), o in zip(retry, again.outcomes, strict=True):
        if voter in before[kind]:
            assert o.status == 409 and b"already_voted" in o.answer, \
                f"{kind} {voter}: recorded before the retry, yet: {o.why()}"
        else:
            # Not in the book yet, but an open-ballot vote queued for the book's writer before
            # the crash (its request unanswered) is appended by the next writer, ahead of the
            # retry, which is then refused as a second vote: either answer keeps one vote.
            assert harness.accepted(o.status, s.via) or (
                kind == "open" and o.status == 409 and b"already_voted" in o.answer), \
                f"{kind} {voter}: {o.why()}"
    everyone = {voter for voter, _ in s.voters}
    for kind in ("open", "secret"):
        recorded = _recorded(site.pg, s.slug, kind, _motion(plan, kind))
        assert sorted(recorded) == sorted(everyone), f"{kind} ballot after the retries"
    _book_verifies(site)


def _motion(plan: list[tuple[str, str, int]], kind: str) -> int:
    return next(m for k, _, m in plan if k == kind)


def test_votes_survive_gunicorn_killed_mid_load(site: Site) -> None:
    """SIGKILL to gunicorn's master and workers in the middle of a constant-rate vote load."""
    server = harness.Server(site.pg.url, site.data, workers=2)
    try:
        server.start()
        harness.warm(server.port, site.seeded, server.workers)
        plan, load = _load(site, server, 0, server.kill)
        assert server.process is not None and server.process.returncode == -9
        server.start()  # a new gunicorn on the same database
        _check(site, server, plan, load)
    finally:
        server.stop()


def test_votes_survive_database_stopped_immediately_mid_load(site: Site) -> None:
    """`pg_ctl stop -m immediate` in the middle of a constant-rate vote load."""
    server = harness.Server(site.pg.url, site.data, workers=2)
    try:
        server.start()
        harness.warm(server.port, site.seeded, server.workers)
        plan, load = _load(site, server, 1, lambda: site.pg.stop("immediate"))
        assert not site.pg.running()
        server.kill()  # the server goes down with its database, as after a power cut
        site.pg.start()  # replays the WAL: every commit acknowledged before the crash is there
        server.start()
        _check(site, server, plan, load)
    finally:
        server.stop()
        if not site.pg.running():
            site.pg.start()
