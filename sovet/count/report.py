"""A count's record as Rich tables: candidates down, stages across, the elected marked."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from sovet.count.result import Result

_METHOD_NAMES = {
    "irv": "Instant-runoff",
    "schulze": "Schulze",
    "approval": "Approval",
    "scottish-stv": "Scottish STV",
    "stv_scottish": "Scottish STV",
    "scottish": "Scottish STV",
    "meek": "Meek STV",
}

# A table shows 2 decimal places so that a count fits a terminal; the JSON record keeps all.
SHOWN_PLACES = 2


def method_name(method: str) -> str:
    """The method's name as a person would write it."""
    return _METHOD_NAMES.get(method, method)


def ballots_counted(result: Result) -> int | None:
    """The number of ballots (at `result.scale`) the count started from, where it is known.

    Every ballot is counted once at the first stage, for a candidate or as non-transferable;
    an approval ballot gives a vote to each candidate it approves, so there it is not known.
    """
    if not result.rounds or result.method == "approval":
        return None
    first = result.rounds[0]
    return sum(first.votes) + first.exhausted


def decimal_places(scale: int) -> int:
    """The number of decimal places that `scale` (a power of ten) stands for."""
    places = 0
    while scale >= 10:
        scale //= 10
        places += 1
    return places


def format_votes(value: int, scale: int, places: int | None = None) -> str:
    """Write `value` (an integer at `scale`) as a decimal, truncated to `places` if given.

    Truncated, never rounded, so a shown figure is never more than the count held.
    """
    full = decimal_places(scale)
    shown = full if places is None else min(places, full)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), scale)
    if shown == 0:
        return f"{sign}{whole:,}"
    digits = str(frac).rjust(full, "0")[:shown]
    return f"{sign}{whole:,}.{digits}"


def _clip(name: str, width: int = 16) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1] + "…"


def _stage_header(result: Result, index: int) -> str:
    r = result.rounds[index]
    name = _clip(result.candidates[r.subject]) if r.subject is not None else ""
    if r.action == "first preferences":
        what = "first prefs"
    elif r.action == "exclusion" and not name and r.excluded:
        what = "excl. " + ", ".join(_clip(result.candidates[x], 10) for x in r.excluded)
    elif r.action == "exclusion":
        what = f"excl. {name}"
    elif r.action == "surplus":
        what = f"surplus {name}"
    else:
        what = r.action + (f" {name}" if name else "")
    return f"{r.number}\n{what}"


def stage_table(
    result: Result, stages: range | None = None, *, places: int = SHOWN_PLACES
) -> Table:
    """Return the table of `stages` (all by default): each candidate's votes and change.

    Votes are shown truncated to `places` decimal places.
    """
    scale = result.scale
    shown = range(len(result.rounds)) if stages is None else stages
    elected_at: dict[int, int] = {}
    excluded_at: dict[int, int] = {}
    for i, r in enumerate(result.rounds):
        for x in r.elected:
            elected_at.setdefault(x, i)
        for x in r.excluded:
            excluded_at.setdefault(x, i)
    for x in result.elected:
        elected_at.setdefault(x, len(result.rounds) - 1)
    total = ballots_counted(result) or 0
    title = f"{method_name(result.method)} · {result.seats} seat" + (
        "s" if result.seats != 1 else ""
    )
    if len(shown) < len(result.rounds):
        title += f" · stages {shown.start + 1}-{shown.stop}"
    table = Table(title=title, title_style="bold", show_lines=False, header_style="bold")
    table.add_column("Candidate", no_wrap=True, min_width=10, max_width=24)
    for i in shown:
        table.add_column(_stage_header(result, i), justify="right", no_wrap=True)
    order = sorted(
        range(len(result.candidates)),
        key=lambda x: (
            x not in elected_at,
            result.elected.index(x) if x in result.elected else 0,
            # The rest: those who stayed longest first, then by their votes when they left.
            -excluded_at.get(x, len(result.rounds)),
            -(result.rounds[excluded_at[x] - 1].votes[x] if excluded_at.get(x, 0) > 0
              else result.rounds[-1].votes[x] if result.rounds else 0),
            x,
        ),
    )
    for x in order:
        name = Text(result.candidates[x])
        if x in elected_at:
            name = Text("✓ ", style="bold green") + Text(result.candidates[x], style="bold")
        elif x in excluded_at:
            name.stylize("dim")
        cells: list[RenderableType] = [name]
        for i in shown:
            r = result.rounds[i]
            if x in excluded_at and i > excluded_at[x] and r.votes[x] == 0:
                cells.append(Text("–", style="dim"))
                continue
            cell = Text(format_votes(r.votes[x], scale, places))
            if x in elected_at and i >= elected_at[x]:
                cell.stylize("bold green")
            elif x in excluded_at and i >= excluded_at[x]:
                cell.stylize("dim")
            if i > 0 and r.transfers and r.transfers[x]:
                sign = "+" if r.transfers[x] > 0 else ""
                change = f"{sign}{format_votes(r.transfers[x], scale, places)}"
                cell.append(f"\n{change}", style="cyan" if r.transfers[x] > 0 else "red")
            cells.append(cell)
        table.add_row(*cells)
    table.add_section()
    table.add_row(
        Text("non-transferable", style="italic"),
        *(
            Text(format_votes(result.rounds[i].exhausted, scale, places), style="italic")
            for i in shown
        ),
    )
    if any(r.lost for r in result.rounds):
        # Scottish STV's truncated transfer values: the value no one is credited with, shown
        # in full (it is a few hundred-thousandths, which two places would hide).
        table.add_row(
            Text("lost to truncation", style="italic"),
            *(
                Text(format_votes(result.rounds[i].lost, scale), style="italic")
                for i in shown
            ),
        )
    if any(r.quota is not None for r in result.rounds):
        label = "majority" if result.method == "irv" else "quota"
        table.add_row(
            Text(label, style="italic"),
            *(
                Text("" if q is None else format_votes(q, scale, places))
                for q in (result.rounds[i].quota for i in shown)
            ),
        )
    elected = ", ".join(result.elected_names) or "no one"
    ballots = format_votes(total, scale, 0)
    caption = f"{ballots} ballots · elected: {elected}" if total else f"elected: {elected}"
    if scale > 1 and decimal_places(scale) > places:
        caption += f" · votes truncated to {places} places (--json keeps all)"
    if shown.stop == len(result.rounds):
        table.caption = caption
    return table


def schulze_tables(result: Result) -> list[Table]:
    """Return the Schulze ranking and the strongest-path matrix as tables."""
    tables: list[Table] = []
    if result.ranking is not None:
        ranking = Table(title="Schulze ranking", title_style="bold", header_style="bold")
        ranking.add_column("Place", justify="right")
        ranking.add_column("Candidate(s)")
        for place, group in enumerate(result.ranking, start=1):
            names = " = ".join(result.candidates[x] for x in group)
            style = "bold green" if result.elected and result.elected[0] in group else ""
            ranking.add_row(str(place), Text(names, style=style))
        tables.append(ranking)
    if result.matrix is not None:
        matrix = Table(
            title="Strongest paths (row over column)", title_style="bold", header_style="bold"
        )
        order = [x for group in (result.ranking or ()) for x in group]
        order += [x for x in range(len(result.candidates)) if x not in order]
        matrix.add_column("", no_wrap=True, max_width=24)
        for k in range(len(order)):
            matrix.add_column(str(k + 1), justify="right")
        for k, a in enumerate(order):
            cells: list[RenderableType] = [Text(f"{k + 1} {result.candidates[a]}")]
            for b in order:
                if a == b:
                    cells.append(Text("·", style="dim"))
                else:
                    v = result.matrix[a][b]
                    beats = v > result.matrix[b][a]
                    cells.append(Text(str(v), style="bold" if beats else "dim"))
            matrix.add_row(*cells)
        matrix.caption = "in ranking order; bold: the row's path beats the column's path back"
        tables.append(matrix)
    return tables


def ties_text(result: Result) -> Text | None:
    """Describe each tie the count broke, and how; None if there was none."""
    if not result.ties:
        return None
    out = Text()
    for t in result.ties:
        among = ", ".join(result.candidates[x] for x in t.among)
        how = f"by lot (seed {t.seed})" if t.how == "lot" else f"by the {t.how} rule"
        out.append(
            f"Stage {t.round}: tie between {among}; {result.candidates[t.chosen]} "
            f"chosen {how}.\n",
            style="yellow",
        )
    return out


def _column_width(result: Result, i: int, places: int) -> int:
    r = result.rounds[i]
    cells = [format_votes(v, result.scale, places) for v in (*r.votes, *r.transfers)]
    header = max(len(line) for line in _stage_header(result, i).splitlines())
    return max(header, *(len(c) + 1 for c in cells)) + 3


def stage_chunks(result: Result, width: int, *, places: int = SHOWN_PLACES) -> list[range]:
    """Split the stages into runs whose table fits `width` columns, candidates repeated."""
    names = min(24, max((len(n) for n in result.candidates), default=10)) + 6
    chunks: list[range] = []
    start, used = 0, names
    for i in range(len(result.rounds)):
        w = _column_width(result, i, places)
        if i > start and used + w > width:
            chunks.append(range(start, i))
            start, used = i, names
        used += w
    chunks.append(range(start, len(result.rounds)))
    return chunks


def render_result(result: Result, width: int = 200, *, places: int = SHOWN_PLACES) -> Group:
    """Return everything a person reads about a count: stages, ranking, matrix, ties.

    A count with more stages than fit `width` columns is shown as several tables.
    """
    parts: list[RenderableType] = [
        stage_table(result, chunk, places=places)
        for chunk in stage_chunks(result, width, places=places)
    ]
    parts.extend(schulze_tables(result))
    ties = ties_text(result)
    if ties is not None:
        parts.append(ties)
    return Group(*parts)


def print_result(result: Result, console: Console | None = None) -> None:
    """Print the count's record on `console` (standard output by default)."""
    console = console or Console()
    console.print(render_result(result, console.width))
