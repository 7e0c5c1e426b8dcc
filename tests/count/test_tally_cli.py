"""`sovet tally`: tables, JSON, charts, the progress bar, and clear refusals (exit 2)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sovet.count import tally as tally_module
from sovet.count.cli import app
from sovet.count.result import Result, result_from_json

runner = CliRunner()

# 3 candidates, 2 seats; names as a council spells them (a double space, a trailing space).
ELECTION = """3 2
4 1 2 0
3 2 3 0
2 3 1 0
1 3 0
0
"Ann  Lee "
"Bo Kim"
"Cy Ray"
"Ward 1"
"""


@pytest.fixture()
def blt(tmp_path: Path) -> Path:
    path = tmp_path / "ward.blt"
    path.write_text(ELECTION)
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_the_stages_are_printed_as_a_table(blt: Path) -> None:
    code, out, _ = run(blt, "--method", "irv", "--seats", "1")
    assert code == 0
    assert "Instant-runoff · 1 seat" in out
    assert "first prefs" in out and "excl. Cy Ray" in out
    assert "elected: Ann  Lee" in out
    assert "non-transferable" in out and "majority" in out


def test_json_prints_the_record_with_the_names_as_the_file_spells_them(blt: Path) -> None:
    code, out, _ = run(blt, "--method", "irv", "--seats", "1", "--json", "--seed", "7")
    assert code == 0
    record = json.loads(out)
    assert record["elected"] == ["Ann  Lee "]
    assert record["seed"] == 7
    result = result_from_json(record)
    assert isinstance(result, Result) and result.method == "irv"
    assert result.rounds[0].votes == (4, 3, 3)


def test_seats_default_to_the_header_and_can_be_overridden(blt: Path) -> None:
    _, out, _ = run(blt, "--method", "approval", "--json")
    assert len(json.loads(out)["elected"]) == 2
    _, out, _ = run(blt, "--method", "approval", "--seats", "1", "--json")
    assert json.loads(out)["elected"] == ["Bo Kim"]  # approved on 4 + 3 ballots


def test_scottish_stv_is_the_default_method(blt: Path) -> None:
    code, out, _ = run(blt, "--json")
    assert code == 0
    record = json.loads(out)
    assert record["method"] == "scottish-stv" and record["seats"] == 2
    assert len(record["elected"]) == 2


def test_meek_counts_the_file(blt: Path) -> None:
    code, out, _ = run(blt, "-m", "meek", "--json")
    assert code == 0
    assert len(json.loads(out)["elected"]) == 2


def test_schulze_prints_the_ranking_and_the_strongest_paths(blt: Path) -> None:
    code, out, _ = run(blt, "-m", "schulze", "--seats", "1")
    assert code == 0
    assert "Schulze ranking" in out and "Strongest paths" in out
    code, out, _ = run(blt, "-m", "schulze", "--seats", "1", "--json")
    record = json.loads(out)
    assert len(record["matrix"]) == 3 and record["ranking"]


def test_the_default_seed_comes_from_the_file(blt: Path) -> None:
    _, out, _ = run(blt, "-m", "irv", "--seats", "1", "--json")
    assert json.loads(out)["seed"] == tally_module.file_seed(blt)
    _, again, _ = run(blt, "-m", "irv", "--seats", "1", "--json")
    assert again == out


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_chart_is_drawn(blt: Path, tmp_path: Path, suffix: str) -> None:
    chart = tmp_path / f"count{suffix}"
    code, out, _ = run(blt, "--chart", chart)
    assert code == 0 and "Chart written" in out
    data = chart.read_bytes()
    if suffix == ".svg":
        assert b"<svg" in data[:2000] and b"Ann" in data
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_a_missing_file_is_refused_with_exit_2(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nowhere.blt")
    assert code == 2
    assert "no ballot file at" in err


def test_a_bad_blt_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.blt"
    bad.write_text("3 1\n1 1 2 0\n2 1 x 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n")
    code, _, err = run(bad)
    assert code == 2
    assert "line 3" in err


def test_an_unknown_method_is_refused_with_exit_2(blt: Path) -> None:
    code, out, err = run(blt, "--method", "borda")
    assert code == 2
    assert "borda" in out + err


def test_irv_on_a_multi_seat_file_points_to_stv(blt: Path) -> None:
    code, _, err = run(blt, "--method", "irv")
    assert code == 2
    assert "fills exactly one seat" in err and "STV" in err


def test_a_chart_of_an_unknown_type_is_refused(blt: Path, tmp_path: Path) -> None:
    code, _, err = run(blt, "--chart", tmp_path / "count.gif")
    assert code == 2
    assert ".svg or .png" in err


def test_bad_seats_are_refused(blt: Path) -> None:
    code, _, err = run(blt, "--seats", "0")
    assert code == 2 and "at least 1" in err


def test_a_long_count_shows_a_progress_bar_and_a_short_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tally_module, "PROGRESS_AFTER", 0.05)

    def slow() -> Result:
        time.sleep(0.4)
        return Result("irv", ("A",), 1, (0,), ())

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    result = tally_module._with_progress(slow, "Counting ward.blt", console)
    assert result.elected == (0,)
    assert "Counting ward.blt" in screen.getvalue()

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    tally_module._with_progress(lambda: Result("irv", ("A",), 1, (0,), ()), "Quick", console)
    assert "Quick" not in screen.getvalue()


def test_an_error_inside_the_count_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Result:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        tally_module._with_progress(broken, "x", Console(file=io.StringIO()))
