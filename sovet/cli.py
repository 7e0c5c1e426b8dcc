"""`sovet`: the command line. Each command parses, calls the core or the counting engine, and
renders; a refusal of the rules (`RuleError`) is printed as its sentence, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from sovet.core.council import CouncilState
from sovet.core.errors import RuleError
from sovet.count.cli import tally

app = typer.Typer(
    help="Sovet: councils that govern themselves, and the book anyone can verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: a hash is one word a reader copies whole, never split across lines.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# The demo is built from a fixed start and seed, so its book is the same on every machine
# and anyone can check a head they saved from it earlier.
DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEMO_SEED = 1871

F = TypeVar("F", bound=Callable[..., Any])


def refusals(fn: F) -> F:
    """Print a `RuleError` as its sentence and exit 2: the one place the CLI maps them."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RuleError as e:
            err.print(f"[red]error:[/red] {e.message}")
            raise typer.Exit(2) from None

    return run  # type: ignore[return-value]


@app.command()
@refusals
def verify(
    book: Annotated[Path, typer.Argument(help="The book file (JSONL, one act per line).")],
    head: Annotated[
        str | None,
        typer.Option(help="A head hash saved earlier: check the book extends it."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Also check every act's JSON is canonical (slower).")
    ] = False,
) -> None:
    """Check a book's chain: exit 0 if every act is intact, 1 naming the first broken act."""
    from sovet.core.book import verify_file

    verdict = verify_file(book, head=head, full=full)
    if verdict.ok:
        out.print(f"[green]{verdict}[/green]")
        return
    err.print(f"[red]{verdict}[/red]")
    raise typer.Exit(1)


@app.command()
@refusals
def replay(
    book: Annotated[Path, typer.Argument(help="The book file (JSONL, one act per line).")],
) -> None:
    """Rebuild a council from its book and print its members, offices, parties and motions."""
    from sovet.core.book import read_book
    from sovet.core.council import replay as replay_acts

    head = ""
    count = 0

    def acts() -> Any:
        nonlocal head, count
        for entry in read_book(book):
            head, count = entry.hash, entry.seq
            yield entry.act

    state = replay_acts(acts())
    show_state(state)
    out.print(f"\n{count} acts; book head [bold]{head}[/bold]")


def show_state(state: CouncilState) -> None:
    """Print a council's members, offices, parties and open motions as tables."""
    out.print(f"[bold]{state.name or state.council}[/bold]")
    for title, columns, rows in state_tables(state):
        if not rows:
            out.print(f"\n{title}: none")
            continue
        table = Table(title=title, title_justify="left")
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*r)
        out.print(table)


def state_tables(
    state: CouncilState,
) -> list[tuple[str, tuple[str, ...], Sequence[tuple[str, ...]]]]:
    """The council's members, offices, parties and open motions, as titled rows of text."""
    members = [
        (person, m.status, m.since.date().isoformat(), m.via)
        for person, m in sorted(state.members.items())
    ]
    offices = [
        (o.name, person, f"{mandate.since.date()} to {mandate.until.date()}")
        for o in state.offices.values()
        for person, mandate in sorted(o.mandates.items())
    ]
    parties = [
        (p.name, p.status, str(len(p.members)), p.platform[:60])
        for p in state.parties.values()
    ]
    motions = [
        (str(i), m.kind, m.by, m.status, m.closes.isoformat() if m.closes else "", m.text[:60])
        for i, m in state.motions.items()
        if m.status in ("moved", "open")
    ]
    return [
        ("Members", ("person", "status", "since", "admitted by"), members),
        ("Offices", ("office", "held by", "term"), offices),
        ("Parties", ("party", "status", "members", "platform"), parties),
        ("Open motions", ("#", "kind", "moved by", "status", "closes", "text"), motions),
    ]


@app.command()
@refusals
def demo(
    book: Annotated[
        Path | None,
        typer.Option(help="Write the demo council's book to this file (JSONL) and exit."),
    ] = None,
) -> None:
    """Build the demo council through the rules; print its state and the head of its book."""
    from sovet.core.book import chain, write_book
    from sovet.core.council import replay as replay_acts
    from sovet.core.demo import demo_acts

    acts = demo_acts(start=DEMO_START, seed=DEMO_SEED)
    entries = chain(acts)
    if book is not None:
        try:
            write_book(book, entries)
        except OSError as e:
            err.print(f"[red]error:[/red] cannot write {book}: {e.strerror}")
            raise typer.Exit(2) from None
        out.print(f"wrote {len(entries)} acts to {book}; head {entries[-1].hash}")
        return
    show_state(replay_acts(acts))
    out.print(f"\n{len(entries)} acts; book head [bold]{entries[-1].hash}[/bold]")


app.command("tally")(tally)


@app.command()
@refusals
def migrate() -> None:
    """Create or update the database's tables (SQLite by default, DATABASE_URL for PostgreSQL)."""
    from sovet import serve as web

    done = web.migrate(verbosity=0)
    out.print(f"applied {len(done)} migrations" if done else "the database is up to date")


@app.command()
@refusals
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
) -> None:
    """Serve an existing database's site until Ctrl-C (run `sovet migrate` first)."""
    from sovet import serve as web

    # markup=False: an address such as [::1] is not Rich markup.
    web.serve(host, port, threads=threads, announce=lambda s: out.print(s, markup=False))


if __name__ == "__main__":
    app()
