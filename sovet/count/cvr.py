"""Read and write a cast-vote record (CVR) as CSV: one ranking per row, candidates by name.

The layout (UTF-8, comma-separated, a header row)::

    weight,rank1,rank2,rank3
    1,Ana,Bo,
    3,Cy,,
    2,Bo,Ana,Cy

- `rank1` ... `rankN` hold candidate names, first preference first. An empty cell is no
  preference: the later ones move up (a voter who left rank 2 blank and marked rank 3 has
  that candidate as their second preference).
- `weight`, optional and in any position, is how many ballots the row stands for (a positive
  whole number; 1 when the column is absent). Other columns are refused, so a misspelt
  header is not silently ignored.
- A candidate repeated on a row ends the ranking just before the repeat, as in BLT.
- Candidates are those given to `read_cvr`, or else every name the file uses, sorted.
- Names are kept exactly as written, spaces included.

`write_cvr` writes one row per distinct ranking, with its weight.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from sovet.core.errors import RuleError
from sovet.count.blt import aggregate
from sovet.count.profile import Profile

__all__ = ["CvrError", "read_cvr", "write_cvr"]


class CvrError(RuleError):
    """A CSV cast-vote record that cannot be read: `line` (1-based; 0 if unreadable), and why."""

    code = "bad_cvr"

    def __init__(self, line: int, message: str) -> None:
        # Line 0 is the file as a whole (it could not be opened).
        super().__init__(f"line {line}: {message}" if line else message, line=line)
        self.line = line
        self.reason = message


def read_cvr(
    source: str | os.PathLike[str] | TextIO,
    *,
    seats: int = 1,
    candidates: Sequence[str] | None = None,
    title: str = "",
) -> Profile:
    """Read a CSV cast-vote record (a path or an open text file) into an aggregated `Profile`.

    `candidates` fixes the candidates and their order (a name outside it is refused); without
    it the candidates are the names the file uses, sorted. Raises `CvrError(line, message)`
    for a missing or unknown header, a bad weight or an unknown candidate.
    """
    if isinstance(source, str | os.PathLike):
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as e:
            raise CvrError(0, f"cannot read {os.fspath(source)!r}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise CvrError(0, "the file is not UTF-8 text") from None
        handle: TextIO = io.StringIO(text)
    else:
        handle = source
    rows = csv.reader(handle)
    header = next(rows, None)
    if header is None or not any(h.strip() for h in header):
        raise CvrError(1, "the file is empty: the first row must be a header such as "
                          "'weight,rank1,rank2'")
    weight_col: int | None = None
    rank_cols: list[tuple[int, int]] = []  # (rank number, column)
    for col, name in enumerate(header):
        h = name.strip().lower()
        if h == "weight":
            weight_col = col
        elif h.startswith("rank") and h[4:].isdigit() and int(h[4:]) >= 1:
            rank_cols.append((int(h[4:]), col))
        else:
            raise CvrError(1, f"unknown column {name!r}: the columns are rank1, rank2, ... "
                              f"and an optional weight")
    if not rank_cols:
        raise CvrError(1, "the header has no rank columns (rank1, rank2, ...)")
    numbers = sorted(n for n, _ in rank_cols)
    if numbers != list(range(1, len(numbers) + 1)):
        raise CvrError(1, "the rank columns must be rank1, rank2, ... with none missing "
                          "or repeated")
    order = [col for _, col in sorted(rank_cols)]
    known = set(candidates) if candidates is not None else None
    names: list[list[str]] = []
    weights: list[int] = []
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise CvrError(line, f"the row has {len(row)} cells but the header {len(header)}")
        w = 1
        if weight_col is not None:
            cell = row[weight_col].strip() if weight_col < len(row) else ""
            if not cell.isdigit() or int(cell) < 1:
                raise CvrError(line, f"the weight must be a positive whole number, not {cell!r}")
            w = int(cell)
        # Names are kept exactly as written (spaces included); a blank cell is no preference.
        ranking = [row[c] for c in order if c < len(row) and row[c].strip()]
        for n in ranking:
            if known is not None and n not in known:
                raise CvrError(line, f"{n!r} is not a candidate of this election")
        names.append(ranking)
        weights.append(w)
    chosen = list(candidates) if candidates is not None else sorted({n for r in names for n in r})
    index = {n: i for i, n in enumerate(chosen)}
    depth = max((len(r) for r in names), default=0)
    matrix = np.full((len(names), max(depth, 1)), -1, dtype=np.int16)
    for i, r in enumerate(names):
        matrix[i, : len(r)] = [index[n] for n in r]
    rankings, totals = aggregate(matrix, np.asarray(weights, dtype=np.int64), len(chosen))
    return Profile(candidates=tuple(chosen), rankings=rankings, weights=totals, seats=seats,
                   title=title)


def write_cvr(profile: Profile, file: str | os.PathLike[str] | TextIO) -> None:
    """Write `profile` as a CSV cast-vote record: a header, then one row per distinct ranking.

    `read_cvr(..., candidates=profile.candidates)` reads it back to the same profile.
    """
    rankings, weights = aggregate(profile.rankings, profile.weights, len(profile.candidates))
    depth = int((rankings >= 0).sum(axis=1).max()) if rankings.shape[0] else 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["weight", *(f"rank{j + 1}" for j in range(max(depth, 1)))])
    for w, row in zip(weights.tolist(), rankings.tolist(), strict=True):
        cells = [profile.candidates[c] for c in row if c >= 0]
        writer.writerow([w, *cells, *([""] * (max(depth, 1) - len(cells)))])
    if isinstance(file, str | os.PathLike):
        Path(file).write_text(out.getvalue(), encoding="utf-8")
    else:
        file.write(out.getvalue())
