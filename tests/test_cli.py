"""The `sovet` command: demo, verify, replay, close-due, rebuild, as a person at a terminal
would use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovet.cli import app
from sovet.core.charter import Charter
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council
from sovet.web.councils import services
from sovet.web.councils.models import Membership
from sovet.web.councils.selectors import council_state, council_state_forget

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.jsonl"
    result = runner.invoke(app, ["demo", "--book", str(path)])
    assert result.exit_code == 0, result.output
    return path


def head_of(book: Path) -> str:
    last = book.read_bytes().splitlines()[-1]
    return last[-len(b'","prev":"') - 64 - 2 - 64 : -len(b'","prev":"') - 64 - 2].decode()


def test_demo_writes_a_book_that_verifies(demo_book: Path) -> None:
    result = runner.invoke(app, ["verify", str(demo_book)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    assert head_of(demo_book) in result.output


def test_demo_book_is_the_same_on_every_run(demo_book: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    runner.invoke(app, ["demo", "--book", str(again)])
    assert again.read_bytes() == demo_book.read_bytes()


def test_demo_with_a_book_names_the_head_it_wrote(demo_book: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--book", str(tmp_path / "d.jsonl")])
    assert result.exit_code == 0, result.output
    assert f"head {head_of(demo_book)}" in result.output


def test_replay_prints_members_offices_parties(demo_book: Path) -> None:
    result = runner.invoke(app, ["replay", str(demo_book)])
    assert result.exit_code == 0, result.output
    for title in ("Members", "Offices", "Parties"):
        assert title in result.output
    assert f"book head {head_of(demo_book)}" in result.output


def test_verify_names_the_first_changed_act(demo_book: Path, tmp_path: Path) -> None:
    lines = demo_book.read_bytes().splitlines(keepends=True)
    lines[9] = lines[9].replace(b'"at":"2026', b'"at":"2025', 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines))
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 1
    assert "act 10" in result.output


def test_verify_with_a_head_refuses_a_cut_book(demo_book: Path, tmp_path: Path) -> None:
    head = head_of(demo_book)
    lines = demo_book.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:-3]))
    assert runner.invoke(app, ["verify", str(cut)]).exit_code == 0
    result = runner.invoke(app, ["verify", str(cut), "--head", head])
    assert result.exit_code == 1
    assert head[:12] in result.output or "head" in result.output


def test_a_missing_book_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    for command in ("verify", "replay"):
        result = runner.invoke(app, [command, str(tmp_path / "nope.jsonl")])
        assert result.exit_code == 2, result.output
        assert "cannot read the book" in result.output
        assert "Traceback" not in result.output


def test_replay_refuses_a_broken_book_naming_the_act(demo_book: Path, tmp_path: Path) -> None:
    lines = demo_book.read_bytes().splitlines(keepends=True)
    del lines[4]
    bad = tmp_path / "gap.jsonl"
    bad.write_bytes(b"".join(lines))
    result = runner.invoke(app, ["replay", str(bad)])
    assert result.exit_code == 2
    assert "act 5" in result.output


# --- the site's commands: demo (the served site), close-due, rebuild ----------------------


def test_demo_refuses_to_overwrite_a_database_that_is_not_the_demos(tmp_path: Path) -> None:
    (tmp_path / "sovet.sqlite3").write_bytes(b"a council's real database")
    result = runner.invoke(app, ["demo", "--data", str(tmp_path), "--no-serve"])
    assert result.exit_code == 2, result.output
    assert "not the demo's" in result.output and "--data" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "sovet.sqlite3").read_bytes() == b"a council's real database"


def test_demo_builds_the_site_prints_logins_and_rebuilds_on_a_second_run(tmp_path: Path) -> None:
    """In a fresh process, as `bash scripts/demo` runs it (settings load from SOVET_DATA)."""
    data = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("SOVET_DATA", "DATABASE_URL")}
    command = [sys.executable, "-m", "sovet.cli", "demo", "--data", str(data), "--no-serve"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Built the demo" in first.stdout
    assert "password is sovet-demo" in first.stdout
    assert re.search(r"^  ana +founder", first.stdout, re.M)
    seconds = float(re.search(r"Built the demo in ([0-9.]+) s", first.stdout)[1])  # type: ignore[index]
    assert seconds < 15
    assert (data / "sovet.sqlite3").exists() and (data / "sovet-demo.txt").exists()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr  # its own folder: rebuilt, not refused


def _small_council(at_day: int) -> Council:
    """A council of three founders with a resolution whose ballot closed long ago."""
    people = {u: Person.objects.create_user(u, None, display_name=u.title())
              for u in ("ana", "bo", "cy")}
    council: Council = services.council_found(person=people["ana"], slug="bakers", name="Bakers",
                                              cofounders=("bo", "cy"), charter=Charter(),
                                              at=T0)
    for i, who in enumerate(("bo", "cy"), 1):
        services.founding_confirm(person=people[who], council_id=council.pk,
                                  at=T0 + timedelta(hours=i))
    number = services.motion_move(person=people["ana"], council_id=council.pk,
                                  kind="resolution", text="Bread for the pickets",
                                  at=T0 + timedelta(days=at_day))
    services.motion_second(person=people["bo"], council_id=council.pk, motion_id=number,
                           at=T0 + timedelta(days=at_day))
    for who in ("ana", "bo"):
        services.motion_vote(person=people[who], council_id=council.pk, motion_id=number,
                             choice="yes", at=T0 + timedelta(days=at_day + 1))
    council.refresh_from_db()
    return council


@pytest.fixture
def _cold_cache() -> Iterator[None]:
    council_state_forget()
    yield
    council_state_forget()


@pytest.mark.django_db
def test_close_due_with_no_council_says_so() -> None:
    result = runner.invoke(app, ["close-due"])
    assert result.exit_code == 0, result.output
    assert "nothing to close" in result.output


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_close_due_closes_every_due_motion_and_names_it() -> None:
    council = _small_council(at_day=1)
    assert council_state(council).motions[1].status == "open"
    result = runner.invoke(app, ["close-due"])
    assert result.exit_code == 0, result.output
    assert "bakers: motions closed: 1" in result.output
    council.refresh_from_db()
    assert council_state(council).motions[1].status == "carried"
    again = runner.invoke(app, ["close-due"])
    assert "bakers: motions closed: none" in again.output


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_rebuild_projects_the_tables_again_from_the_books() -> None:
    council = _small_council(at_day=1)
    before = set(Membership.objects.values_list("person", "status"))
    Membership.objects.all().delete()
    result = runner.invoke(app, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert f"bakers: rebuilt from {council.head_seq} acts" in result.output
    assert set(Membership.objects.values_list("person", "status")) == before
    assert before == {("ana", "member"), ("bo", "member"), ("cy", "member")}


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_rebuild_names_a_broken_book_and_leaves_its_tables_alone() -> None:
    council = _small_council(at_day=1)
    act = Act.objects.get(council=council, seq=2)
    changed = bytes(act.body).replace(b'"at":"2026', b'"at":"2025', 1)
    assert changed != bytes(act.body)
    act.body = changed
    act.save()
    Membership.objects.filter(person="cy").delete()
    kept = set(Membership.objects.values_list("person", "status"))
    result = runner.invoke(app, ["rebuild"])
    assert result.exit_code == 1
    assert "bakers: not rebuilt" in result.output and "act 2" in result.output
    assert "Traceback" not in result.output
    assert set(Membership.objects.values_list("person", "status")) == kept


@pytest.mark.django_db
def test_rebuild_with_no_council_says_so() -> None:
    result = runner.invoke(app, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "nothing to rebuild" in result.output


# --- verify --council: a council's book as the server stores it -----------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_verify_council_checks_the_stored_book_to_its_head() -> None:
    council = _small_council(at_day=1)
    result = runner.invoke(app, ["verify", "--council", "bakers"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok: {council.head_seq} acts, head {council.head_hash}")


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_verify_council_names_an_act_changed_in_the_database() -> None:
    council = _small_council(at_day=1)
    act = Act.objects.get(council=council, seq=3)
    act.body = bytes(act.body).replace(b'"at":"2026', b'"at":"2025', 1)
    act.save()
    result = runner.invoke(app, ["verify", "--council", "bakers"])
    assert result.exit_code == 1
    assert result.output.startswith("broken: act 3: its hash does not match its content")
    assert "Traceback" not in result.output


@pytest.mark.django_db
@pytest.mark.usefixtures("_cold_cache")
def test_verify_council_with_a_saved_head_refuses_a_cut_book() -> None:
    council = _small_council(at_day=1)
    saved, keep = council.head_hash, council.head_seq - 2
    assert runner.invoke(app, ["verify", "--council", "bakers", "--head", saved]).exit_code == 0
    Act.objects.filter(council=council, seq__gt=keep).delete()
    Council.objects.filter(pk=council.pk).update(
        head_seq=keep, head_hash=Act.objects.get(council=council, seq=keep).hash)
    assert runner.invoke(app, ["verify", "--council", "bakers"]).exit_code == 0
    result = runner.invoke(app, ["verify", "--council", "bakers", "--head", saved])
    assert result.exit_code == 1
    assert "does not reach the witnessed head" in result.output


@pytest.mark.django_db
def test_verify_council_names_a_council_that_is_not_there() -> None:
    result = runner.invoke(app, ["verify", "--council", "nobody"])
    assert result.exit_code == 2
    assert "there is no council 'nobody' on this server" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], ["book.jsonl", "--council", "bakers"]])
def test_verify_takes_a_book_file_or_a_council_but_not_both(args: list[str]) -> None:
    result = runner.invoke(app, ["verify", *args])
    assert result.exit_code == 2
    assert "give a book file or --council ID" in result.output
    assert "Traceback" not in result.output
