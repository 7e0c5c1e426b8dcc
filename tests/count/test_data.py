"""Every ballot file in ../shared/data is read (a ballot ranking equally is refused clearly)."""

from __future__ import annotations

from pathlib import Path

import pytest
from data import DATA, REFERENCE, load, need

from sovet.count.blt import BltError, read_blt


def ballot_files() -> list[Path]:
    if not DATA.exists():
        return [DATA / "missing.blt"]
    return sorted([*DATA.glob("**/*.blt"), *DATA.glob("edinburgh-2017/*.csv")])


def ranks_equally(path: Path) -> bool:
    """Whether the file's ballots rank candidates equally ('a=b'), as the data declares."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "0")
    return any("=" in line for line in lines[1:end])


@pytest.mark.parametrize("path", ballot_files(), ids=lambda p: str(p.relative_to(DATA))
                         if p.is_relative_to(DATA) else p.name)
def test_every_file_is_read_or_refused_for_equal_rankings(path: Path) -> None:
    need(path)
    if ranks_equally(path):
        with pytest.raises(BltError, match=r"^line \d+: '.*=.*' ranks candidates equally"):
            read_blt(path)
        return
    profile = read_blt(path)
    assert len(profile.candidates) >= profile.seats >= 1
    assert profile.total > 0
    assert profile.rankings.shape[0] == profile.weights.shape[0]
    assert int(profile.rankings.max()) < len(profile.candidates)
    assert all(name.strip() for name in profile.candidates), "every candidate has a name"
    assert profile.title.strip(), "every file here has a title"


def test_the_declared_equal_ranking_cases_are_exactly_the_refused_ones() -> None:
    need(REFERENCE)
    for expected in REFERENCE.glob("*/*.json"):
        if ".rounds." in expected.name or "file" not in (case := load(expected)):
            continue
        if case.get("equal_rankings"):
            assert ranks_equally(expected.parent / case["file"]), expected.name


def test_reference_candidates_are_read_exactly_as_named() -> None:
    # Names with repeated or trailing spaces must survive, since results name candidates.
    need(REFERENCE)
    for expected in REFERENCE.glob("*/*.json"):
        if ".rounds." in expected.name:
            continue
        case = load(expected)
        if case.get("equal_rankings") or "candidates" not in case or "file" not in case:
            continue
        profile = read_blt(expected.parent / case["file"])
        assert list(profile.candidates) == case["candidates"], expected.name
        withdrawn = {profile.candidates[c] for c in profile.withdrawn}
        assert withdrawn == set(case.get("withdrawn", [])), expected.name


def test_edinburgh_files_keep_their_padded_lines_out_of_the_names() -> None:
    ward = need(DATA / "edinburgh-2017" / "ward_1_-_almond_-_preference_profile_report.csv")
    profile = read_blt(ward)
    assert profile.title == "Ward 1 - Almond"
    assert "Kevin  LANG" in profile.candidates  # two spaces, as the council's file has it
    assert (profile.seats, len(profile.candidates), profile.total) == (4, 10, 14207)
