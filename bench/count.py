"""Benchmark: Sovet's counting engine against the Python peers, file to elected list.

Run `python bench/count.py` (from the repository root, with the venv and the `bench` extra).
It generates realistic ballots — 10 candidates, 3 seats, three blocs of voters with skewed
popularity (so surpluses and exclusions both happen), rankings of 1 to 10 preferences — for
10,000, 100,000 and 1,000,000 voters; writes each as BLT the way councils publish it (identical
rankings on one line with their count) and, at the largest size, also one line per ballot;
then times each tool on the same file, from reading the file to the elected list, each run in
a fresh process so that its peak memory is its own. Prints seconds, peak memory (resident
memory above what the process held once its libraries were imported) and how many times
slower than Sovet each peer is. A peer that takes longer than the budget (60 s by default) at
one size is not run at the larger ones, and the output says so.

Peers: pyrankvote, pref_voting, votekit, stvpoll, pyrcv and py-vote-core, each for the methods it
has. Their rules differ in detail (most STV peers are not the Scottish Order's), so the elected
lists are printed for comparison, not asserted. Each peer gets the fastest loader we could
write: the file is parsed by Sovet's NumPy BLT reader, then turned into the peer's own ballot
objects (aggregated where the peer accepts weights), and all of that is inside its timing.

This prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sovet.count.blt import read_blt, write_blt  # noqa: E402
from sovet.count.profile import Profile  # noqa: E402

CANDIDATES = (
    "Ann Baird", "Bo Cairns", "Cy Duff", "Di Ewing", "Ed Fraser",
    "Flo Grant", "Gus Hay", "Hal Innes", "Iona Kerr", "Jo Lamont",
)
SEATS = 3
POPULARITY = np.array([0.28, 0.17, 0.13, 0.10, 0.08, 0.07, 0.06, 0.05, 0.035, 0.025])
PARTY = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])  # each voter bloc favours one party's slate
BLOCS = [0.45, 0.35, 0.20]
LENGTHS = [0.22, 0.20, 0.17, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.03]  # 1..10 preferences


# --- the ballots ---------------------------------------------------------------------------


def generate(n: int, seed: int = 2026) -> Profile:
    """`n` voters' rankings (one row per voter), drawn from a Plackett-Luce model by blocs."""
    rng = np.random.default_rng(seed)
    c = len(CANDIDATES)
    bloc = rng.choice(len(BLOCS), size=n, p=BLOCS)
    # Gumbel-max: sorting log-weights plus Gumbel noise draws a Plackett-Luce ranking.
    keys = np.log(POPULARITY)[None, :] + np.where(PARTY[None, :] == bloc[:, None], 1.2, 0.0)
    keys = keys + rng.gumbel(size=(n, c))
    order = np.argsort(-keys, axis=1).astype(np.int16)
    length = rng.choice(np.arange(1, c + 1), size=n, p=LENGTHS)
    order[np.arange(c)[None, :] >= length[:, None]] = -1
    return Profile(CANDIDATES, order, np.ones(n, dtype=np.int64), SEATS, title=f"{n} voters")


def write_unaggregated(profile: Profile, path: Path) -> None:
    """Write one BLT line per ballot (weight 1), as some counting programs export."""
    r = profile.rankings
    parts = np.full(r.shape[0], "1", dtype=object)
    for j in range(r.shape[1]):
        col = r[:, j]
        token = np.where(col >= 0, " " + (col.astype(np.int64) + 1).astype(str).astype(object), "")
        parts = parts + token
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(profile.candidates)} {profile.seats}\n")
        f.write(" 0\n".join(parts.tolist()) + " 0\n0\n")
        for name in profile.candidates:
            f.write(f'"{name}"\n')
        f.write(f'"{profile.title}"\n')


# --- each tool, from file to elected list (run in a child process) -------------------------


def _rows(profile: Profile) -> tuple[list[list[int]], list[int]]:
    """The profile's distinct rankings as lists of 0-based candidates, and their counts."""
    rows = [[int(x) for x in row if x >= 0] for row in profile.rankings.tolist()]
    return rows, [int(w) for w in profile.weights]


def sovet(method: str, path: str, seats: int) -> list[str]:
    from sovet.count.irv import irv
    from sovet.count.lot import Lot
    from sovet.count.schulze import schulze
    from sovet.count.stv import meek, stv_scottish

    profile = read_blt(path)
    counts: dict[str, Callable[..., Any]] = {
        "scottish-stv": stv_scottish, "meek": meek, "irv": irv, "schulze": schulze,
    }
    count = counts[method]
    return list(count(profile, seats=seats, lot=Lot(1)).elected_names)


def py_vote_core(method: str, path: str, seats: int) -> list[str]:
    from py3votecore.irv import IRV
    from py3votecore.schulze_method import SchulzeMethod
    from py3votecore.stv import STV

    profile = read_blt(path)
    names = profile.candidates
    rows, counts = _rows(profile)
    pairs = list(zip(rows, counts, strict=True))
    if method == "schulze":
        ballots = [{"count": w, "ballot": [[names[x]] for x in r]} for r, w in pairs]
        return [SchulzeMethod(ballots, ballot_notation=SchulzeMethod.BALLOT_NOTATION_GROUPING)
                .as_dict()["winner"]]
    ballots = [{"count": w, "ballot": [names[x] for x in r]} for r, w in pairs]
    if method == "irv":
        return [IRV(ballots).as_dict()["winner"]]
    return sorted(STV(ballots, required_winners=seats).as_dict()["winners"])


def stvpoll(method: str, path: str, seats: int) -> list[str]:
    from stvpoll.irv import IRV
    from stvpoll.scottish_stv import ScottishSTV

    profile = read_blt(path)
    names = profile.candidates
    rows, counts = _rows(profile)
    poll = ScottishSTV(seats=seats, candidates=names) if method != "irv" else IRV(
        candidates=names)
    for r, w in zip(rows, counts, strict=True):
        poll.add_ballot([names[x] for x in r], w)
    return list(poll.calculate().elected_as_tuple())


def pref_voting(method: str, path: str, seats: int) -> list[str]:
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_meek, stv_scottish

    profile = read_blt(path)
    rows, counts = _rows(profile)
    pv = ProfileWithTies([{x: j + 1 for j, x in enumerate(r)} for r in rows], counts,
                         candidates=list(range(len(profile.candidates))))
    if method == "schulze":
        pv.use_extended_strict_preference()
        winners = beat_path(pv)
    elif method == "irv":
        winners = instant_runoff(pv)
    elif method == "meek":
        winners = stv_meek(pv, num_seats=seats)
    else:
        winners = stv_scottish(pv, num_seats=seats)
    return [profile.candidates[int(x)] for x in winners]


def votekit(method: str, path: str, seats: int) -> list[str]:
    from votekit.ballot import RankBallot
    from votekit.elections.election_types.ranking.stv.stv import FastIRV, FastSTV
    from votekit.pref_profile.pref_profile import RankProfile

    profile = read_blt(path)
    names = profile.candidates
    rows, counts = _rows(profile)
    ballots = [RankBallot(ranking=[{names[x]} for x in r], weight=w)
               for r, w in zip(rows, counts, strict=True) if r]
    vp = RankProfile(ballots=ballots, candidates=list(names), max_ranking_length=len(names))
    election = FastIRV(vp) if method == "irv" else FastSTV(vp, n_seats=seats)
    return sorted(str(c) for group in election.get_elected() for c in group)


def pyrcv(method: str, path: str, seats: int) -> list[str]:
    from pyrcv.pyrcv import run_rcv
    from pyrcv.types import RaceData, RaceMetadata

    profile = read_blt(path)
    r = profile.rankings.astype(np.int64) + 1  # 1-based, 0 for no further preference
    keep = r[:, 0] > 0
    data = RaceData(
        metadata=RaceMetadata("bench", 1 if method == "irv" else seats, list(profile.candidates)),
        ballots=r[keep].tolist(),
        votes=profile.weights[keep].tolist(),
    )
    result = run_rcv(data)
    won = {i for rnd in result.rounds for i in rnd.elected}
    return sorted(profile.candidates[i - 1] for i in won)


def pyrankvote(method: str, path: str, seats: int) -> list[str]:
    import pyrankvote as prv

    profile = read_blt(path)
    people = [prv.Candidate(n) for n in profile.candidates]
    rows, counts = _rows(profile)
    # pyrankvote has no ballot weights: one Ballot object per voter.
    ballots = []
    for r, w in zip(rows, counts, strict=True):
        b = prv.Ballot(ranked_candidates=[people[x] for x in r])
        ballots.extend([b] * w)
    if method == "irv":
        result = prv.instant_runoff_voting(people, ballots)
    else:
        result = prv.single_transferable_vote(people, ballots, number_of_seats=seats)
    return sorted(c.name for c in result.get_winners())


TOOLS: dict[str, Callable[[str, str, int], list[str]]] = {
    "sovet": sovet,
    "py-vote-core": py_vote_core,
    "stvpoll": stvpoll,
    "pref_voting": pref_voting,
    "votekit": votekit,
    "pyrcv": pyrcv,
    "pyrankvote": pyrankvote,
}

# What each tool offers, and under which rule (they differ: only some follow the Order).
METHODS: dict[str, dict[str, str]] = {
    "scottish-stv": {
        "sovet": "Scottish Order 2007",
        "stvpoll": "ScottishSTV",
        "pref_voting": "stv_scottish",
        "py-vote-core": "STV (fractional Gregory, own rule)",
        "votekit": "FastSTV (fractional)",
        "pyrcv": "run_rcv (fractional)",
        "pyrankvote": "single_transferable_vote",
    },
    "meek": {"sovet": "Meek (PRF reference)", "pref_voting": "stv_meek"},
    "irv": {
        "sovet": "IRV",
        "pref_voting": "instant_runoff",
        "py-vote-core": "IRV",
        "stvpoll": "IRV",
        "votekit": "FastIRV",
        "pyrcv": "run_rcv, 1 winner",
        "pyrankvote": "instant_runoff_voting",
    },
    "schulze": {"sovet": "Schulze", "pref_voting": "beat_path", "py-vote-core": "SchulzeMethod"},
}


def _status(field: str) -> int:
    """A field of /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def child(tool: str, method: str, path: str, seats: int) -> None:
    """Run one tool once and print its figures as JSON (the parent reads them)."""
    fn = TOOLS[tool]
    # Import the tool's modules before the baseline, so their memory is not counted.
    # A warm-up on a tiny file; its errors, if any, show in the real run.
    with contextlib.suppress(Exception):
        fn(method, str(ROOT / "bench" / "_warmup.blt"), seats)
    base = _status("VmRSS")
    t0 = time.perf_counter()
    elected = fn(method, path, seats)
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    print(json.dumps({"seconds": seconds, "peak": max(peak - base, 0), "elected": elected}))


# --- the parent: files, runs, table -----------------------------------------------------------


def run_one(tool: str, method: str, path: Path, seats: int, budget: float) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", tool, method, str(path), str(seats)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:90]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def matrix_bytes(profile: Profile) -> int:
    """The size of the ballot matrix a count works on: int16 rankings plus int64 weights."""
    return profile.rankings.nbytes + profile.weights.nbytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--dir", default=None, help="where to write the BLT files")
    parser.add_argument("--child", nargs=4, metavar=("TOOL", "METHOD", "FILE", "SEATS"))
    args = parser.parse_args()
    if args.child:
        tool, method, path, seats = args.child
        child(tool, method, path, int(seats))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    tools = args.tools.split(",")
    methods = args.methods.split(",")
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="sovet-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    warm = ROOT / "bench" / "_warmup.blt"
    write_blt(generate(200, seed=1), warm)

    print(f"Sovet counting benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(f"10 candidates, {SEATS} seats; files in {workdir}; budget {args.budget:.0f} s a run\n")
    too_slow: set[tuple[str, str]] = set()
    try:
        for n in sizes:
            t0 = time.perf_counter()
            ballots = generate(n)
            path = workdir / f"ballots-{n}.blt"
            write_blt(ballots, path)
            agg = read_blt(path)
            print(f"== {n:,} voters: {agg.rankings.shape[0]:,} distinct rankings, "
                  f"{path.stat().st_size / 1e6:.1f} MB BLT, ballot matrix "
                  f"{matrix_bytes(agg) / 1e6:.1f} MB (generated in "
                  f"{time.perf_counter() - t0:.1f} s)")
            files = [("aggregated", path, matrix_bytes(agg))]
            if n == max(sizes):
                flat = workdir / f"ballots-{n}-unaggregated.blt"
                write_unaggregated(ballots, flat)
                files.append(("one line per ballot", flat, matrix_bytes(ballots)))
            for method in methods:
                offered = METHODS[method]
                for label, file, mbytes in files:
                    if label != "aggregated" and method != "scottish-stv":
                        continue
                    run_tools = [t for t in tools if t in offered]
                    if label != "aggregated":
                        run_tools = ["sovet"]
                    print(f"\n  {method} · {label} file")
                    print(f"  {'tool':<14}{'rule':<36}{'seconds':>9}{'peak MB':>9}"
                          f"{'x matrix':>9}{'x Sovet':>9}  elected")
                    ours: float | None = None
                    for tool in run_tools:
                        rule = offered[tool]
                        if (tool, method) in too_slow:
                            note = "skipped: over budget at a smaller size"
                            print(f"  {tool:<14}{rule:<36}{note:>45}")
                            continue
                        seats = 1 if method in ("irv", "schulze") else SEATS
                        got = run_one(tool, method, file, seats, args.budget)
                        if "timeout" in got:
                            too_slow.add((tool, method))
                            print(f"  {tool:<14}{rule:<36}{f'> {args.budget:.0f} s: stopped':>18}")
                            continue
                        if "error" in got:
                            print(f"  {tool:<14}{rule:<36}  error: {got['error']}")
                            continue
                        secs = got["seconds"]
                        if tool == "sovet":
                            ours = secs
                        ratio = f"{secs / ours:,.1f}" if ours else "-"
                        elected = ", ".join(got["elected"])
                        print(f"  {tool:<14}{rule:<36}{secs:>9.3f}{got['peak'] / 1e6:>9.1f}"
                              f"{got['peak'] / mbytes:>9.1f}{ratio:>9}  {elected}")
            print()
    finally:
        warm.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
