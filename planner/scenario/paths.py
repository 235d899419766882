"""Where scenario folders are: the shipped library's folder and names, and a name or path as a folder.

Standard library only (with ``planner.errors``), so the CLI names the shipped scenarios in its ``--help``
without loading the records; :mod:`planner.scenario.files` reads and writes the folders.
"""

from __future__ import annotations

from pathlib import Path

from planner.errors import InputError
from planner.settings import PROJECT_DIR

SCENARIOS_DIR = PROJECT_DIR / "scenarios"
"""The shipped scenario library."""


def scenario_path(name_or_path: str | Path) -> Path:
    """Return a scenario folder from a path, or from a name in the shipped library."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    candidate = SCENARIOS_DIR / str(name_or_path)
    if candidate.is_dir():
        return candidate
    raise InputError(f"no scenario folder {name_or_path!r} (library: {', '.join(library_names())})",
                     field="scenario")


def library_names() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/``."""
    return sorted(p.name for p in SCENARIOS_DIR.iterdir() if (p / "scenario.yaml").is_file())
