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
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import BinaryIO, NamedTuple, TextIO, cast

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from sovet.core.errors import RuleError
from sovet.count.profile import Profile
from sovet.count.sums import exact_sum_by, sum_by_key

__all__ = ["BltError", "aggregate", "read_blt", "write_blt"]

# Ballot lines are parsed in pieces of about this many bytes, so the temporary arrays stay
# small next to the ballot matrix however large the file. 32 KB keeps a piece's work arrays
# (about 20 bytes a byte) in a core's cache; measured fastest of 16 KB to 256 KB from
# 10,000 to 1,000,000 ballots (bench/count.py), the Python cost per piece included.
_CHUNK = 1 << 15

_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)

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
        fast = None
        span = (start - 1, start)
        if not self.nicks:
            for span in self.ends(start):
                fast = _parse_numeric(self.data, start, max(span[0], start), self.ncand)
                if fast is not None:
                    break
        if fast is None:
            # The line-by-line reader names the line and the fault; it also reads nicknames.
            span = self.end(start)
            region = self.data[start : max(span[0], start)]
            fast = (*self.read_ballots_by_line(region, start_line), region.count(b"\n"))
        rankings, weights, breaks = fast
        end_line = start_line + breaks + (2 if span[0] >= start else 1)
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

    def ends(self, start: int) -> Iterator[tuple[int, int]]:
        """Where the ballots may end, most likely first, for the NumPy reader to try.

        A ballot line starts with its weight, never 0, so the end is the first line that is
        "0" alone. The last such line in the file is found at once by searching backwards,
        and it is the end unless the names or the title are followed by another "0" line;
        then the region it closes holds the true end line, a lone 0 that the NumPy reader
        refuses, and the next guess, by a forward search, is tried.
        """
        data, lo = self.data, max(start - 1, 0)
        found = None
        at = data.rfind(b"\n0", lo)
        for _ in range(4):  # a few lines starting with 0 after the end, then give up
            if at < 0:
                break
            stop = data.find(b"\n", at + 2)
            stop = len(data) if stop < 0 else stop + 1
            if not data[at + 2 : stop].strip():
                found = (at, stop)
                yield found
                break
            at = data.rfind(b"\n0", lo, at)
        forward = self.quick_end(start)  # only if the guess above did not parse
        if forward is not None and forward != found:
            yield forward

    def quick_end(self, start: int) -> tuple[int, int] | None:
        """`end` by a plain byte search for a line starting '0', or None to let `end` look.

        An end line indented with blanks is left to `end` (and if this guess is wrong, the
        ballots will not parse and `end` decides).
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
            if int(w) >= 2**62:
                raise BltError(line, f"the weight {w} is more ballots than can be counted: "
                                     f"a weight must be below 2**62")
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
    data: bytes, begin: int, finish: int, ncand: int
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64], int] | None:
    """Parse the ballot lines `data[begin:finish]` with NumPy into aggregated rankings, or None.

    Returns the distinct rankings (sorted), their total weights, and the number of line
    breaks in the region. None lets the line-by-line reader explain: the region holds a
    character other than digits and blanks, a line that is not `weight prefs... 0`, a weight
    below 1, or a candidate number out of range.

    How it works, without a Python loop over lines or ballots:

    1. The bytes are cut into pieces of about `_CHUNK` bytes at line ends, so every temporary
       array stays small (and in cache) however large the file.
    2. In each piece (`_parse_block`), the ends of the runs of digits are found by one
       comparison of each byte with the next and one `flatnonzero`; each run's value is its
       last digit plus, for the few runs longer than one digit, the digits before it. A run
       of value 0 closes a ballot; the run after it is the next ballot's weight. That every
       line holds exactly one ballot is checked from the byte after each run (a line break
       must follow every closing 0 and no other run); files with CRLF, padding or blank
       lines take a slower vectorised check of the same rule.
    3. The preferences of all the piece's ballots are gathered at once into a matrix: row i
       is the window of `depth` runs after ballot i's weight, blanked past its preferences.
       Each row is packed into one integer key, `bits` bits per preference, the first
       preference most significant, so that sorting keys sorts rankings lexicographically;
       the packing is a matrix-vector product, and a second one tells whether any ranking
       repeats a candidate.
    4. The keys of all pieces are aggregated by one sort (`np.unique`, or argsort and
       `np.add.reduceat` when weights differ) and unpacked back into rows; only if some
       ranking repeats a candidate are the rows cut at the repeat (`_cut_repeats`), which
       may merge rows again.

    When a piece's rankings are too long for one key (more than `52 // bits` preferences:
    large C, or repeated candidates), that piece yields its matrix instead and everything
    goes through `aggregate`.
    """
    # Up to 15 candidates, nibbles (which unpack fastest); else as few bits as C needs.
    bits = 4 if ncand <= 15 else ncand.bit_length()
    slots = 52 // bits
    blocks: list[_Block] = []
    buf = np.frombuffer(data, dtype=np.uint8)
    start = begin
    while start < finish:
        end = min(start + _CHUNK, finish)
        if end < finish:
            nl = data.find(b"\n", end, finish)
            end = finish if nl < 0 else nl + 1
        block = _parse_block(buf[start:end], ncand, bits, slots)
        if block is None:
            return None
        blocks.append(block)
        start = end
    lines = sum(b.lines for b in blocks)
    if not blocks:
        rankings, weights = aggregate(np.full((0, 1), -1, np.int16), np.zeros(0, np.int64), ncand)
        return rankings, weights, lines
    depth = max(b.depth for b in blocks)
    weights = np.concatenate([b.weights for b in blocks])
    if any(b.keys is None for b in blocks):
        # Rankings too long for a key (they repeat someone, or C is large): rows, not keys.
        rows = np.full((weights.size, max(depth, 1)), -1, dtype=np.int16)
        at = 0
        for b in blocks:
            r = b.rows if b.rows is not None else _unpack(
                cast(npt.NDArray[np.uint64], b.keys), bits, slots, b.depth)
            rows[at : at + r.shape[0], : r.shape[1]] = r
            at += r.shape[0]
        rankings, weights = aggregate(rows, weights, ncand)
        return rankings, weights, lines
    keys = np.concatenate([cast(npt.NDArray[np.uint64], b.keys) for b in blocks])
    uniq, totals = sum_by_key(keys, weights)
    rankings = _unpack(uniq, bits, slots, depth)
    cut = _cut_repeats(rankings, ncand) if any(b.repeats for b in blocks) else rankings
    if cut is not rankings:
        rankings, totals = aggregate(cut, totals, ncand)
    return rankings, totals, lines


class _Block(NamedTuple):
    """One parsed piece: keys (or, when rankings are too long for keys, rows) and weights."""

    keys: npt.NDArray[np.uint64] | None
    rows: npt.NDArray[np.int16] | None
    weights: npt.NDArray[np.int64]
    depth: int  # the longest ranking in the piece
    lines: int  # line breaks in the piece
    repeats: bool  # whether a ranking may repeat a candidate


def _unpack(
    keys: npt.NDArray[np.uint64], bits: int, slots: int, depth: int
) -> npt.NDArray[np.int16]:
    """Rankings (0-based, -1 after the end) back from keys packed by `_parse_block`."""
    n = keys.size
    if depth == 0:
        return np.full((n, 1), -1, dtype=np.int16)
    if bits == 4:
        # Nibbles to bytes with two masks, then one reversed view: preference j is nibble
        # depth-1-j once the unused slots are shifted out.
        k = keys >> np.uint64(4 * (slots - depth))
        nibbles = np.empty((n, 16), dtype=np.uint8)
        nibbles[:, 0::2] = (k & _NIBBLES).view(np.uint8).reshape(n, 8)
        nibbles[:, 1::2] = ((k >> np.uint64(4)) & _NIBBLES).view(np.uint8).reshape(n, 8)
        out = nibbles[:, depth - 1 :: -1].astype(np.int16)
    else:
        shifts = (bits * np.arange(slots - 1, slots - 1 - depth, -1)).astype(np.uint64)
        out = ((keys[:, None] >> shifts) & np.uint64((1 << bits) - 1)).astype(np.int16)
    out -= 1
    return out


def _parse_block(
    b: npt.NDArray[np.uint8], ncand: int, bits: int, slots: int
) -> _Block | None:
    """One piece of whole ballot lines (steps 2 and 3 of `_parse_numeric`), or None."""
    n = b.size
    # Byte arrays with a margin in front, so that "the byte before" is a plain index.
    shifted = np.full(n + 2, 255, dtype=np.uint8)
    d = np.subtract(b, 48, out=shifted[2:])  # digits become 0..9, other bytes wrap above 9
    digit = d < 10
    newline = np.zeros(n + 1, dtype=bool)  # one more: "the byte after" the piece's end
    np.equal(b, 10, out=newline[:n])
    lines = int(np.count_nonzero(newline))
    if int(np.count_nonzero(digit)) + lines + int(np.count_nonzero(b == 32)) != n:
        blank = (b == 32) | newline[:n] | (b == 13) | (b == 9)
        if not np.all(digit | blank):
            return None
    # A run of digits ends where a digit is followed by a non-digit (or the piece's end).
    ends = np.empty(n + 1, dtype=bool)
    ends[0] = False
    ends[n] = digit[-1] if n else False
    np.greater(digit[:-1], digit[1:], out=ends[1:n])
    stops = np.flatnonzero(ends)  # one past each run's last digit
    ntok = stops.size
    if ntok == 0:
        return _Block(np.zeros(0, np.uint64), None, np.zeros(0, np.int64), 0, lines, False)
    # Values in float64, exact to 15 digits, so that the preferences go straight into the
    # matrix products below; `slots` zeros after them for the window in step 3.
    vals = np.zeros(ntok + slots, dtype=np.float64)
    vals[:ntok] = shifted[1:][stops]  # each run's last digit (`shifted[i + 2]` is `d[i]`)
    several = np.flatnonzero(shifted[stops] < 10)  # the few runs of several digits
    more, k = several, 1
    while more.size:
        if k >= 15:
            return None  # a number too long to hold exactly: the slow path names the line
        vals[more] += shifted[stops[more] + 1 - k] * 10.0**k
        k += 1
        more = more[shifted[stops[more] + 1 - k] < 10]
    if several.size and not vals[several].all():
        return None  # "00" is neither a weight, a candidate nor the closing 0
    zeros = np.flatnonzero(vals[:ntok] == 0)  # the closing 0s
    if zeros.size == 0 or zeros[-1] != ntok - 1:
        return None
    first = np.empty_like(zeros)
    first[0] = 0
    first[1:] = zeros[:-1] + 1
    nprefs = zeros - first - 1
    if int(nprefs.min()) < 0:
        return None  # a weight of 0, or a line that is only "0"
    if not _one_ballot_per_line(digit, newline, lines, stops, vals, zeros):
        return None
    weights = vals[first].astype(np.int64)
    depth = int(nprefs.max())
    if depth == 0:
        return _Block(np.zeros(first.size, np.uint64), None, weights, 0, lines, False)
    if depth > slots:
        # Rankings too long for a key (they repeat someone): rows, each read from its first
        # preference on and held at its closing 0 past its end.
        at = (first + 1)[:, None] + np.arange(depth)
        np.minimum(at, zeros[:, None], out=at)
        prefs = vals[at]
        if prefs.max() > ncand:
            return None
        rows = prefs.astype(np.int16)
        rows -= 1
        return _Block(None, rows, weights, depth, lines, True)
    # Row i is the window of `depth` tokens after its weight, blanked past its preferences.
    prefs = sliding_window_view(vals, depth)[first + 1]
    prefs *= _blank_after(depth)[nprefs]
    if prefs.max() > ncand:
        return None
    # Packing and the repeat test are two matrix-vector products (BLAS) in float64, exact
    # because every partial sum is an integer below 2**53.
    keys = (prefs @ 2.0 ** (bits * np.arange(slots - 1, slots - 1 - depth, -1))).astype(
        np.uint64)
    repeats = True  # unknown: `_cut_repeats` looks on the distinct rankings
    if ncand <= 40:
        # A row's sum of 2**c over its candidates c (each blank adds 2**0, taken off again)
        # has one bit per preference exactly when no candidate repeats (see `_cut_repeats`).
        sums = (np.exp2(prefs, out=prefs) @ np.ones(depth)).astype(np.uint64)
        sums -= (depth - nprefs).astype(np.uint64)
        repeats = not np.array_equal(np.bitwise_count(sums), nprefs)
    return _Block(keys, None, weights, depth, lines, repeats)


@cache
def _blank_after(depth: int) -> npt.NDArray[np.float64]:
    """Row k: k ones, then zeros (a ranking of k preferences in a window of `depth`)."""
    return (np.arange(depth) < np.arange(depth + 1)[:, None]).astype(np.float64)


def _one_ballot_per_line(
    digit: npt.NDArray[np.bool_],
    newline: npt.NDArray[np.bool_],
    lines: int,
    stops: npt.NDArray[np.intp],
    vals: npt.NDArray[np.float64],
    zeros: npt.NDArray[np.intp],
) -> bool:
    """Whether a line break follows every closing 0 but the piece's last, and no other run.

    `newline` has one more entry than the piece (False), for the run that ends the piece.
    """
    after = newline[stops]  # whether the byte right after each run is a line break
    closing = after[zeros]
    if int(np.count_nonzero(after)) == lines and closing[:-1].all():
        # Every line break sits right after a run (none is left over for a blank line, a
        # padded end or a CRLF), a break follows every closing 0 but the piece's last, and
        # no other run: then each line holds exactly one ballot.
        return int(np.count_nonzero(closing)) == lines
    # Padding, CRLF or blank lines: for each line break, the run before it.
    begins = np.empty(digit.size, dtype=bool)
    begins[0] = digit[0]
    np.greater(digit[1:], digit[:-1], out=begins[1:])
    before = np.searchsorted(np.flatnonzero(begins), np.flatnonzero(newline)) - 1
    before = before[before >= 0]
    if before.size and vals[before].any():
        return False  # a line break inside a ballot
    inner = before[before < stops.size - 1]  # not the piece's last run
    distinct = int(inner.size > 0) + int(np.count_nonzero(inner[1:] != inner[:-1]))
    return distinct == zeros.size - 1


def _cut_repeats(rankings: npt.NDArray[np.int16], ncand: int) -> npt.NDArray[np.int16]:
    """End each ranking just before its first repeated candidate (`rankings` if none does).

    The rows that repeat someone are found without sorting: with C <= 63 each candidate is
    one bit of a word, and a row's sum of its candidates' bits has as many bits set as the
    row has preferences exactly when no candidate repeats (adding a bit already set carries,
    which loses at least one set bit, even if the sum wraps).
    """
    n, depth = rankings.shape
    if depth < 2 or n == 0:
        return rankings
    if ncand > 63:
        s = np.sort(rankings, axis=1)
        bad = np.flatnonzero(((s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)).any(axis=1))
    else:
        nprefs = np.count_nonzero(rankings >= 0, axis=1)
        if ncand <= 15 and depth <= 16:
            # 16 lanes of 32 bits (candidate bits 0..14): two lanes to a 64-bit word, added
            # in halves; no lane can overflow, so the two lanes' sum is the row's sum.
            word = np.zeros((n, 16), dtype=np.uint32)
            word[:, :depth] = (np.uint32(1) << (rankings + 1).astype(np.uint32)) >> np.uint32(1)
            pairs = word.view(np.uint64)
            pairs = pairs[:, :4] + pairs[:, 4:]
            pairs = pairs[:, :2] + pairs[:, 2:]
            both = pairs[:, 0] + pairs[:, 1]
            total = (both & np.uint64(0xFFFFFFFF)) + (both >> np.uint64(32))
        else:
            bit = (np.uint64(1) << (rankings + 1).astype(np.uint64)) >> np.uint64(1)
            total = bit.sum(axis=1, dtype=np.uint64)
        bad = np.flatnonzero(np.bitwise_count(total) != nprefs)
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
        total = exact_sum_by(inverse.reshape(-1), weights, distinct.shape[0])
        distinct = np.ascontiguousarray(distinct, dtype=np.int16)
    # Repeats are looked for on the distinct rankings only; cutting them may merge rows.
    cut = _cut_repeats(distinct, ncand)
    if cut is not distinct:
        return aggregate(cut, total, ncand)
    return distinct, total


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
