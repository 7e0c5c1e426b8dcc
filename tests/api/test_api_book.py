"""Export and import: a council's book goes out through the API (and `sovet export`), is
verified, and comes back in as the same council (`POST /api/v1/councils/import`, `sovet
import`); a broken book, a taken id, an outsider or an open secret ballot are refused, and
nothing is written."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apicast import Api, body
from councilcast import World
from typer.testing import CliRunner

from sovet.api.tokens import token_create
from sovet.cli import app
from sovet.core.book import verify
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.books.selectors import book_export
from sovet.web.councils.models import Membership
from sovet.web.councils.selectors import council_state, council_state_forget

ApiAs = Callable[[Person | None], Api]


def upload(api: Api, data: bytes) -> Any:
    """POST a book to the import endpoint as the API client's person."""
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    return api.client.post("/api/v1/councils/import", data=data,
                           content_type="application/x-ndjson", headers=headers)


def move_aside(slug: str) -> Council:
    """Rename a council, so its book can come back in under its own id."""
    Council.objects.filter(slug=slug).update(slug=f"{slug}-before")
    council: Council = Council.objects.get(slug=f"{slug}-before")
    return council


def memberships(council: Council) -> set[tuple[str, str]]:
    return set(Membership.objects.filter(council=council).values_list("person", "status"))


def downloaded(slug: str) -> bytes:
    answer = Api().get(f"/councils/{slug}/book")
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


@pytest.mark.django_db
def test_export_verify_import_gives_the_same_council(world: World, api_as: ApiAs) -> None:
    data = downloaded("bakers")
    assert verify(data.splitlines(keepends=True), full=True).ok
    original = move_aside("bakers")
    made = upload(api_as(world["ana"]), data)
    assert made.status_code == 201, made.content
    answer = body(made)
    assert answer == {"slug": "bakers", "name": "Bakers", "acts": original.head_seq,
                      "head": original.head_hash}
    imported = Council.objects.get(slug="bakers")
    assert book_export(imported) == data  # byte for byte
    council_state_forget()
    assert council_state(imported) == council_state(original)
    assert memberships(imported) == memberships(original)
    # The imported council is live: its members act on it through the same services.
    tabled = api_as(world["bo"]).post("/councils/bakers/motions", {"kind": "resolution",
                                                                    "text": "Back home"})
    assert tabled.status_code == 201
    assert verify(downloaded("bakers").splitlines(keepends=True), full=True).ok


@pytest.mark.django_db
def test_a_broken_book_is_refused_naming_its_first_bad_act(world: World, api_as: ApiAs) -> None:
    lines = downloaded("bakers").splitlines(keepends=True)
    move_aside("bakers")
    tampered = list(lines)
    tampered[4] = tampered[4].replace(b'"at":"2026-03-02T11', b'"at":"2026-03-02T12', 1)
    assert tampered[4] != lines[4]
    answer = upload(api_as(world["ana"]), b"".join(tampered))
    assert answer.status_code == 409 and body(answer)["error"] == "broken_book"
    assert "act 5" in body(answer)["detail"] and "nothing was imported" in body(answer)["detail"]
    cut = upload(api_as(world["ana"]), b"".join(lines[:3] + lines[4:]))
    assert body(cut)["error"] == "broken_book" and "act 4" in body(cut)["detail"]
    for junk in (b"", b"hello\n", b'{"act": 1}\n'):
        assert body(upload(api_as(world["ana"]), junk))["error"] == "broken_book"
    assert not Council.objects.filter(slug="bakers").exists()


@pytest.mark.django_db
def test_a_taken_id_an_outsider_and_no_token_are_refused(world: World, api_as: ApiAs) -> None:
    data = downloaded("bakers")
    taken = upload(api_as(world["ana"]), data)
    assert taken.status_code == 409 and body(taken)["error"] == "council_id_taken"
    before = Act.objects.count()
    move_aside("bakers")
    outsider = upload(api_as(world["eve"]), data)  # a member of tanners, not of bakers
    assert outsider.status_code == 403 and body(outsider)["error"] == "not_a_member"
    expelled = upload(api_as(world["fay"]), data)
    assert expelled.status_code == 403
    assert upload(Api(), data).status_code == 401
    assert Act.objects.count() == before and not Council.objects.filter(slug="bakers").exists()


@pytest.mark.django_db
def test_a_book_with_an_open_secret_ballot_is_refused(world: World, api_as: ApiAs) -> None:
    api_as(world["hal"]).post("/councils/bakers/apply", {})
    for who in ("ana", "bo"):
        api_as(world[who]).post("/councils/bakers/applicants/hal/sponsor")
    data = downloaded("bakers")
    move_aside("bakers")
    answer = upload(api_as(world["ana"]), data)
    assert answer.status_code == 409 and body(answer)["error"] == "wrong_state"
    assert "secret ballot still open" in body(answer)["detail"]


@pytest.mark.django_db
def test_an_imported_council_does_not_pretend_to_have_its_sealed_lists(
        make_person: Callable[..., Person], api_as: ApiAs) -> None:
    from django.utils import timezone
    from electioncast import MEMBERS, found_printers

    people = {who: make_person(who, who.title()) for who in MEMBERS}
    council = found_printers(people, timezone.now())
    legalization = next(n for n, m in council_state(council).motions.items()
                        if m.kind == "party_legalization")
    path = f"/councils/printers/motions/{legalization}/ballots"
    assert len(body(Api().get(path))["ballots"]) == 5
    data = downloaded("printers")
    move_aside("printers")
    assert upload(api_as(people["ana"]), data).status_code == 201
    answer = Api().get(path)
    assert answer.status_code == 404 and "imported from its book" in body(answer)["detail"]
    assert body(Api().get(f"/councils/printers/motions/{legalization}"))["published"] is True


# The command line, against a live server ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.django_db(transaction=True)
def test_sovet_export_and_import_through_a_live_server(
        world: World, live_server: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    url = live_server.url
    target = tmp_path / "bakers.jsonl"
    done = runner.invoke(app, ["export", f"{url}/councils/bakers", "-o", str(target)])
    assert done.exit_code == 0, done.output
    original = Council.objects.get(slug="bakers")
    assert target.read_bytes() == book_export(original)
    assert f"head {original.head_hash}" in done.output and "wrote" in done.output
    # The other spelling: --server and --council.
    other = tmp_path / "again.jsonl"
    done = runner.invoke(app, ["export", "--server", url, "--council", "bakers", "-o",
                               str(other)])
    assert done.exit_code == 0 and other.read_bytes() == target.read_bytes()

    original = move_aside("bakers")
    token = token_create(person=world["ana"], name="cli")[1]
    done = runner.invoke(app, ["import", str(target), "--server", url],
                         env={"SOVET_TOKEN": token})
    assert done.exit_code == 0, done.output
    assert f"imported council bakers (Bakers): {original.head_seq} acts" in done.output
    imported = Council.objects.get(slug="bakers")
    council_state_forget()
    assert council_state(imported) == council_state(original)
    assert book_export(imported) == target.read_bytes()

    # The server refuses a second import, and the command prints its sentence.
    done = runner.invoke(app, ["import", str(target), "--server", url, "--token", token])
    assert done.exit_code == 2 and "already exists" in done.output
    assert "Traceback" not in done.output


@pytest.mark.django_db(transaction=True)
def test_sovet_export_and_import_fail_in_a_sentence(
        world: World, live_server: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    url = live_server.url
    nowhere = f"http://127.0.0.1:{_free_port()}"
    target = tmp_path / "b.jsonl"
    cases = [
        (["export", f"{nowhere}/councils/bakers", "-o", str(target)], "cannot reach the server"),
        (["export", f"{url}/councils/nobody", "-o", str(target)], "no council 'nobody'"),
        (["export", "bakers"], "is not a council's address"),
        (["export"], "say which council"),
        (["export", f"{url}/councils/bakers", "-o", str(tmp_path / "no" / "x.jsonl")],
         "does not exist"),
    ]
    for args, words in cases:
        done = runner.invoke(app, args)
        assert done.exit_code == 2, (args, done.output)
        assert words in done.output and "Traceback" not in done.output, (args, done.output)
    assert not target.exists()

    runner.invoke(app, ["export", f"{url}/councils/bakers", "-o", str(target)])
    assert target.exists()
    done = runner.invoke(app, ["import", str(target), "--server", url, "--token", "sovet_bad"])
    assert done.exit_code == 2 and "refused the token" in done.output
    done = runner.invoke(app, ["import", str(target), "--server", url], env={"SOVET_TOKEN": ""})
    assert done.exit_code == 2 and "needs a personal access token" in done.output
    done = runner.invoke(app, ["import", str(target), "--server", url, "--token", "sovet_a\nb"])
    assert done.exit_code == 2 and "line break" in done.output, done.output
    assert "Traceback" not in done.output
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(target.read_bytes().replace(b'"bo"', b'"eve"', 1))
    done = runner.invoke(app, ["import", str(broken), "--server", url, "--token", "sovet_x"])
    assert done.exit_code == 2 and "does not verify" in done.output
    assert "was not uploaded" in done.output
