"""The council's book: the canonical encoding of acts, the hash chain, the Merkle root, verify.

The format is specified in docs/book.md; this module is its reference implementation.
"""

from __future__ import annotations

import hashlib
import os
from binascii import hexlify
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from operator import indexOf
from typing import Any, BinaryIO, NamedTuple, Protocol

import orjson

from sovet.core.acts import Act, from_record, to_record
from sovet.core.errors import InvalidAct, RuleError

GENESIS = "0" * 64
"""The `prev` of the first act: 64 zeros, standing for no act before it."""

PREFIX = b'{"act":'
"""How every book line starts; the act's body follows it."""

_HASH_KEY = b',"hash":"'
_PREV_KEY = b'","prev":"'
_END = b'"}\n'
# Every line ends with a tail of fixed length: ,"hash":"<64 hex>","prev":"<64 hex>"} and LF.
_TAIL = len(_HASH_KEY) + 64 + len(_PREV_KEY) + 64 + len(_END)
_MIN_LINE = len(PREFIX) + len(b"{}") + _TAIL
_BATCH = 16384  # lines per batch of the verify loop
_READ_HINT = 1 << 22  # bytes read per batch from a book file

_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1


class BrokenBook(RuleError):
    """A book, or a line of one, that is not what the book's format says it must be."""

    code = "broken_book"


def _check_plain(value: Any, where: str) -> None:
    """Refuse anything canonical JSON cannot hold: floats, non-str keys, unknown types."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise InvalidAct(
                f"{where} holds the integer {value}, outside the book's range "
                f"-2**63 .. 2**64-1; write it as text"
            )
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidAct(f"{where} has the key {key!r}; keys in the book are text")
            _check_plain(item, f"{where}.{key}")
        return
    if isinstance(value, float):
        raise InvalidAct(
            f"{where} holds the float {value!r}; the book holds no floats "
            f"(they have no single canonical text): use an integer or text"
        )
    raise InvalidAct(f"{where} holds a {type(value).__name__}, which the book cannot encode")


def canonical(obj: Any) -> bytes:
    """Encode a JSON-ready value canonically: sorted keys, no spaces, UTF-8, no floats.

    Values may be dicts with text keys, lists or tuples, text, integers in -2**63 .. 2**64-1,
    booleans and None. Raises `InvalidAct` for anything else (floats first of all), and for
    text that is not valid Unicode (a lone surrogate).
    """
    _check_plain(obj, "the value")
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as e:
        raise InvalidAct(f"the value cannot be written canonically: {e}") from e


def merkle_root(leaves: Sequence[bytes]) -> str:
    """Return the Merkle root (hex) of a list of leaves, as RFC 6962 defines it.

    Leaf hash = SHA-256(0x00 || leaf); node = SHA-256(0x01 || left || right); at each level a
    last node without a partner is carried up unchanged; no leaves = SHA-256 of nothing. The
    sealed ballot list of a secret ballot is committed to the book by this root.
    """
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    sha256 = hashlib.sha256
    level = [sha256(b"\x00" + bytes(leaf)).digest() for leaf in leaves]
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def body(act: Act, seq: int) -> bytes:
    """Return the act's body B: the canonical JSON of its record plus `"seq": seq`."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidAct(f"an act's seq is its place in the book, 1, 2, …, not {seq!r}")
    record = to_record(act)
    record["seq"] = seq
    return canonical(record)


def link(prev: str, body_bytes: bytes) -> str:
    """Return an act's hash: SHA-256 of the previous hash's 32 raw bytes then its body, as hex."""
    return hashlib.sha256(bytes.fromhex(prev) + body_bytes).hexdigest()


class Entry(NamedTuple):
    """One act in its place in the book: its seq, the act, its predecessor's hash and its own."""

    seq: int
    act: Act
    prev: str
    hash: str


class Head(Protocol):
    """Where a book ends: its last act's seq and hash (an `Entry` is one)."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...


def chain(acts: Iterable[Act], *, after: Head | None = None,
          bodies: list[bytes] | None = None) -> list[Entry]:
    """Chain acts into book entries, starting a new book or continuing after `after`.

    The first entry's seq is 1 and its prev is `GENESIS` when `after` is None; otherwise they
    follow `after` (the last entry, or any head: only its seq and hash are used). `bodies`, if
    given, receives each entry's body (`body`, what its hash covers), in order, for a shell
    that stores it: encoding an act costs more than hashing it. Raises `InvalidAct` for an act
    the book cannot encode.
    """
    seq, prev = (0, GENESIS) if after is None else (after.seq, after.hash)
    entries: list[Entry] = []
    for a in acts:
        seq += 1
        b = body(a, seq)
        h = link(prev, b)
        entries.append(Entry(seq=seq, act=a, prev=prev, hash=h))
        if bodies is not None:
            bodies.append(b)
        prev = h
    return entries


def line(entry: Entry) -> bytes:
    """Return the entry's book line: `{"act":B,"hash":"…","prev":"…"}` and a newline."""
    return b"".join(
        (
            PREFIX,
            body(entry.act, entry.seq),
            _HASH_KEY,
            entry.hash.encode("ascii"),
            _PREV_KEY,
            entry.prev.encode("ascii"),
            _END,
        )
    )


def write_book(target: str | os.PathLike[str] | BinaryIO, entries: Iterable[Entry]) -> None:
    """Write entries as book lines to a path (created or replaced) or to a binary file."""
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as f:
            write_book(f, entries)
        return
    batch: list[bytes] = []
    for entry in entries:
        batch.append(line(entry))
        if len(batch) >= _BATCH:
            target.write(b"".join(batch))
            batch.clear()
    target.write(b"".join(batch))


# The verdict -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """What `verify` found.

    `count` is the number of acts that verified before the first failure (all of them if
    `ok`); `head` is the hash of the last of those (`GENESIS` if none). `line` and `reason`
    name the first failure; `head_seq` is where the witnessed head was found, if one was given.
    """

    ok: bool
    count: int
    head: str
    line: int | None = None
    reason: str | None = None
    head_seq: int | None = None

    def __str__(self) -> str:
        if not self.ok:
            return f"broken: {self.reason}"
        found = (
            ""
            if self.head_seq is None
            else f"; it extends the witnessed head (act {self.head_seq})"
        )
        return f"ok: {self.count} acts, head {self.head}{found}"


_HEX = frozenset(b"0123456789abcdef")


def _is_hex(field: bytes) -> bool:
    return len(field) == 64 and _HEX.issuperset(field)


def _diagnose(text: bytes, n: int, prev: bytes, full: bool) -> str | None:
    """Why line n (with its newline, if any) is not act n after `prev`; None if it is."""
    if not text.endswith(b"\n"):
        return f"line {n} does not end with a newline (the book is cut or garbled there)"
    if text.endswith(b"\r\n"):
        return f"line {n} ends with CR LF; book lines end with LF alone"
    if len(text) < _MIN_LINE or not text.startswith(PREFIX):
        return (
            f"line {n} is not a book line: a line is "
            '{"act":BODY,"hash":"<64 hex>","prev":"<64 hex>"} and a newline'
        )
    tail = text[-_TAIL:]
    hash_field, prev_field = tail[9:73], tail[83:147]
    if not (
        tail.startswith(_HASH_KEY)
        and tail[73:83] == _PREV_KEY
        and tail.endswith(_END)
        and _is_hex(hash_field)
        and _is_hex(prev_field)
    ):
        return (
            f'line {n} is not a book line: it must end with ,"hash":"<64 hex>","prev":"<64 hex>"}}'
            " (lowercase hex) and a newline"
        )
    if prev_field != prev:
        before = "the genesis 000…0" if n == 1 else f"the hash of act {n - 1}"
        return f"act {n}: its prev is not {before}"
    b = text[len(PREFIX) : -_TAIL]
    if hashlib.sha256(bytes.fromhex(prev.decode()) + b).hexdigest().encode() != hash_field:
        return f"act {n}: its hash does not match its content"
    return _check_body(b, n) if full else None


_SCALARS = frozenset({str, int, bool, type(None)})


def _flat(values: Iterable[Any]) -> bool:
    """Whether every value is text, an integer, a boolean, null, or an array of these."""
    scalars = _SCALARS
    for v in values:
        if type(v) in scalars or (type(v) is list and _flat(v)):
            continue
        return False
    return True


def _record(b: bytes, n: int) -> dict[str, Any] | None:
    """The record of act n if b is its canonical body (the fast check); else None."""
    try:
        record = orjson.loads(b)
    except orjson.JSONDecodeError:
        return None
    if (
        type(record) is dict
        and type(record.get("seq")) is int
        and record["seq"] == n
        and type(record.get("kind")) is str
        # Floats (and integers too big for the book, which orjson reads as floats) are not
        # flat values, so the re-encoding below cannot meet a value it would write unlike B.
        and (all(map(_SCALARS.__contains__, map(type, record.values())))
             or _flat(record.values()))
        and orjson.dumps(record, option=orjson.OPT_SORT_KEYS) == b
    ):
        return record
    return None


def _check_body(b: bytes, n: int) -> str | None:
    """Why body b is not the canonical body of act n (the slow check that explains); or None."""
    try:
        record = orjson.loads(b)
    except orjson.JSONDecodeError as e:
        return f"act {n}: its body is not JSON ({e})"
    if not isinstance(record, dict):
        return f"act {n}: its body is not a JSON object"
    try:
        again = canonical(record)
    except InvalidAct as e:
        return f"act {n}: its body cannot be in a book: {e}"
    if not _flat(record.values()):
        return (
            f"act {n}: its body holds an object inside it; an act's fields are text, integers, "
            "booleans, null and arrays"
        )
    if again != b:
        return f"act {n}: its body is not in canonical form (sorted keys, no spaces, UTF-8)"
    seq = record.get("seq")
    if type(seq) is not int or seq != n:
        return f"act {n}: its body does not hold seq {n} (it holds {seq!r})"
    if not isinstance(record.get("kind"), str):
        return f"act {n}: its body has no kind"
    return None


def _scan(batch: list[bytes], prev_hex: bytes) -> tuple[int, bytes]:
    """Check a batch of lines that follows the act whose hash is prev_hex, on bytes alone.

    Returns how many lines of the batch are good acts in a row, and the hash of the last good
    one. This is the hot loop of `verify`: no JSON parsing, one SHA-256 and three byte
    comparisons per line (the book's seq is checked by `full`, `read_book` and replay).
    """
    sha256, join = hashlib.sha256, b"".join
    prev_raw = bytes.fromhex(prev_hex.decode())
    hash_key, prev_key, end, prefix, tail_len = _HASH_KEY, _PREV_KEY, _END, PREFIX, _TAIL
    for good, text in enumerate(batch):
        b = text[7:-tail_len]
        digest = sha256(prev_raw + b).digest()
        hex_ = hexlify(digest)
        # A line shorter than _MIN_LINE cannot both start with PREFIX and end with a tail
        # (the tail starts with a comma, which PREFIX does not hold): no length check needed.
        if not (
            text.endswith(join((hash_key, hex_, prev_key, prev_hex, end)))
            and text.startswith(prefix)
        ):
            return good, prev_hex
        prev_raw, prev_hex = digest, hex_
    return len(batch), prev_hex


def _verify_batches(batches: Iterable[list[bytes]], head: str | None, full: bool) -> Verdict:
    """The verify loop over batches of lines (each with its newline); see `verify`."""
    witnessed = None if head is None else _parse_head(head)
    head_seq: int | None = None
    prev_hex = GENESIS.encode()
    n = 0
    for batch in batches:
        good, last_hex = _scan(batch, prev_hex)
        bad: tuple[int, str] | None = None
        if full:
            for i in range(good):
                b = batch[i][len(PREFIX) : -_TAIL]
                if _record(b, n + 1 + i) is None:
                    reason = _check_body(b, n + 1 + i) or f"act {n + 1 + i}: broken"
                    good, bad = i, (n + 1 + i, reason)
                    last_hex = _hash_field(batch[i - 1]) if i else prev_hex
                    break
        if witnessed is not None and head_seq is None and good:
            head_seq = _find_head(batch, good, n, witnessed, last_hex)
        if bad is None and good < len(batch):
            at = n + good + 1
            bad = (at, _diagnose(batch[good], at, last_hex, full) or f"act {at}: broken")
        if bad is not None:
            return Verdict(False, bad[0] - 1, last_hex.decode(), bad[0], bad[1], head_seq)
        n += good
        prev_hex = last_hex
    last = prev_hex.decode()
    if n == 0:
        return Verdict(False, 0, last, 1, "the book is empty: it has no acts")
    if witnessed is not None and head_seq is None:
        return Verdict(
            False,
            n,
            last,
            None,
            f"the book does not reach the witnessed head {witnessed.decode()}: it was cut "
            "before that act, or rewritten",
        )
    return Verdict(True, n, last, None, None, head_seq)


def _find_head(
    batch: list[bytes], good: int, n: int, witnessed: bytes, last_hex: bytes
) -> int | None:
    """The seq of the act whose hash is `witnessed` among the batch's `good` first lines.

    The batch's lines follow act n. Searched through the next line's prev field, with a
    C-level scan: a line ending with `","prev":"HEAD"}` follows the head.
    """
    if last_hex == witnessed:
        return n + good
    follows = _PREV_KEY + witnessed + _END
    try:
        return n + indexOf(map(bytes.endswith, islice(batch, good), repeat(follows)), True)
    except ValueError:
        return None


def _hash_field(text: bytes) -> bytes:
    """The hash field of a book line (with its newline)."""
    start = len(text) - _TAIL + len(_HASH_KEY)
    return text[start : start + 64]


def _parse_head(head: str) -> bytes:
    """The witnessed head as lowercase hex bytes; raises `BrokenBook` if it is not a hash."""
    text = head.strip().lower().encode()
    if not _is_hex(text) or text == GENESIS.encode():
        raise BrokenBook(
            f"the head {head!r} is not an act's hash: give the 64 hex digits shown as the "
            "book's head",
            head=head,
        )
    return text


def _batched(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    it = iter(lines)
    while batch := list(islice(it, _BATCH)):
        yield batch


def verify(lines: Iterable[bytes], *, head: str | None = None, full: bool = False) -> Verdict:
    """Verify a book given as its lines (bytes, each with its newline), streaming.

    Checks every line's layout, that its prev is the hash of the act before, and that its
    hash is SHA-256 of that prev and its body: any changed byte fails. Stops at the first
    failure and names it. With `head`, also checks that one act's hash is that head, which a
    cut or rewritten book fails. With `full`, also parses each body and checks that it is the
    canonical JSON of an act's record holding its seq (slower; `read_book` always does).
    Raises `BrokenBook` only for a malformed `head`.
    """
    return _verify_batches(_batched(lines), head, full)


def _file_batches(f: BinaryIO) -> Iterator[list[bytes]]:
    while batch := f.readlines(_READ_HINT):
        yield batch


def verify_file(
    path: str | os.PathLike[str], *, head: str | None = None, full: bool = False
) -> Verdict:
    """Verify the book file at `path` (see `verify`); memory stays flat however long it is.

    Raises `BrokenBook` if the file cannot be read or `head` is malformed.
    """
    try:
        with open(path, "rb", buffering=_READ_HINT) as f:
            return _verify_batches(_file_batches(f), head, full)
    except OSError as e:
        raise BrokenBook(f"cannot read the book {os.fspath(path)!r}: {e.strerror}") from e


def read_book(source: str | os.PathLike[str] | Iterable[bytes]) -> Iterator[Entry]:
    """Read a book, from a path or from its lines, as entries, checking everything on the way.

    Each line is checked in full: its layout, its chain link and hash, its body's canonical
    form and seq, and its act (decoded through the registry of kinds). Raises `BrokenBook`
    naming the first bad act, or `UnknownKind`/`InvalidAct` (prefixed with the act's place)
    for an act this version of Sovet cannot read. Entries come as they are read (streaming).
    """
    if isinstance(source, str | os.PathLike):
        try:
            f = open(source, "rb")  # noqa: SIM115 (the with below closes it)
        except OSError as e:
            raise BrokenBook(f"cannot read the book {os.fspath(source)!r}: {e.strerror}") from e
        with f:
            yield from _read_entries(f)
    else:
        yield from _read_entries(source)


def _read_entries(lines: Iterable[bytes]) -> Iterator[Entry]:
    sha256 = hashlib.sha256
    prev_raw, prev_hex = bytes(32), GENESIS.encode()
    prev = GENESIS
    n = 0
    for n, text in enumerate(lines, 1):
        b = text[7:-_TAIL]
        digest = sha256(prev_raw + b).digest()
        hex_ = hexlify(digest)
        if not (
            text.endswith(_HASH_KEY + hex_ + _PREV_KEY + prev_hex + _END)
            and text.startswith(PREFIX)
        ):
            raise BrokenBook(_diagnose(text, n, prev_hex, True) or f"act {n}: broken", line=n)
        record = _record(b, n)
        if record is None:
            raise BrokenBook(_check_body(b, n) or f"act {n}: broken", line=n)
        try:
            a = from_record(record)
        except RuleError as e:
            e.message = f"act {n}: {e.message}"
            e.args = (e.message,)
            raise
        h = hex_.decode()
        yield Entry(seq=n, act=a, prev=prev, hash=h)
        prev, prev_raw, prev_hex = h, digest, hex_
    if n == 0:
        raise BrokenBook("the book is empty: it has no acts", line=1)
