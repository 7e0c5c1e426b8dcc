"""Read and write BLT, the exchange format for ranked ballots, as councils publish it.

A BLT file is::

    C S                      candidates and seats
    -2 -6                    optional: withdrawn candidates (or `[withdrawn b f]`)
    [nick a b c ...]         optional extensions: nicknames, `[withdrawn ...]`, `[tie ...]`
    W c1 c2 ... 0            one line per ranking: its weight (how many ballots), the
    ...                      candidates in order of preference (1-based), and a closing 0
    0                        the end of the ballots
    "Name 1"                 C names, one per line, quoted or not, kept exactly (repeated and
    ...                      trailing spaces included)
    "Title"                  the election's title; any text after it is ignored

What the reader accepts beyond the bare format, because real files use it: lines padded with
spaces to a fixed width and CRLF endings (City of Edinburgh), unquoted names and title
(scot-elex), several quoted names on one line, free text after the title (ERBS M135), and the
`[nick]`, `[withdrawn]` and `[tie]` extensions. A ballot line that ranks candidates equally
(`a=b`) is refused: Sovet counts strict rankings only. A repeated candidate ends the ranking
just before the repeat (the later preferences are ignored, as a returning officer ignores the
preferences after one that is not clear). A skipped preference (`-`) is refused.

Reading does not build a Python object per ballot: the ballot lines are parsed by NumPy over the
file's bytes, and identical rankings are aggregated into one row of the `Profile`.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import BinaryIO, TextIO, cast

import numpy as np
import numpy.typing as npt

from sovet.core.errors import RuleError
from sovet.count.profile import Profile

__all__ = ["BltError", "aggregate", "read_blt", "write_blt"]

# Ballot lines are parsed in pieces of about this many bytes, so the temporary arrays stay
# small next to the ballot matrix however large the file.
_CHUNK = 1 << 18

_END_LINE = re.compile(rb"\n[ \t]*0[ \t]*\r?(?:\n|$)")
_QUOTED = re.compile(r'"([^"]*)"')


class BltError(RuleError):
    """A BLT file that cannot be read: `line` (1-based; 0 if unreadable) and what is wrong."""

    code = "bad_blt"

    def __init__(self, line: int, message: str) -> None:
        # Line 0 is the file as a whole (it could not be opened).
        super().__init__(f"line {line}: {message}" if line else message, line=line)
        self.line = line
        self.reason = message


def read_blt(source: str | os.PathLike[str] | bytes | BinaryIO) -> Profile:
    """Read a BLT file (a path, its bytes, or a binary file) into an aggregated `Profile`.

    Identical rankings are merged into one row whose weight is their total; candidates are
    0-based in the profile (1-based in the file). Raises `BltError(line, message)` naming the
    line and what is wrong there for a file that is not BLT, that ranks candidates equally, or
    whose ballots name a candidate that does not exist.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise BltError(0, f"cannot read {os.fspath(source)!r}: {e.strerror}") from None
    else:
        data = source.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return _Reader(data).read()


class _Reader:
    """One pass over one file: header and extensions, ballots, names and title."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0  # byte offset of the next unread line
        self.line = 0  # number of the last line read
        self.ncand = 0
        self.seats = 0
        self.withdrawn: set[int] = set()
        self.tie_order: tuple[int, ...] = ()
        self.nicks: dict[str, int] = {}

    def next_line(self) -> str | None:
        if self.pos >= len(self.data):
            return None
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            end = len(self.data)
        raw = self.data[self.pos : end]
        self.pos = end + 1
        self.line += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def read(self) -> Profile:
        self.read_header()
        start, start_line = self.pos, self.line
        span = self.quick_end(start) or self.end(start)
        fast = None
        if not self.nicks:
            fast = _parse_numeric(memoryview(self.data)[start : max(span[0], start)], self.ncand)
        if fast is None:
            # The line-by-line reader names the line and the fault; it also reads nicknames.
            span = self.end(start)
            region = self.data[start : max(span[0], start)]
            fast = self.read_ballots_by_line(region, start_line)
        rankings, weights = fast
        end_line = start_line + self.data.count(b"\n", start, span[0] + 1) + 1
        self.pos = span[1]
        self.line = end_line
        names, title = self.read_names()
        tie_order = self.tie_order
        return Profile(
            candidates=tuple(names),
            rankings=rankings,
            weights=weights,
            seats=self.seats,
            withdrawn=frozenset(self.withdrawn),
            title=title,
            tie_order=tie_order,
        )

    # -- header ---------------------------------------------------------------------------

    def read_header(self) -> None:
        text = self.next_line()
        while text is not None and not text.strip():
            text = self.next_line()
        if text is None:
            raise BltError(1, "the file is empty: a BLT file starts with a line 'C S' "
                              "(the numbers of candidates and of seats)")
        parts = text.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise BltError(self.line, f"expected 'C S' (the numbers of candidates and of seats), "
                                      f"found {text.strip()[:60]!r}")
        self.ncand, self.seats = int(parts[0]), int(parts[1])
        if self.ncand < 1:
            raise BltError(self.line, "the election must have at least one candidate")
        if self.seats < 1:
            raise BltError(self.line, "the election must fill at least one seat")
        # Withdrawal lines and [extensions] come before the first ballot line.
        while True:
            save_pos, save_line = self.pos, self.line
            text = self.next_line()
            if text is None:
                return
            s = text.strip()
            if not s:
                continue
            if s.startswith("-"):
                for tok in s.split():
                    self.withdrawn.add(self.candidate(tok.lstrip("-"), what="withdrawn"))
            elif s.startswith("["):
                self.read_option(s)
            else:
                self.pos, self.line = save_pos, save_line
                return

    def read_option(self, s: str) -> None:
        if not s.endswith("]"):
            raise BltError(self.line, f"an option must end with ']' on the same line: {s[:60]!r}")
        words = s[1:-1].split()
        if not words:
            raise BltError(self.line, "an empty option '[]'")
        kind, args = words[0], words[1:]
        if kind == "nick":
            if len(args) != self.ncand:
                raise BltError(self.line, f"[nick] gives {len(args)} nicknames for "
                                          f"{self.ncand} candidates")
            if len(set(args)) != len(args):
                raise BltError(self.line, "[nick] gives the same nickname twice")
            self.nicks = {a: i for i, a in enumerate(args)}
        elif kind == "withdrawn":
            self.withdrawn.update(self.candidate(a, what="withdrawn") for a in args)
        elif kind == "tie":
            order = tuple(self.candidate(a, what="tie order") for a in args)
            if sorted(order) != list(range(self.ncand)):
                raise BltError(self.line, "[tie] must list every candidate exactly once")
            self.tie_order = order
        else:
            raise BltError(self.line, f"unknown option [{kind}]: Sovet reads [nick], "
                                      f"[withdrawn] and [tie]")

    def candidate(self, tok: str, *, what: str) -> int:
        """The 0-based index of a candidate named by number or nickname."""
        if tok in self.nicks:
            return self.nicks[tok]
        if tok.isdigit() and 1 <= int(tok) <= self.ncand:
            return int(tok) - 1
        raise BltError(self.line, f"{what}: {tok!r} is not a candidate (candidates are 1 to "
                                  f"{self.ncand}{' or their nicknames' if self.nicks else ''})")

    # -- ballots --------------------------------------------------------------------------

    def end(self, start: int) -> tuple[int, int]:
        """Where the ballots end: the line break before the first line '0', and past it."""
        # The pattern includes the line break before the "0" line, so search from the one
        # that ends the previous line (every ballot line ends with 0, never is only "0").
        m = _END_LINE.search(self.data, max(start - 1, 0))
        if m is None:
            lines = self.data.count(b"\n", start) + (not self.data.endswith(b"\n"))
            raise BltError(
                self.line + lines + 1,
                "no end of the ballots: the ballot lines must be followed by a line '0'",
            )
        return m.start(), m.end()

    def quick_end(self, start: int) -> tuple[int, int] | None:
        """`end` by a plain byte search for a line starting '0', or None to let `end` look.

        A ballot line starts with its weight, never 0, so the first line starting with '0'
        and nothing else is the end; an end line indented with blanks is left to `end` (and
        if this guess is wrong, the ballots will not parse and `end` decides).
        """
        at = self.data.find(b"\n0", max(start - 1, 0))
        while at >= 0:
            stop = self.data.find(b"\n", at + 2)
            stop = len(self.data) if stop < 0 else stop + 1
            if not self.data[at + 2 : stop].strip():
                return at, stop
            at = self.data.find(b"\n0", at + 2)
        return None

    def read_ballots_by_line(
        self, region: bytes, first_line: int
    ) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
        rows: list[list[int]] = []
        weights: list[int] = []
        for offset, raw in enumerate(region.split(b"\n")):
            line = first_line + offset + 1
            self.line = line
            toks = raw.decode("utf-8", "replace").split()
            if not toks:
                continue
            w = toks[0]
            if not w.isdigit() or int(w) < 1:
                raise BltError(line, f"a ballot line starts with its weight, a positive whole "
                                     f"number, not {w!r}")
            if toks[-1] != "0":
                raise BltError(line, "a ballot line must end with 0")
            ranking: list[int] = []
            seen: set[int] = set()
            ended = False
            for tok in toks[1:-1]:
                if "=" in tok:
                    raise BltError(line, f"{tok!r} ranks candidates equally; Sovet counts strict "
                                         f"rankings only: give each candidate its own rank")
                if tok == "-":
                    raise BltError(line, "'-' (a skipped preference) is not counted: remove it "
                                         "so the later preferences move up, or end the ranking")
                if tok == "0":
                    raise BltError(line, "0 closes a ballot line and may appear only at its end")
                c = self.candidate(tok, what="ballot")
                if c in seen:
                    ended = True  # a repeated candidate ends the ranking (module docstring)
                if not ended:
                    seen.add(c)
                    ranking.append(c)
            rows.append(ranking)
            weights.append(int(w))
        depth = max((len(r) for r in rows), default=0)
        matrix = np.full((len(rows), max(depth, 1)), -1, dtype=np.int16)
        for i, r in enumerate(rows):
            matrix[i, : len(r)] = r
        return aggregate(matrix, np.asarray(weights, dtype=np.int64), self.ncand)

    # -- names and title ------------------------------------------------------------------

    def read_names(self) -> tuple[list[str], str]:
        # One name per line, then the title, is what every published file does; a file that
        # puts several quoted names on one line is read by its quoted strings instead.
        lines: list[tuple[int, str]] = []
        while True:
            text = self.next_line()
            if text is None:
                break
            s = text.rstrip("\r\n")
            if s.strip():
                lines.append((self.line, s))
        if len(lines) >= self.ncand:
            items = [_name(s) for _, s in lines[: self.ncand + 1]]
        else:
            items = []
            for number, s in lines:
                found = _QUOTED.findall(s)
                if not found:
                    raise BltError(number, f"expected a quoted name, found {s.strip()[:60]!r}")
                items.extend(found)
        if len(items) < self.ncand:
            raise BltError(self.line + 1, f"the file names {len(items)} of its {self.ncand} "
                                          f"candidates: each needs a name after the '0' line")
        title = items[self.ncand] if len(items) > self.ncand else ""
        return items[: self.ncand], title


def _name(line: str) -> str:
    """A name or title line: one quoted string (inner quotes doubled), or the text as written."""
    s = line.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        inner = s[1:-1]
        if inner.replace('""', "").count('"') == 0:
            return inner.replace('""', '"')
        return s
    return s


def _parse_numeric(
    region: memoryview, ncand: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]] | None:
    """Parse plain numeric ballot lines with NumPy into aggregated rankings, or return None.

    None lets the slow path explain, line by line: the region holds a character other than
    digits and blanks, a line that is not `weight prefs... 0`, a weight below 1, or a
    candidate number out of range. The bytes are read in pieces; each ranking is kept as one
    integer key (its candidates as digits in base C+1) when that fits in 63 bits, so memory
    stays near the number of ballots times 8 bytes, and the keys are aggregated at the end.
    """
    keyed = ncand * np.log2(ncand + 1) < 62
    pieces: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    matrices: list[tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]] = []
    n = len(region)
    start = 0
    buf = np.frombuffer(region, dtype=np.uint8)
    while start < n:
        end = min(start + _CHUNK, n)
        if end < n:
            nl = bytes(region[end : min(end + 65536, n)]).find(b"\n")
            while nl < 0 and end < n:
                end = min(end + 65536, n)
                nl = bytes(region[end : min(end + 65536, n)]).find(b"\n")
            end = n if nl < 0 else end + nl + 1
        block = _parse_block(buf[start:end], ncand, keyed)
        if block is None:
            return None
        if block[0].dtype == np.int64:
            pieces.append((block[0].astype(np.int64), block[1]))
        else:
            matrices.append((block[0].astype(np.int16), block[1]))
        start = end
    if matrices or not keyed:
        # Rankings too long for a key (they repeat someone, or C is large): rows, not keys.
        rows = [*matrices, *(_decode(k, w, ncand) for k, w in pieces)]
        if not rows:
            return aggregate(np.full((0, 1), -1, dtype=np.int16), np.zeros(0, np.int64), ncand)
        depth = max(r.shape[1] for r, _ in rows)
        rankings = np.full((sum(r.shape[0] for r, _ in rows), depth), -1, dtype=np.int16)
        at = 0
        for r, _ in rows:
            rankings[at : at + r.shape[0], : r.shape[1]] = r
            at += r.shape[0]
        return aggregate(rankings, np.concatenate([w for _, w in rows]), ncand)
    if not pieces:
        return aggregate(np.full((0, 1), -1, dtype=np.int16), np.zeros(0, np.int64), ncand)
    keys = np.concatenate([k for k, _ in pieces])
    weights = np.concatenate([w for _, w in pieces])
    uniq, totals = _sum_by_key(keys, weights)
    rankings, totals = _decode(uniq, totals, ncand)
    cut = _truncate_repeats(rankings, ncand)
    if cut is not rankings:
        return aggregate(cut, totals, ncand)
    return rankings, totals


def _sum_by_key(
    keys: npt.NDArray[np.int64], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct keys, sorted, and the total weight of each."""
    if np.all(weights == 1):
        uniq, counts = np.unique(keys, return_counts=True)
        return uniq, counts.astype(np.int64)
    order = np.argsort(keys)
    ks = keys[order]
    at = np.nonzero(np.concatenate(([True], ks[1:] != ks[:-1])))[0]
    return ks[at], np.add.reduceat(weights[order], at)


def _decode(
    keys: npt.NDArray[np.int64], weights: npt.NDArray[np.int64], ncand: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """Rankings back from keys of `ncand` base-(C+1) digits, first preference highest."""
    base = ncand + 1
    out = np.empty((keys.size, ncand), dtype=np.int16)
    rest = keys.copy()
    for j in range(ncand - 1, -1, -1):
        out[:, j] = rest % base - 1
        rest //= base
    used = int((out >= 0).sum(axis=1).max()) if keys.size else 0
    return np.ascontiguousarray(out[:, : max(used, 1)]), weights


def _parse_block(
    b: npt.NDArray[np.uint8], ncand: int, keyed: bool
) -> tuple[npt.NDArray[np.int64] | npt.NDArray[np.int16], npt.NDArray[np.int64]] | None:
    """One piece of whole lines: (keys, weights) when `keyed` allows, else (rankings, weights)."""
    d = b - np.uint8(48)  # digits become 0..9, everything else wraps above 9
    digit = d < 10
    blank = (b == 32) | (b == 10) | (b == 13) | (b == 9)
    if not np.all(digit | blank):
        return None
    isdig = np.zeros(b.size + 2, dtype=np.int8)  # padded with a non-digit at each end
    isdig[1:-1] = digit
    begins = (isdig[1:-1] - isdig[:-2]) == 1
    starts = np.nonzero(begins)[0]
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    vals = d[starts].astype(np.int64)
    # Tokens longer than one digit are few (weights, candidates above 9): extend them.
    k = 1
    longer = np.nonzero(begins & (isdig[2:] != 0))[0]
    idx = np.searchsorted(starts, longer)
    while idx.size:
        if k >= 15:
            return None
        vals[idx] = vals[idx] * 10 + d[starts[idx] + k]
        k += 1
        idx = idx[isdig[starts[idx] + k + 1] != 0]
    zeros = np.nonzero(vals == 0)[0]
    if zeros.size == 0 or zeros[-1] != vals.size - 1:
        return None
    first = np.empty_like(zeros)
    first[0] = 0
    first[1:] = zeros[:-1] + 1
    # A ballot's weight is its first token; a zero there would be an end line or a bad weight.
    if np.any(first == zeros):
        return None
    # Every ballot is exactly one line: no line break inside a ballot, one between ballots.
    newlines = np.nonzero(b == 10)[0]
    line_first = np.searchsorted(newlines, starts[first])
    line_zero = np.searchsorted(newlines, starts[zeros])
    if np.any(line_first != line_zero) or np.any(line_first[1:] == line_zero[:-1]):
        return None
    weights = vals[first]
    vals[first] = 0  # from here on only preferences (and the closing zeros) are non-zero
    if vals.max() > ncand:
        return None
    nprefs = zeros - first - 1
    pos = np.arange(vals.size) - np.repeat(first, nprefs + 2)  # 0 the weight, 1.. the prefs
    if keyed and int(nprefs.max()) <= ncand:
        # key = sum of candidate x base**(C - position): first preference most significant.
        power = (ncand + 1) ** np.arange(ncand, -1, -1, dtype=np.uint64)
        contrib = vals.astype(np.uint64) * power[np.minimum(pos, ncand)]
        # Sums wrap modulo 2**64 in the running total, but each difference is a key < 2**63.
        total = np.cumsum(contrib, dtype=np.uint64)
        keys = (total[zeros] - total[first]).view(np.int64)
        return keys, weights
    depth = int(nprefs.max())
    rankings = np.full((first.size, max(depth, 1)), -1, dtype=np.int16)
    is_pref = (pos > 0) & (vals > 0)
    ballot = np.repeat(np.arange(first.size), nprefs + 2)
    rankings[ballot[is_pref], pos[is_pref] - 1] = (vals[is_pref] - 1).astype(np.int16)
    return rankings, weights


def _truncate_repeats(rankings: npt.NDArray[np.int16], ncand: int) -> npt.NDArray[np.int16]:
    """End each ranking just before its first repeated candidate."""
    n, depth = rankings.shape
    if depth < 2 or n == 0:
        return rankings
    s = np.sort(rankings, axis=1)
    bad = np.nonzero(((s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)).any(axis=1))[0]
    if bad.size == 0:
        return rankings
    out = rankings.copy()
    for i in bad.tolist():  # only the rankings that repeat someone
        seen: set[int] = set()
        for j, c in enumerate(out[i].tolist()):
            if c in seen:
                out[i, j:] = -1
                break
            seen.add(c)
    return out


def aggregate(
    rankings: npt.NDArray[np.int16], weights: npt.NDArray[np.int64], ncand: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """Merge identical rankings into one row, summing their weights; end rankings at repeats.

    Rows come out sorted by ranking, so the profile does not depend on the order of the
    ballots in the file. A ranking that repeats a candidate is cut just before the repeat.
    """
    n = rankings.shape[0]
    weights = weights.astype(np.int64)
    if n == 0:
        return rankings, weights
    # Trim columns nobody uses, then key each row by one integer when it fits in 63 bits.
    used = int((rankings >= 0).sum(axis=1).max())
    rankings = rankings[:, : max(used, 1)]
    depth = rankings.shape[1]
    base = ncand + 1
    if depth * np.log2(base) < 62:
        key = np.zeros(n, dtype=np.int64)
        for j in range(depth):
            key *= base
            key += rankings[:, j].astype(np.int64) + 1
        if np.all(weights == 1):
            uniq, total = np.unique(key, return_counts=True)
            total = total.astype(np.int64)
        else:
            order = np.argsort(key)
            ks = key[order]
            at = np.nonzero(np.concatenate(([True], ks[1:] != ks[:-1])))[0]
            uniq = ks[at]
            total = np.add.reduceat(weights[order], at)
        distinct = np.empty((uniq.size, depth), dtype=np.int16)
        rest = uniq.copy()
        for j in range(depth - 1, -1, -1):
            distinct[:, j] = rest % base - 1
            rest //= base
    else:
        distinct, inverse = np.unique(rankings, axis=0, return_inverse=True)
        total = _exact_sum_by(inverse.reshape(-1), weights, distinct.shape[0])
        distinct = np.ascontiguousarray(distinct, dtype=np.int16)
    # Repeats are looked for on the distinct rankings only; cutting them may merge rows.
    cut = _truncate_repeats(distinct, ncand)
    if cut is not distinct:
        return aggregate(cut, total, ncand)
    return distinct, total


def _exact_sum_by(
    groups: npt.NDArray[np.intp], values: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """Sum int64 `values` by group, exactly (bincount alone adds in float64)."""
    lo = values & 0xFFFFFF
    hi = values >> 24
    s_lo = np.bincount(groups, weights=lo, minlength=n).astype(np.int64)
    s_hi = np.bincount(groups, weights=hi, minlength=n).astype(np.int64)
    return s_hi * (1 << 24) + s_lo


def write_blt(profile: Profile, file: str | os.PathLike[str] | TextIO | BinaryIO) -> None:
    """Write `profile` as BLT the way councils publish it: one line per distinct ranking.

    Identical rankings share one line with their count; withdrawn candidates go on a `-k`
    line; names and title are quoted. `read_blt` reads the file back to the same profile.
    Refuses (ValueError) a name or title containing a double quote, which BLT cannot carry.
    """
    for text in (*profile.candidates, profile.title):
        if '"' in text or "\n" in text:
            raise ValueError(f"BLT cannot carry the name or title {text!r}: it contains a "
                             f"double quote or a line break")
    rankings, weights = aggregate(profile.rankings, profile.weights, len(profile.candidates))
    out = io.StringIO()
    out.write(f"{len(profile.candidates)} {profile.seats}\n")
    if profile.withdrawn:
        out.write(" ".join(f"-{c + 1}" for c in sorted(profile.withdrawn)) + "\n")
    if profile.tie_order:
        out.write("[tie " + " ".join(str(c + 1) for c in profile.tie_order) + "]\n")
    out.write(_ballot_lines(rankings, weights))
    out.write("0\n")
    for name in profile.candidates:
        out.write(f'"{name}"\n')
    out.write(f'"{profile.title}"\n')
    text = out.getvalue()
    if isinstance(file, str | os.PathLike):
        Path(file).write_text(text, encoding="utf-8")
    elif isinstance(file, io.TextIOBase):
        file.write(text)
    else:
        cast(BinaryIO, file).write(text.encode("utf-8"))


def _ballot_lines(rankings: npt.NDArray[np.int16], weights: npt.NDArray[np.int64]) -> str:
    """The ballot lines, built column by column (no Python loop over ballots' preferences)."""
    if rankings.shape[0] == 0:
        return ""
    parts = weights.astype(str)
    for j in range(rankings.shape[1]):
        c = rankings[:, j]
        token = np.where(c >= 0, np.char.add(" ", (c.astype(np.int64) + 1).astype(str)), "")
        parts = np.char.add(parts, token)
    return "\n".join(np.char.add(parts, " 0").tolist()) + "\n"
