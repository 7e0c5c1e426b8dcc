"""`sovet export` and `sovet import`: move a council's book between servers through the API.

`export` downloads a council's book, verifies it in full, and only then writes the file (a
broken or cut download is never left behind as if it were the book). `import` verifies a book
file here first, then uploads it to a server, where one of the council's members makes the
council from it. HTTP is the standard library's urllib; every failure is one sentence (the
server unreachable, a token refused, the server's own `detail`), never a traceback.

This module imports neither Django nor django-ninja: the command line stays quick and works
where only the core is installed.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from sovet.core.book import verify_file

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

TIMEOUT = 300  # seconds: a large book over a slow link
CHUNK = 1 << 20
_TOKEN_HELP = "A personal access token (made on your profile); default: $SOVET_TOKEN."


class Failed(Exception):
    """A command that cannot go on; its message is the sentence to print."""


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def split_address(address: str) -> tuple[str, str]:
    """`https://host/councils/bakers` or `https://host/bakers` → (`https://host`, `bakers`)."""
    parsed = urllib.parse.urlsplit(address.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Failed(f"{address!r} is not a council's address; give e.g. "
                     f"https://sovet.example.org/councils/bakers, or --server and --council")
    parts = [p for p in parsed.path.split("/") if p]
    if not parts:
        raise Failed(f"{address!r} names no council; add its id, e.g. {address.rstrip('/')}"
                     f"/councils/bakers")
    slug = parts[-1]
    base = "/".join(parts[:-1])
    if parts[-2:-1] == ["councils"]:
        base = "/".join(parts[:-2])
    server = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, f"/{base}" if base else "",
                                      "", ""))
    return server, slug


def _api(server: str, path: str) -> str:
    server = server.strip().rstrip("/")
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Failed(f"{server!r} is not a server's address; give e.g. "
                     f"https://sovet.example.org")
    return f"{server}/api/v1{path}"


def _token(token: str | None) -> str | None:
    value = token if token is not None else os.environ.get("SOVET_TOKEN")
    if not value or not value.strip():
        return None
    value = value.strip()
    if not value.isprintable() or " " in value:
        raise Failed("the token holds a space or a control character (a line break?); copy it "
                     "again from your profile, as one word starting with sovet_")
    return value


def _refusal(e: urllib.error.HTTPError, url: str) -> Failed:
    """The server's refusal as a sentence: its JSON `detail` when it sent one."""
    try:
        data = json.loads(e.read(65536) or b"{}")
        detail = str(data.get("detail", "")) if isinstance(data, dict) else ""
    except (ValueError, OSError):
        detail = ""
    if e.code == 401:
        return Failed(f"the server refused the token ({detail or 'unauthenticated'}); pass "
                      f"--token or set SOVET_TOKEN to a token from your profile")
    return Failed(f"the server answered {e.code} for {url}: {detail or e.reason}")


def _open(request: urllib.request.Request) -> urllib.response.addinfourl:
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        raise _refusal(e, request.full_url) from None
    except urllib.error.URLError as e:
        raise Failed(f"cannot reach the server at {request.full_url}: {e.reason}") from None
    except (TimeoutError, OSError) as e:
        raise Failed(f"cannot reach the server at {request.full_url}: {e}") from None


def export_book(*, server: str, council: str, token: str | None, target: Path) -> str:
    """Download a council's book, verify it in full, then write it to `target`.

    Returns the verdict's sentence. Raises `Failed` when the server cannot be reached,
    refuses, or sends a book that does not verify (then nothing is written).
    """
    url = _api(server, f"/councils/{urllib.parse.quote(council, safe='')}/book")
    headers = {"Accept": "application/x-ndjson"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    target = target.expanduser()
    folder = target.resolve().parent
    if not folder.is_dir():
        raise Failed(f"cannot write {target}: the folder {folder} does not exist")
    with _open(urllib.request.Request(url, headers=headers)) as answer:
        head = answer.headers.get("X-Sovet-Book-Head")
        fd, tmp = tempfile.mkstemp(prefix=".sovet-export-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                while chunk := answer.read(CHUNK):
                    f.write(chunk)
            verdict = verify_file(tmp, head=head, full=True)
            if not verdict.ok:
                raise Failed(f"the downloaded book does not verify ({verdict}); nothing was "
                             f"written to {target}")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return str(verdict)


def import_book(*, server: str, source: Path, token: str | None) -> dict[str, object]:
    """Verify a book file here, then upload it; returns the server's answer (slug, acts, head).

    Raises `Failed` when the file does not verify, no token is given, or the server refuses.
    """
    verdict = verify_file(source, full=True)
    if not verdict.ok:
        raise Failed(f"{source} does not verify ({verdict}); it was not uploaded")
    if not token:
        raise Failed("importing needs a personal access token: pass --token or set "
                     "SOVET_TOKEN (make one on your profile on the server)")
    url = _api(server, "/councils/import")
    data = source.read_bytes()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/x-ndjson", "Authorization": f"Bearer {token}",
        "Accept": "application/json"})
    with _open(request) as answer:
        try:
            result = json.loads(answer.read())
        except ValueError:
            raise Failed(f"the server at {url} did not answer JSON; is it a Sovet server?"
                         ) from None
    if not isinstance(result, dict):
        raise Failed(f"the server at {url} answered something other than a council")
    return result


def export(
    address: Annotated[str | None, typer.Argument(
        help="The council's address, e.g. https://sovet.example.org/councils/bakers.")] = None,
    server: Annotated[str | None, typer.Option(help="The server, e.g. "
                                                    "https://sovet.example.org.")] = None,
    council: Annotated[str | None, typer.Option(help="The council's id.")] = None,
    token: Annotated[str | None, typer.Option(help=_TOKEN_HELP)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="The file to write (default: "
                                                     "<council>.book.jsonl).")] = None,
) -> None:
    """Download a council's book, verify it, and write it to a file."""
    try:
        if address is not None:
            if server is not None or council is not None:
                raise Failed("give either the council's address or --server and --council, "
                             "not both")
            server, council = split_address(address)
        if not server or not council:
            raise Failed("say which council: its address (sovet export https://host/councils/"
                         "ID), or --server URL --council ID")
        target = output or Path(f"{council}.book.jsonl")
        said = export_book(server=server, council=council, token=_token(token), target=target)
    except Failed as e:
        raise _fail(str(e)) from None
    out.print(f"{escape(said)}\nwrote {escape(str(target))}")


def import_(
    book: Annotated[Path, typer.Argument(help="The book file (JSONL) to upload.")],
    server: Annotated[str, typer.Option(help="The server, e.g. https://sovet.example.org.")],
    token: Annotated[str | None, typer.Option(help=_TOKEN_HELP)] = None,
) -> None:
    """Verify a book file, then upload it to a server, which makes the council from it."""
    try:
        made = import_book(server=server, source=book, token=_token(token))
    except Failed as e:
        raise _fail(str(e)) from None
    out.print(f"imported council {escape(str(made.get('slug')))} "
              f"({escape(str(made.get('name')))}): {made.get('acts')} acts, "
              f"book head {made.get('head')}")


def register(app: typer.Typer) -> None:
    """Add `export` and `import` to the `sovet` command."""
    app.command("export")(export)
    app.command("import")(import_)
