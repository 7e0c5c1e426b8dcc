"""Where the shared real-election data lives for the count tests, and how to read its figures.

The data is the steering repository's `../shared/data` (next to this repository). Tests that
need it skip, naming that folder, when it is not there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
REFERENCE = DATA / "reference"


def need(path: Path) -> Path:
    """Return `path`, or skip the test saying that ../shared/data is missing."""
    if not path.exists():
        pytest.skip(f"needs ../shared/data (the shared real-election data): {path} is missing")
    return path


def cases(method: str) -> list[Path]:
    """The expected-result files of the reference counts for `method`.

    Without the data, one path that does not exist, so the test runs once and skips by `need`.
    """
    if not REFERENCE.exists():
        return [REFERENCE / f"missing.{method}.json"]
    return sorted(p for p in REFERENCE.glob(f"*/*.{method}.json") if ".rounds." not in p.name)


def case_id(path: Path) -> str:
    """A short test id: folder/stem."""
    return f"{path.parent.name}/{path.name.split('.')[0]}"


def load(path: Path) -> dict[str, Any]:
    """Read one JSON file."""
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def fixed(text: str | None, scale: int) -> int:
    """A decimal string such as '1000.750000001' as an integer at `scale` (None counts as 0)."""
    if text is None:
        return 0
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("-").partition(".")
    places = len(str(scale)) - 1
    return sign * (int(whole) * scale + int((frac + "0" * places)[:places] or 0))
