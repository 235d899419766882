"""The concurrent-writers load, short: the real app served by waitress, 30 clients for a few seconds.

The same phase as ``bench/load.py`` (its writers phase, run here on the test app's mini scenario, on
SQLite and PostgreSQL): clients create equipment records and update each with the version they were
given, while rounds of clients save one shared record with the same version. No answer may be a 5xx or
missing, every acknowledged write must be stored exactly once with its last acknowledged content, and
each round must have exactly one 200.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from waitress.server import create_server

from bench.load import App, writers_phase
from tests.conftest import USERS

WRITERS = 30
SECONDS = 4.0


@pytest.fixture
def served(app: object, users: dict[str, str]) -> Iterator[App]:
    """The test app served by waitress (as ``python -m web`` serves it) on a free port, in a thread."""
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield App(server.effective_port, USERS["admin"], scenario="mini")  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=10)


def test_thirty_writers_get_no_5xx_and_every_acknowledged_write_is_stored_once(served: App) -> None:
    figures = writers_phase(served, WRITERS, SECONDS)
    assert figures["writers.acknowledged"] > WRITERS, figures  # the load did write
    assert figures["writers.5xx"] == 0 and figures["writers.no_answer"] == 0, figures
    assert figures["writers.lost_writes"] == 0 and figures["writers.duplicates"] == 0, figures
    assert figures["writers.rounds"] >= 1, figures
    assert figures["writers.rounds_not_one_winner"] == 0 and figures["writers.lost_updates"] == 0, figures
    assert figures["writers.rounds_wrong_content"] == 0, figures
