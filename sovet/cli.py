"""`sovet`: the command line. Each command parses, calls the core or the counting engine, and
renders; a refusal of the rules (`RuleError`) is printed as its sentence, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sovet.core.council import CouncilState
from sovet.core.errors import RuleError
from sovet.count.cli import tally

if TYPE_CHECKING:
    from sovet.core.book import Verdict

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
    book: Annotated[
        Path | None,
        typer.Argument(help="The book file (JSONL, one act per line); or use --council."),
    ] = None,
    council: Annotated[
        str | None,
        typer.Option(
            help="Verify this council's book in the site's database instead of a file (the "
            "council's id, as in its address; DATABASE_URL or SOVET_DATA says which database)."
        ),
    ] = None,
    head: Annotated[
        str | None,
        typer.Option(help="A head hash saved earlier: check the book extends it."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Also check every act's JSON is canonical (slower).")
    ] = False,
) -> None:
    """Check a book's chain: exit 0 if every act is intact, 1 naming the first broken act.

    Give a book file, or --council ID for a council's book in this server's database.
    """
    from sovet.core.book import verify_file

    if (book is None) == (council is None):
        both = ", not both" if book is not None else ""
        err.print(f"[red]error:[/red] give a book file or --council ID{both}: `sovet verify "
                  "BOOK.jsonl` checks a downloaded book, `sovet verify --council ID` checks a "
                  "council's book in this server's database")
        raise typer.Exit(2)
    if book is not None:
        verdict = verify_file(book, head=head, full=full)
    else:
        verdict = _verify_council(str(council), head=head, full=full)
    if verdict.ok:
        out.print(f"[green]{escape(str(verdict))}[/green]")
        return
    err.print(f"[red]{escape(str(verdict))}[/red]")
    raise typer.Exit(1)


def _verify_council(slug: str, *, head: str | None, full: bool) -> Verdict:
    """Verify a council's book as stored in the site's database, up to the head kept for it.

    Beyond the chain, the book must end exactly at the council's stored head: acts deleted from
    the end, or a head moved by hand, are named too. Raises `NoSuchCouncil`, `NotReady`.
    """
    from sovet import serve as web

    web.setup()
    from django.db import DatabaseError

    from sovet.core.book import Verdict
    from sovet.core.book import verify as verify_lines
    from sovet.web.books.models import Act
    from sovet.web.books.selectors import book_lines, council_get

    try:
        c = council_get(slug)
        verdict = verify_lines(book_lines(c), head=head, full=full)
        beyond = (Act.objects.filter(council=c, seq__gt=c.head_seq).order_by("seq")
                  .values_list("seq", flat=True).first())
        # An act appended while we read has moved the head past it; only a stray one has not.
        if beyond is not None and council_get(slug).head_seq >= beyond:
            beyond = None
    except DatabaseError as e:
        raise web.NotReady(f"cannot read council {slug}'s book from the database: {e}; check "
                           "DATABASE_URL (or SOVET_DATA for the local SQLite file), that the "
                           "database server is running and that `sovet migrate` was run"
                           ) from e
    if not verdict.ok:
        return verdict
    if (verdict.count, verdict.head) != (c.head_seq, c.head_hash):
        missing = verdict.count + 1 if verdict.count < c.head_seq else verdict.count
        return Verdict(
            False, verdict.count, verdict.head, missing,
            f"act {missing}: the book ends at act {verdict.count} with hash {verdict.head}, "
            f"but the council's head is act {c.head_seq} with hash {c.head_hash}: acts were "
            "removed, or the head changed outside Sovet",
            verdict.head_seq,
        )
    if beyond is not None:
        return Verdict(
            False, verdict.count, verdict.head, beyond,
            f"act {beyond}: it is stored after the council's head (act {c.head_seq}), so it "
            "was written outside Sovet",
            verdict.head_seq,
        )
    return verdict


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
    port: Annotated[int, typer.Option(help="The port to serve the demo site on.")] = 8000,
    data: Annotated[
        Path,
        typer.Option(help="The demo's data folder (its SQLite database, rebuilt on each run)."),
    ] = Path("sovet-data") / "demo",
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site once it is built.")
    ] = True,
) -> None:
    """Build the demo site (a district council and three workplace councils) in a fresh
    SQLite database and serve it on http://127.0.0.1:PORT until Ctrl-C.

    With --book, write the core demo council's book instead, and exit.
    """
    if book is not None:
        _demo_book(book)
        return
    _demo_site(data.expanduser().resolve(), port, serve)


def _demo_book(book: Path) -> None:
    """Write the core demo council's book (built through the rules) and print its head."""
    from sovet.core.book import chain, write_book
    from sovet.core.demo import demo_acts

    entries = chain(demo_acts(start=DEMO_START, seed=DEMO_SEED))
    try:
        write_book(book, entries)
    except OSError as e:
        err.print(f"[red]error:[/red] cannot write {book}: {e.strerror}")
        raise typer.Exit(2) from None
    out.print(f"wrote {len(entries)} acts to {book}; head {entries[-1].hash}")


DEMO_MARKER = "sovet-demo.txt"
"""The file that marks a data folder as the demo's, which `sovet demo` may wipe and rebuild."""
_DB_FILES = ("sovet.sqlite3", "sovet.sqlite3-wal", "sovet.sqlite3-shm")


def _is_demo_folder(folder: Path) -> bool:
    """Whether `folder` is free for the demo: missing, without a database, or the demo's."""
    return (not (folder / _DB_FILES[0]).exists()) or (folder / DEMO_MARKER).exists()


def _clear_demo_folder(folder: Path) -> None:
    """Delete a demo folder's database (and its write-ahead files); mark the folder the demo's."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in _DB_FILES:
        (folder / name).unlink(missing_ok=True)
    (folder / DEMO_MARKER).write_text(
        "This folder holds Sovet's demo database; `sovet demo` deletes and rebuilds it.\n",
        encoding="utf-8")


def _demo_site(data: Path, port: int, serve_it: bool) -> None:
    """Seed the demo database through the services, print logins, and serve it."""
    import os
    import time

    if not _is_demo_folder(data):
        err.print(f"[red]error:[/red] {escape(str(data))} holds a Sovet database that is not "
                  f"the demo's (no {DEMO_MARKER} in it); the demo will not overwrite it. Choose "
                  "another folder with --data.")
        raise typer.Exit(2)
    if os.environ.pop("DATABASE_URL", None):
        out.print("(DATABASE_URL is ignored: the demo runs on its own SQLite file)")
    try:
        _clear_demo_folder(data)
    except OSError as e:
        err.print(f"[red]error:[/red] cannot use {data} for the demo: {e.strerror}")
        raise typer.Exit(2) from None
    os.environ["SOVET_DATA"] = str(data)
    from sovet import serve as web

    web.setup()
    from django.conf import settings

    if Path(str(settings.DATABASES["default"]["NAME"])).parent != data:
        err.print("[red]error:[/red] the site's settings were loaded before the demo chose its "
                  "database; run `sovet demo` in a fresh process")
        raise typer.Exit(2)
    started = time.perf_counter()
    web.migrate(verbosity=0)
    from django.utils import timezone

    from sovet.web.demo import DEMO_PASSWORD, seed

    built = seed(now=timezone.now())
    out.print(f"Built the demo in {time.perf_counter() - started:.1f} s, in {data}:")
    for c in built.councils.values():
        out.print(f"  {c.name}: {c.head_seq} acts, book head {c.head_hash}")
    out.print(f"\nLog in as any of these (every demo person's password is {DEMO_PASSWORD}):")
    for username, who in built.logins:
        out.print(f"  {username:<8} {who}")
    if serve_it:
        web.serve("127.0.0.1", port, announce=lambda s: out.print(s, markup=False))


@app.command("close-due")
@refusals
def close_due() -> None:
    """Close every motion and count every election whose voting has ended, in every council."""
    from sovet import serve as web

    web.setup()
    from django.utils import timezone

    from sovet.web.books.selectors import council_list
    from sovet.web.councils.services import motions_close_due

    now = timezone.now()
    councils = list(council_list())
    if not councils:
        out.print("no councils on this server: nothing to close")
        return
    for council in councils:
        closed = motions_close_due(council_id=council.pk, now=now)
        words = ", ".join(str(n) for n in closed) if closed else "none"
        out.print(f"{council.slug}: motions closed: {words}", markup=False)
    from sovet.web.councils.vacuum import vacuum_box

    vacuum_box()  # again, in case a seal's own rewrite of the box did not get its lock


@app.command()
@refusals
def rebuild() -> None:
    """Rebuild the tables from the books: verify each council's book, then project it again.

    A broken book is named, its tables left as they are, and the command exits 1.
    """
    from sovet import serve as web

    web.setup()
    from sovet.core.book import BrokenBook
    from sovet.web.books.selectors import council_list
    from sovet.web.councils.services import council_rebuild

    broken = 0
    councils = list(council_list())
    if not councils:
        out.print("no councils on this server: nothing to rebuild")
        return
    for council in councils:
        try:
            acts = council_rebuild(council_id=council.pk)
        except BrokenBook as e:
            broken += 1
            err.print(f"[red]{council.slug}: not rebuilt:[/red] {escape(e.message)}")
            continue
        out.print(f"{council.slug}: rebuilt from {acts} acts", markup=False)
    if broken:
        raise typer.Exit(1)


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


from sovet.api.cli import register as register_book_transfer  # noqa: E402 (after the app)

register_book_transfer(app)

if __name__ == "__main__":
    app()
