"""Benchmark the book: verify and replay a book of 1,000,000 acts (issue 2, "Speed").

Prints figures; asserts nothing. Targets on one core: verify >= 1,000,000 acts/s, replay >=
200,000 acts/s, and verify's memory flat however long the book.

    .venv/bin/python bench/book.py                 # 1,000,000 acts (and 100,000 for memory)
    .venv/bin/python bench/book.py --acts 200000   # quicker

The book is realistic: the demo council (`sovet.core.demo`, every kind of act, built through
the rules), then members admitted by attendance through the rules, then a cycle made through
the rules (an action with confirmed attendance, a resolution moved, seconded, voted on by
every member in an open ballot, and closed) repeated with fresh motion and action numbers
until the book has the number of acts asked. Books are cached under --dir by size.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sovet.core.acts import Act, from_record  # noqa: E402
from sovet.core.book import GENESIS, chain, read_book, verify_file, write_book  # noqa: E402

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# -- a realistic book ---------------------------------------------------------------------


class Runner:
    """Runs rules one after another on one state, keeping the acts (as the demo does)."""

    def __init__(self, state: Any, now: datetime) -> None:
        self.state = state
        self.now = now
        self.acts: list[Act] = []

    def __call__(self, rule: Callable[..., Any], **kw: Any) -> Any:
        self.now += timedelta(minutes=1)
        d = rule(self.state, at=self.now, **kw)
        self.state = d.state
        self.acts.extend(d.acts)
        return d


def members(state: Any) -> list[str]:
    return sorted(p for p in state.members if state.is_member(p))


def vars_of(a: Act) -> list[Any]:
    """An act's field values."""
    return [getattr(a, f.name) for f in dataclasses.fields(a)]


def shifted(a: Act, k: int, motions: int, actions: int, by: timedelta) -> Act:
    """Act `a` of the cycle's k-th copy: fresh motion and action numbers, later times."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(a):
        v = getattr(a, f.name)
        if f.name == "motion" and isinstance(v, int):
            changes[f.name] = v + k * motions
        elif f.name == "action" and isinstance(v, int):
            changes[f.name] = v + k * actions
        elif isinstance(v, datetime):
            changes[f.name] = v + k * by
    return dataclasses.replace(a, **changes)


def realistic_acts(n: int, size: int) -> Iterator[Act]:
    """n acts of a council of about `size` members (see the module's docstring)."""
    from sovet.core.action import confirm_attendance, record_action, record_attendance
    from sovet.core.ballot import vote
    from sovet.core.council import replay
    from sovet.core.demo import demo_acts
    from sovet.core.membership import apply_for, sponsor
    from sovet.core.motion import close, move, second

    head = demo_acts(start=START, seed=7)
    last = max(v for a in head for v in vars_of(a) if isinstance(v, datetime))
    run = Runner(replay(head), last + timedelta(days=1))
    # The demo ends with admission by attendance at one confirmed action, and two sponsors.
    for i in range(size):
        p = f"worker-{i:03d}"
        ms = members(run.state)
        run(apply_for, person=p)
        run(record_action, title=f"Picket, day {i + 1}", by=ms[0])
        action = max(run.state.actions)
        run(record_attendance, action=action, person=p)
        run(confirm_attendance, action=action, person=p, by=ms[1])
        if run.state.status(p) != "member":
            run(sponsor, applicant=p, by=ms[0])
        if run.state.status(p) != "member":
            run(sponsor, applicant=p, by=ms[1])
    grown = run.acts
    run.acts = []
    # One cycle through the rules.
    cycle_start = run.now
    ms = members(run.state)
    motions0, actions0 = max(run.state.motions), max(run.state.actions)
    run(record_action, title="Assembly at the gate", by=ms[2])
    action = max(run.state.actions)
    for p in ms[3:8]:
        run(record_attendance, action=action, person=p)
        run(confirm_attendance, action=action, person=p, by=ms[2])
    run(move, kind="resolution", by=ms[0], text="The council demands the night shift be paid.")
    motion = max(run.state.motions)
    if run.state.motion(motion).status != "open":
        run(second, motion=motion, by=ms[1])
    for i, p in enumerate(ms):
        run(vote, motion=motion, by=p, choice=("yes", "yes", "no", "abstain")[i % 4])
    run.now = max(run.now, run.state.motion(motion).closes)
    run(close, motion=motion)
    cycle = run.acts
    dm, da = max(run.state.motions) - motions0, max(run.state.actions) - actions0
    period = run.now - cycle_start + timedelta(hours=1)

    count = 0
    for a in head + grown:
        if count == n:
            return
        yield a
        count += 1
    k = 0
    while True:
        for a in cycle:
            if count == n:
                return
            yield shifted(a, k, dm, da, period) if k else a
            count += 1
        k += 1


def test_acts(n: int) -> Iterator[Act]:
    """Stand-in acts (one kind) if the core's rules cannot build a book."""
    from dataclasses import dataclass
    from typing import ClassVar

    from sovet.core.acts import act

    @act
    @dataclass(frozen=True, slots=True)
    class BenchVoted(Act):
        kind: ClassVar[str] = "test.bench.voted"
        motion: int
        by: str
        choice: str
        at: datetime

    for i in range(n):
        yield BenchVoted(motion=i // 60, by=f"worker-{i % 60:03d}", choice="yes", at=START)


def make_book(path: Path, n: int) -> str:
    """Write a book of n acts at path (unless there already); return how it was made."""
    how = "realistic (demo council, then attendance and open votes, through the rules)"
    if path.exists():
        return how + ", cached"
    tmp = path.with_suffix(".tmp")
    try:
        acts: Iterator[Act] = realistic_acts(n, size=60)
        first = next(acts)
        rest = acts
    except Exception as e:  # the core is still being written: say so, bench what exists
        print(f"  (the core's rules could not build a book: {e!r}; using test acts)")
        how = "test acts (one kind), since the core's rules could not build a book"
        rest = test_acts(n)
        first = next(rest)

    def all_acts() -> Iterator[Act]:
        yield first
        yield from rest

    t = time.perf_counter()
    with open(tmp, "wb") as f:
        entry = None
        batch: list[Act] = []
        for a in all_acts():
            batch.append(a)
            if len(batch) == 50_000:
                entries = chain(batch, after=entry)
                write_book(f, entries)
                entry, batch = entries[-1], []
        if batch:
            write_book(f, chain(batch, after=entry))
    tmp.rename(path)
    print(f"  wrote {path} ({n:,} acts) in {time.perf_counter() - t:.1f} s")
    return how


# -- the naive reference ------------------------------------------------------------------


def naive_verify(path: Path) -> int:
    """The issue's reference loop: parse each line with orjson, re-encode, check, hash."""
    prev = GENESIS
    n = 0
    with open(path, "rb") as f:
        for text in f:
            d = orjson.loads(text)
            n += 1
            if d["prev"] != prev:
                raise SystemExit(f"naive: act {n}: prev")
            b = orjson.dumps(d["act"], option=orjson.OPT_SORT_KEYS)
            h = hashlib.sha256(bytes.fromhex(prev) + b).hexdigest()
            if h != d["hash"]:
                raise SystemExit(f"naive: act {n}: hash")
            prev = h
    return n


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run fn; return its result and the CPU time it took (one core: this process's time)."""
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the shortest CPU time of `runs` runs of fn."""
    best: tuple[Any, float] | None = None
    for _ in range(runs):
        out, dt = timed(fn)
        if best is None or dt < best[1]:
            best = (out, dt)
    assert best is not None
    return best


def peak_rss_of_verify(path: Path) -> tuple[float, float, int, float]:
    """Memory of a fresh process that verifies `path`: peak RSS (MiB) after importing Sovet
    and after verifying, the number of acts, and the peak of what verify allocates (MiB,
    tracemalloc)."""
    code = (
        "import resource, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from sovet.core.book import verify_file\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "v = verify_file(sys.argv[1])\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "import tracemalloc\n"
        "tracemalloc.start()\n"
        "verify_file(sys.argv[1])\n"
        "print(before, after, v.count, tracemalloc.get_traced_memory()[1])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]) / 1024, int(out[1]) / 1024, int(out[2]), int(out[3]) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--acts", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=100_000, help="the smaller book, for memory")
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    ap.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    n = args.acts

    print(f"Python {sys.version.split()[0]}; rates are acts per CPU second of this one process")
    big = args.dir / f"sovet-bench-book-{n}.jsonl"
    small = args.dir / f"sovet-bench-book-{args.small}.jsonl"
    how = make_book(big, n)
    make_book(small, args.small)
    size = big.stat().st_size
    print(f"book: {n:,} acts, {size / 2**20:.0f} MiB ({size / n:.0f} bytes a line); {how}")

    v, dt = best_of(args.runs, lambda: verify_file(big))
    if not v.ok:
        raise SystemExit(f"verify failed: {v}")
    ours = n / dt
    print(f"verify              {ours:12,.0f} acts/s  ({dt:.2f} s, best of {args.runs})")
    _, dt_full = timed(lambda: verify_file(big, full=True))
    print(f"verify --full       {n / dt_full:12,.0f} acts/s  (also parses every body)")
    count, dt_naive = best_of(args.runs, lambda: naive_verify(big))
    naive = count / dt_naive
    print(f"naive orjson loop   {naive:12,.0f} acts/s  -> verify is {ours / naive:.2f}x that")
    print(f"  target verify >= 1,000,000 acts/s: {'met' if ours >= 1e6 else 'NOT met'}")

    for path in (small, big):
        before, after, acts, traced = peak_rss_of_verify(path)
        print(
            f"verifying {acts:>9,} acts: peak RSS {after:6.1f} MiB ({before:.1f} MiB before "
            f"verifying); verify's own peak allocation {traced:.1f} MiB"
        )

    try:
        from sovet.core.council import replay
    except ImportError as e:
        print(f"replay: not benchmarked, sovet.core.council.replay is not there yet ({e})")
        return
    entries, dt_read = timed(lambda: sum(1 for _ in read_book(big)))
    print(f"read_book alone     {entries / dt_read:12,.0f} acts/s  (parse, check, decode)")
    try:
        _, dt_replay = timed(lambda: replay(e.act for e in read_book(big)))
    except Exception as e:
        print(f"replay: failed on this book: {e!r}")
        return
    print(f"replay(read_book)   {n / dt_replay:12,.0f} acts/s  ({dt_replay:.2f} s)")
    sample = min(n, 200_000)
    with open(big, "rb") as f:
        records = [orjson.loads(t[7:-150]) for t in itertools.islice(f, sample)]
    _, dt_decode = timed(lambda: [from_record(r) for r in records])
    print(f"  of which decoding {sample / dt_decode:12,.0f} acts/s  (from_record, {sample:,} acts)")
    acts_list = [from_record(r) for r in records]
    _, dt_apply = timed(lambda: replay(acts_list))
    print(f"  and applying      {sample / dt_apply:12,.0f} acts/s  (replay of decoded acts)")
    print(f"  target replay >= 200,000 acts/s: {'met' if n / dt_replay >= 2e5 else 'NOT met'}")


if __name__ == "__main__":
    main()
