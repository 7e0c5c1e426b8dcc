"""Benchmark votes under load on a durable PostgreSQL (issue 5, "Load"). Prints figures only.

On a throwaway DURABLE PostgreSQL 15 (fsync and synchronous_commit on; `tests/postgres/
cluster.py`), a council of 10,000 members with open motions on an open (roll-call) ballot and
on a secret ballot; gunicorn sync workers serve Sovet on loopback. An open-loop generator
(constant arrival rate: request i is due i/rate seconds after the start whatever happened to
the ones before; at most 100 in flight, the 100 concurrent voters) casts votes through the API
(`POST /api/v1/councils/{slug}/motions/{n}/vote` with a voter's token), each request a
distinct voter, one fresh motion per step. Per ballot kind and offered rate it prints the
accepted votes/s, p50/p99 latency measured from each request's SCHEDULED send time (so
queueing shows), the errors, the generator's own CPU (it shares the 2 cores) and the machine's;
then the highest offered rate held (every vote accepted, >= 95 % of the rate, p99 < 100 ms).

Five sync workers by default: 2 x cores + 1, as docs/production.md tells a site to run. A sync
worker sits idle while its commit waits for the disk's flush (fsync), and an open ballot's
voters wait in theirs while one writer appends their votes in a batch, so more workers than
cores keep the cores busy. Measured here on 2026-11-25 (`--workers 3,5,8 --rates
450,550,700,1000 --no-bare`, before the copy-on-write tables were made lazy): 3, 5 and 8
workers held 1,000, 1,000 and 700 secret votes/s, and peaked at 442, 481 and 487 open votes/s
(5 and 8 held 450). Earlier that day, before the vote's fast lane, 2 and 4 workers held 400
secret votes/s and peaked at 234 and 252 open. The whole run at the end of that day (5
workers): secret held 1,000 votes/s (p99 27 ms, peak 1,069), open held 600 (p99 20 ms, peak
636), the bare view held 1,000 (p99 28 ms, peak 1,037); pgbench 17,058 inserts/s. A run later
that night, after an open vote and its batch went from about seven round trips to four:
secret held 1,000 (p99 39 ms, peak 1,052), open held 600 (p99 19 ms, peak 638, the machine
83 % busy at its peak: the one writer, not the cores, is the open ballot's limit), the bare
view held 1,000 (p99 98 ms, peak 1,057); pgbench 17,791 inserts/s. On 2026-11-26, after an
open vote's token came to be checked in the statement that queues it (one round trip fewer),
the whole run: secret held 1,000 (p99 35 ms, peak 1,012), open held 600 (p99 23 ms; 750 not
held, peak 712), the bare view held 750 (p99 6 ms; at 1,000 p99 was 130 ms, peak 1,022);
pgbench 16,887 inserts/s. With more workers the open ballot goes further, as its voters wait
in their workers for the writer: `--kinds open --workers 8 --rates 600,700,750,800,900,1000
--no-bare --pgbench-seconds 2` held 800 (p99 31 ms, peak 817), and 12 workers held 800 (p99
62 ms, peak 847); but 8 workers held fewer secret votes in one run (977/s at 1,000 offered,
p99 215 ms), so the default stays 5. At the end of that session (`--kinds open,secret
--workers 5,8 --rates 600,750,800,900,1000 --no-bare --pgbench-seconds 2`): 5 workers held
600 open (peak 723) and 1,000 secret (p99 28 ms); 8 workers held 750 open (p99 40 ms; at 800
offered p99 was 214 ms, peak 820) and 1,000 secret (p99 25 ms); pgbench 17,082 inserts/s.
Before measuring, each worker casts votes on a spare motion of each kind (not measured). The
generator runs on uvloop, which costs it about a third less CPU than asyncio's own loop.

Beside it, in the same run and on the same server: pgbench's single-row insert rate (custom
script `INSERT INTO t ...`, -c 8 -j 2 -T 10), the database's own limit here, and the ratio of
the votes/s to it; and a bare Django view (no middleware, no rules) that only writes the
voter-roll row and the ballot-box row in one transaction, the floor of Django's own cost.

    .venv/bin/python bench/load.py                          # the whole run (~5 minutes)
    .venv/bin/python bench/load.py --workers 2,3,4 --rates 100,250 --seconds 4
    .venv/bin/python bench/load.py --members 2000 --kinds secret --no-bare   # quicker
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests" / "postgres"))

# The bare view's ballots get numbers no motion has, so they never mix with the real ones.
BARE_BALLOT = 1_000_000


@dataclass
class Step:
    """One step of a load: what was offered and what came back."""

    name: str
    rate: float
    sent: int
    accepted: int
    per_second: float
    p50: float
    p99: float
    errors: dict[int, int]
    generator_cpu: float  # the generator's CPU, share of one core
    machine_cpu: float  # the whole machine's CPU busy, share of all its cores

    def held(self) -> bool:
        """Whether the server kept up: every vote accepted at >= 95 % of the offered rate, with
        p99 under 100 ms."""
        return (not self.errors and self.per_second >= 0.95 * self.rate
                and self.p99 < 0.100)

    def line(self) -> str:
        """The step as one printed line."""
        what = {0: "no answer", -1: "not sent (2 s behind)"}
        errors = ", ".join(f"{n}x {what.get(s, s)}"
                           for s, n in sorted(self.errors.items())) or "none"
        return (f"{self.name:<7} offered {self.rate:6.0f}/s  accepted {self.per_second:7.1f}/s "
                f"({self.accepted}/{self.sent})  p50 {self.p50 * 1000:7.1f} ms  "
                f"p99 {self.p99 * 1000:7.1f} ms  errors {errors}  generator "
                f"{self.generator_cpu:4.0%} of a core  machine {self.machine_cpu:4.0%}"
                f"{'  held' if self.held() else ''}")


def _busy() -> tuple[int, int]:
    """The machine's (busy, total) CPU jiffies so far, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run_step(name: str, port: int, requests: list[bytes], rate: float, via: str,
             concurrency: int) -> Step:
    """Offer `requests` at `rate` per second, open-loop, and sum up what came back."""
    import cluster as harness

    busy0, total0 = _busy()
    load = harness.open_loop(port, requests, rate=rate, concurrency=concurrency, max_late=2.0)
    busy1, total1 = _busy()
    ok = load.ok(via)
    errors: dict[int, int] = {}
    for o in load.outcomes:
        if not harness.accepted(o.status, via):
            errors[o.status] = errors.get(o.status, 0) + 1
    latencies = [o.latency for o in load.outcomes]
    return Step(name, rate, len(requests), len(ok), len(ok) / load.wall,
                harness.percentile(latencies, 50), harness.percentile(latencies, 99), errors,
                load.cpu / load.wall, (busy1 - busy0) / max(1, total1 - total0))


def _warm_up(port: int, seeded: Any, kinds: list[str], concurrency: int) -> None:
    """Votes on the spare motion of each kind, not measured: the first votes after a start
    pay for each worker's first look at the ballot and for the tables' first pages."""
    import cluster as harness

    for kind in kinds:
        motion = seeded.motions(kind)[-1]
        requests = [harness.vote_request(seeded, port, motion, c) for _, c in seeded.voters[:300]]
        harness.open_loop(port, requests, rate=150, concurrency=concurrency, max_late=2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rates", default="100,250,300,350,400,500,600,750,1000,1250",
                        help="offered votes/s, comma-separated, one step each")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each step")
    parser.add_argument("--workers", default="5",
                        help="gunicorn sync workers; several comma-separated values are "
                             "measured one after the other")
    parser.add_argument("--concurrency", type=int, default=100, help="voters in flight")
    parser.add_argument("--kinds", default="secret,open", help="ballot kinds to measure")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Django view")
    args = parser.parse_args()

    import cluster as harness

    reason = harness.missing()
    if reason:
        raise SystemExit(f"load: {reason}")
    rates = [float(r) for r in args.rates.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    steps = len(rates) * len(workers)
    voters = min(args.members - steps - 1, int(max(rates) * args.seconds))

    t = time.perf_counter()
    with harness.Cluster() as pg, tempfile.TemporaryDirectory(prefix="sovet-load-") as tmp:
        data = Path(tmp)
        harness.migrate(pg.url, data)
        # One more motion of each kind than there are steps: the last one warms the workers up.
        seeded = harness.seed(pg.url, data, members=args.members, open_motions=steps + 1,
                              secret_motions=steps + 1, voters=voters)
        print(f"PostgreSQL {pg.bindir.parent.name}, durable (fsync, synchronous_commit on); a "
              f"council of {args.members:,} members, {voters:,} voters with an API token "
              f"(votes via {seeded.via}); built in {time.perf_counter() - t:.0f} s; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work on "
              "the machine lowers every figure)")

        pg.sql("CREATE TABLE t (id bigserial PRIMARY KEY, v integer NOT NULL)")
        tps = pg.pgbench("INSERT INTO t (v) VALUES (1);\n", clients=8, jobs=2,
                         seconds=args.pgbench_seconds)
        print(f"pgbench single-row INSERT (-c 8 -j 2 -T {args.pgbench_seconds}): "
              f"{tps:,.0f} inserts/s")
        lazy = pg.pgbench("INSERT INTO t (v) VALUES (1);\n", clients=8, jobs=2,
                          seconds=args.pgbench_seconds, options="-c synchronous_commit=off")
        print(f"  the same with synchronous_commit=off (no wait for the disk's flush): "
              f"{lazy:,.0f} inserts/s")

        best: dict[str, float] = {}
        peak: dict[str, float] = {}
        saturated: set[str] = set()
        step = 0
        for w in workers:
            with harness.Server(pg.url, data, workers=w) as server:
                harness.warm(server.port, seeded, w)
                _warm_up(server.port, seeded, kinds, args.concurrency)
                print(f"\ngunicorn {w} sync workers, {args.concurrency} voters in flight, "
                      f"{args.seconds:g} s per step")
                saturated.clear()
                for i, rate in enumerate(rates):
                    for kind in kinds:
                        if kind in saturated:
                            print(f"{kind:<7} offered {rate:6.0f}/s  skipped: saturated at a "
                                  "lower rate")
                            continue
                        motion = seeded.motions(kind)[step + i]
                        n = int(rate * args.seconds)
                        requests = [harness.vote_request(seeded, server.port, motion, c)
                                    for _, c in seeded.voters[:n]]
                        result = run_step(kind, server.port, requests, rate, seeded.via,
                                          args.concurrency)
                        print(result.line(), flush=True)
                        if result.per_second < 0.5 * rate:
                            saturated.add(kind)
                        key = f"{kind}, {w} workers"
                        peak[key] = max(peak.get(key, 0), result.per_second)
                        if result.held():
                            best[key] = max(best.get(key, 0), result.rate)
                        time.sleep(1)  # let the last answers drain
                step += len(rates)

        if not args.no_bare:
            saturated.clear()
            print("\nbare Django view (roll row + box row in one transaction, no middleware), "
                  f"gunicorn {workers[0]} sync workers")
            council = pg.sql("SELECT id FROM books_council WHERE slug = %s", (seeded.slug,))[0][0]
            with harness.Server(pg.url, data, workers=workers[0], app="load:bare_application",
                                extra=("--pythonpath", str(BENCH))) as server:
                for i in range(2 * workers[0]):
                    harness.http_status(server.port, "POST", f"/bare/{council}/0/warm{i}")
                for i, rate in enumerate([*rates, 1500.0, 1750.0]):
                    if "bare" in saturated:
                        print(f"bare    offered {rate:6.0f}/s  skipped: saturated at a lower "
                              "rate")
                        continue
                    n = int(rate * args.seconds)
                    requests = [(f"POST /bare/{council}/{BARE_BALLOT + i}/p{v:05d} HTTP/1.1\r\n"
                                 f"Host: 127.0.0.1:{server.port}\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n").encode() for v in range(n)]
                    result = run_step("bare", server.port, requests, rate, "api",
                                      args.concurrency)
                    print(result.line(), flush=True)
                    if result.per_second < 0.5 * rate:
                        saturated.add("bare")
                    peak["bare view"] = max(peak.get("bare view", 0), result.per_second)
                    if result.held():
                        best["bare view"] = max(best.get("bare view", 0), result.rate)
                    time.sleep(1)

        print(f"\nhighest offered rate held (all accepted, >= 95 % of it, p99 < 100 ms), and "
              f"the most votes accepted per second at any rate; against pgbench's "
              f"{tps:,.0f} inserts/s:")
        for key in [f"{k}, {w} workers" for w in workers for k in kinds] + (
                [] if args.no_bare else ["bare view"]):
            rate, most = best.get(key, 0), peak.get(key, 0)
            held = f"{rate:6.0f} votes/s ({rate / tps:6.1%})" if rate else "  none of the rates"
            print(f"  {key:<20} held {held}   peak {most:7.1f} accepted/s ({most / tps:6.1%})")


# ---------------------------------------------------------------------------------------------
# The bare view, served by gunicorn as `load:bare_application` (with --pythonpath bench)

_handler: Any = None


def bare_vote(request: Any, council: int, ballot: int, person: str) -> Any:
    """Write one voter-roll row and one ballot-box row in one transaction; answer 200."""
    from django.db import transaction
    from django.http import HttpResponse

    from sovet.web.councils.models import BallotBoxEntry, VoterRoll

    with transaction.atomic():
        VoterRoll.objects.create(council_id=council, of="motion", ballot=ballot, person=person)
        BallotBoxEntry.objects.create(council_id=council, of="motion", ballot=ballot,
                                      content='"yes"')
    return HttpResponse(b'{"recorded":true}', content_type="application/json")


def bare_application(environ: dict[str, Any], start_response: Any) -> Any:
    """A WSGI app: Django with no middleware and one URL, the bare vote view."""
    global _handler
    if _handler is None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sovet.web.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler
        from django.urls import path

        settings.MIDDLEWARE = []
        settings.ROOT_URLCONF = __name__
        globals()["urlpatterns"] = [path("bare/<int:council>/<int:ballot>/<str:person>",
                                         bare_vote)]
        _handler = WSGIHandler()
    return _handler(environ, start_response)


if __name__ == "__main__":
    main()
