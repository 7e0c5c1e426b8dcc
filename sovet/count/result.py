"""The one result type every counting method returns, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass

from sovet.core.errors import RuleError


class CountError(RuleError):
    """A count that cannot be run as asked (wrong number of seats, no candidates, ...).

    The message says what is wrong and what to do instead; the command line prints it and exits
    with status 2.
    """

    code = "count"


@dataclass(frozen=True)
class Tie:
    """A tie the count had to break, and how: the rule's own procedure, or the recorded lot."""

    round: int
    among: tuple[int, ...]
    chosen: int
    how: str  # "earlier stage" | "lot" | ...
    seed: int | None = None


@dataclass(frozen=True)
class Round:
    """One stage of a count: what was done, and every candidate's votes after it.

    Votes are integers at the result's `scale` (Scottish STV: 10**5, since the Order truncates
    to 5 decimal places; Meek: 10**9), so the record has no floats.
    """

    number: int
    action: str  # "first preferences" | "surplus" | "exclusion" | "round" | ...
    subject: int | None  # the candidate whose surplus or exclusion this stage transfers
    votes: tuple[int, ...]
    transfers: tuple[int, ...]  # each candidate's change in this stage
    exhausted: int  # non-transferable votes so far
    quota: int | None = None
    elected: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    note: str = ""
    # Value lost to truncation so far, at `scale` (Scottish STV: transfer values truncated
    # to five places; no one is credited with the remainder). Always votes + exhausted +
    # lost == the ballots at `scale` for a method that keeps every vote whole.
    lost: int = 0


@dataclass(frozen=True)
class Result:
    """Who is elected, in order, and the record of how."""

    method: str
    candidates: tuple[str, ...]
    seats: int
    elected: tuple[int, ...]
    rounds: tuple[Round, ...]
    scale: int = 1
    ties: tuple[Tie, ...] = ()
    seed: int | None = None
    ranking: tuple[tuple[int, ...], ...] | None = None  # Schulze: full order, ties grouped
    matrix: tuple[tuple[int, ...], ...] | None = None  # Schulze: strongest paths

    @property
    def elected_names(self) -> tuple[str, ...]:
        """The elected candidates' names, as the ballots spell them."""
        return tuple(self.candidates[i] for i in self.elected)


RESULT_FORMAT = "sovet-result/1"


def result_to_json(result: Result) -> dict[str, object]:
    """Write `result` as a JSON-ready dict (ints, strings, lists; no floats), losslessly.

    `elected` lists the elected candidates' names as the ballots spell them, in order of
    election; `elected_positions` gives the same as 0-based positions in `candidates`, which
    is also how rounds, ties, `ranking` and `matrix` refer to candidates. Votes are integers at
    `scale` (a vote of 1.5 at scale 10**5 is written 150000); each round's `lost` is the value
    lost to truncation so far, also at `scale`.
    """
    return {
        "format": RESULT_FORMAT,
        "method": result.method,
        "candidates": list(result.candidates),
        "seats": result.seats,
        "elected": list(result.elected_names),
        "elected_positions": list(result.elected),
        "scale": result.scale,
        "seed": result.seed,
        "rounds": [
            {
                "number": r.number,
                "action": r.action,
                "subject": r.subject,
                "votes": list(r.votes),
                "transfers": list(r.transfers),
                "exhausted": r.exhausted,
                "quota": r.quota,
                "elected": list(r.elected),
                "excluded": list(r.excluded),
                "note": r.note,
                "lost": r.lost,
            }
            for r in result.rounds
        ],
        "ties": [
            {
                "round": t.round,
                "among": list(t.among),
                "chosen": t.chosen,
                "how": t.how,
                "seed": t.seed,
            }
            for t in result.ties
        ],
        "ranking": None if result.ranking is None else [list(g) for g in result.ranking],
        "matrix": None if result.matrix is None else [list(row) for row in result.matrix],
    }


class ResultFormatError(CountError):
    """A JSON record that is not a Sovet result: says which field is wrong."""

    code = "result_format"


def _int(value: object, where: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResultFormatError(f"{where} must be an integer, not {value!r}")
    return value


def _ints(value: object, where: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ResultFormatError(f"{where} must be a list of integers, not {value!r}")
    return tuple(int(_int(v, f"{where}[{i}]") or 0) for i, v in enumerate(value))


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ResultFormatError(f"{where} must be a string, not {value!r}")
    return value


def _field(data: dict[str, object], key: str, where: str) -> object:
    if key not in data:
        raise ResultFormatError(f"{where} has no {key!r} field")
    return data[key]


def result_from_json(data: dict[str, object]) -> Result:
    """Read back a dict written by `result_to_json`.

    A round without `lost` (a record written before the field existed) reads as lost 0.
    Raises `ResultFormatError` naming the first missing or mistyped field.
    """
    if not isinstance(data, dict):
        raise ResultFormatError(f"a result must be a JSON object, not {type(data).__name__}")
    fmt = data.get("format")
    if fmt != RESULT_FORMAT:
        raise ResultFormatError(f"this is not a {RESULT_FORMAT} record (format is {fmt!r})")
    candidates_raw = _field(data, "candidates", "the result")
    if not isinstance(candidates_raw, list):
        raise ResultFormatError("candidates must be a list of names")
    candidates = tuple(_str(c, f"candidates[{i}]") for i, c in enumerate(candidates_raw))
    rounds_raw = _field(data, "rounds", "the result")
    ties_raw = _field(data, "ties", "the result")
    if not isinstance(rounds_raw, list) or not isinstance(ties_raw, list):
        raise ResultFormatError("rounds and ties must be lists")
    rounds = []
    for i, r in enumerate(rounds_raw):
        where = f"rounds[{i}]"
        if not isinstance(r, dict):
            raise ResultFormatError(f"{where} must be an object")
        rounds.append(
            Round(
                number=int(_int(_field(r, "number", where), f"{where}.number") or 0),
                action=_str(_field(r, "action", where), f"{where}.action"),
                subject=_int(_field(r, "subject", where), f"{where}.subject", optional=True),
                votes=_ints(_field(r, "votes", where), f"{where}.votes"),
                transfers=_ints(_field(r, "transfers", where), f"{where}.transfers"),
                exhausted=int(_int(_field(r, "exhausted", where), f"{where}.exhausted") or 0),
                quota=_int(_field(r, "quota", where), f"{where}.quota", optional=True),
                elected=_ints(_field(r, "elected", where), f"{where}.elected"),
                excluded=_ints(_field(r, "excluded", where), f"{where}.excluded"),
                note=_str(_field(r, "note", where), f"{where}.note"),
                # Records written before `lost` existed lack it: nothing was lost there.
                lost=int(_int(r.get("lost", 0), f"{where}.lost") or 0),
            )
        )
    ties = []
    for i, t in enumerate(ties_raw):
        where = f"ties[{i}]"
        if not isinstance(t, dict):
            raise ResultFormatError(f"{where} must be an object")
        ties.append(
            Tie(
                round=int(_int(_field(t, "round", where), f"{where}.round") or 0),
                among=_ints(_field(t, "among", where), f"{where}.among"),
                chosen=int(_int(_field(t, "chosen", where), f"{where}.chosen") or 0),
                how=_str(_field(t, "how", where), f"{where}.how"),
                seed=_int(_field(t, "seed", where), f"{where}.seed", optional=True),
            )
        )
    ranking_raw = data.get("ranking")
    matrix_raw = data.get("matrix")
    if ranking_raw is not None and not isinstance(ranking_raw, list):
        raise ResultFormatError("ranking must be a list of lists or null")
    if matrix_raw is not None and not isinstance(matrix_raw, list):
        raise ResultFormatError("matrix must be a list of lists or null")
    return Result(
        method=_str(_field(data, "method", "the result"), "method"),
        candidates=candidates,
        seats=int(_int(_field(data, "seats", "the result"), "seats") or 0),
        elected=_ints(_field(data, "elected_positions", "the result"), "elected_positions"),
        rounds=tuple(rounds),
        scale=int(_int(_field(data, "scale", "the result"), "scale") or 0),
        ties=tuple(ties),
        seed=_int(data.get("seed"), "seed", optional=True),
        ranking=None
        if ranking_raw is None
        else tuple(_ints(g, f"ranking[{i}]") for i, g in enumerate(ranking_raw)),
        matrix=None
        if matrix_raw is None
        else tuple(_ints(row, f"matrix[{i}]") for i, row in enumerate(matrix_raw)),
    )
