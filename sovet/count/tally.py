"""`sovet tally`: count a BLT file by a chosen method, and show, print or draw the record.

The command line's whole counting path lives here so `sovet/cli.py` only wires it in: read the
file, count it (with a progress bar if that takes more than a second), then print the stages
as tables, or the JSON record, and draw the chart if asked.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sovet.core.errors import RuleError
from sovet.count.approval import approval
from sovet.count.irv import irv
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.report import method_name, print_result
from sovet.count.result import CountError, Result, result_to_json
from sovet.count.schulze import schulze

METHODS = ("scottish-stv", "meek", "irv", "schulze", "approval")

PROGRESS_AFTER = 1.0  # seconds a count may run before a progress bar appears


def _scottish(profile: Profile, *, seats: int | None, lot: Lot) -> Result:
    from sovet.count.stv import stv_scottish

    order = profile.tie_order or None
    return stv_scottish(profile, seats=seats, lot=lot, tie_order=order)


def _meek(profile: Profile, *, seats: int | None, lot: Lot) -> Result:
    from sovet.count.stv import meek

    return meek(profile, seats=seats, lot=lot)


_COUNTS: dict[str, Callable[..., Result]] = {
    "scottish-stv": _scottish,
    "meek": _meek,
    "irv": irv,
    "schulze": schulze,
    "approval": approval,
}


def file_seed(path: str | os.PathLike[str]) -> int:
    """The default seed of a count's lot: the first 63 bits of the file's SHA-256.

    Anyone recounting the same file draws the same lot without being told the seed, and no
    one can pick a seed after seeing the ballots without changing the file.
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return int.from_bytes(h.digest()[:8], "big") >> 1


def count_file(
    path: str | os.PathLike[str], method: str, *, seats: int | None = None, seed: int | None = None
) -> Result:
    """Read the BLT file at `path` and count it by `method` (one of `METHODS`).

    `seats` defaults to the file's header; `seed` (the lot's) to `file_seed(path)`. Raises
    `CountError` for an unknown method or a missing file, `BltError` for a file that is not BLT,
    and `CountError` for a count that cannot be run as asked.
    """
    from sovet.count.blt import read_blt

    if method not in _COUNTS:
        raise CountError(
            f"there is no counting method {method!r}; choose one of {', '.join(METHODS)}.",
        )
    if seats is not None and seats < 1:
        raise CountError(f"--seats must be at least 1, not {seats}.")
    if seed is not None and seed < 0:
        raise CountError(f"--seed must be a whole number >= 0, not {seed}.")
    p = Path(path)
    if not p.is_file():
        raise CountError(f"there is no ballot file at {os.fspath(p)!r}; check the path.")
    profile = read_blt(p)
    lot = Lot(file_seed(p) if seed is None else seed)
    return _COUNTS[method](profile, seats=seats, lot=lot)


def _with_progress(work: Callable[[], Result], label: str, console: Console) -> Result:
    """Run `work`; if it is still running after `PROGRESS_AFTER` s, show a progress bar."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as e:  # handed back to the caller's thread below
            box["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(PROGRESS_AFTER)
    if worker.is_alive():
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            # The methods do not report their stages, so the bar pulses until the count ends.
            progress.add_task(label, total=None)
            while worker.is_alive():
                worker.join(0.1)
    if "error" in box:
        raise box["error"]
    result: Result = box["result"]
    return result


def tally_command(
    path: str | os.PathLike[str],
    method: str = "scottish-stv",
    seats: int | None = None,
    json: bool = False,
    chart: str | os.PathLike[str] | None = None,
    *,
    seed: int | None = None,
    out: Console | None = None,
    err: Console | None = None,
) -> int:
    """Count `path` by `method`, print the stages (or the JSON record), draw `chart` if given.

    Returns the exit status: 0 when counted, 2 for bad input (missing or malformed file,
    unknown method, a count that cannot be run as asked, a chart that cannot be written), with
    a one-line message on standard error and never a traceback.
    """
    out = out or Console()
    err = err or Console(stderr=True)
    try:
        if chart is not None and Path(chart).suffix.lower() not in (".svg", ".png"):
            # Refused before the count, which may take a while on a large file.
            raise CountError(
                f"cannot draw a chart as {Path(chart).name!r}: give a file name ending in "
                ".svg or .png."
            )
        label = f"Counting {Path(path).name} by {method_name(method)}…"
        result = _with_progress(
            lambda: count_file(path, method, seats=seats, seed=seed), label, err
        )
        if json:
            record = result_to_json(result)
            sys.stdout.flush()
            out.file.write(orjson.dumps(record, option=orjson.OPT_INDENT_2).decode() + "\n")
            out.file.flush()
        else:
            print_result(result, out)
        if chart is not None:
            from sovet.count.chart import draw_chart

            written = draw_chart(result, chart)
            if not json:
                out.print(f"Chart written to {os.fspath(written)}")
    except RuleError as e:
        err.print(f"[bold red]error:[/] {e.message}", highlight=False, soft_wrap=True)
        return 2
    return 0
