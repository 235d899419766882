"""Shared fixtures: paths to test data, and the project's shared data folder (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    """Folder of small test inputs committed with the tests."""
    return FIXTURES


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; the test is skipped with a reason when it is not beside the checkout."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA
