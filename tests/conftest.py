from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "jixiao" / "samples"
SEED_2024 = SAMPLES / "shanghai-redcross-2024-targets.txt"
SEED_2020 = SAMPLES / "shanghai-redcross-affairs-center-2020-targets.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def write(tmp_path: Path):
    """Write ``text`` (or bytes) to a file in a temporary folder and return its path."""

    def _write(text: str | bytes, name: str = "form.txt") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def expected_seeds() -> dict:
    """The hand-made answer key of both seeds (tests/fixtures/seeds_expected.json)."""
    return json.loads((FIXTURES / "seeds_expected.json").read_text(encoding="utf-8"))
