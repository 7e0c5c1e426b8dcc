"""The `sovet` command: demo, verify, replay, as a person at a terminal would use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovet.cli import app

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


def test_plain_demo_prints_the_state_and_the_head(demo_book: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Members" in result.output and "Offices" in result.output
    assert f"book head {head_of(demo_book)}" in result.output


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
