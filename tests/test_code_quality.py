"""The code base stays clean under ruff and mypy (configured in pyproject.toml, pinned in requirements-dev.txt).

ruff checks planner/, geodata/, web/, tests/ and bench/; mypy checks planner/ and geodata/. Both run as
``python -m`` of the interpreter running the tests, so the pinned versions in the venv are the ones used.
mypy keeps its incremental cache under .cache/ (git-ignored), so a re-run takes a few seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUFF_PATHS = ("planner", "geodata", "web", "tests", "bench")
MYPY_PACKAGES = ("planner", "geodata")

# Paths left out while parallel work rewrites them (globs relative to the project root); empty when all
# of the code is checked, which is the normal state.
NOT_YET_CHECKED: tuple[str, ...] = ()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def _mypy_exclude_regex(pattern: str) -> str:
    """Turn one NOT_YET_CHECKED glob into a mypy ``--exclude`` regular expression on the file path."""
    regex = re.escape(pattern.rstrip("/")).replace(r"\*", "[^/]*")
    return f"^{regex}/" if pattern.endswith("/") else f"^{regex}$"


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", *RUFF_PATHS, "--force-exclude", "--extend-exclude", ",".join(NOT_YET_CHECKED),
                  "--cache-dir", str(ROOT / ".cache" / "ruff"), "--output-format", "concise")
    assert result.returncode == 0, _report(result)


def test_mypy_finds_nothing() -> None:
    mine = [p for p in NOT_YET_CHECKED if p.split("/")[0] in MYPY_PACKAGES]
    excludes = [arg for p in mine for arg in ("--exclude", _mypy_exclude_regex(p))]
    # Excluded modules are still followed through imports, silently: only the checked files report errors.
    result = _run("mypy", *MYPY_PACKAGES, *excludes, "--follow-imports", "silent",
                  "--cache-dir", str(ROOT / ".cache" / "mypy"))
    assert result.returncode == 0, _report(result)


def test_every_exclusion_names_an_existing_path() -> None:
    stale = [p for p in NOT_YET_CHECKED if not list(ROOT.glob(p.rstrip("/")))]
    assert not stale, f"{stale} match nothing: drop them from NOT_YET_CHECKED"
