"""One job in its own worker process: the runner starts it, watches it and can end it at any moment.

The process leads its own process group (so the runner's kill also ends what the job started: a
sweep's local worker processes, a local Dask cluster) and holds one end of a pipe to the runner. It
sends ``("progress", fraction, message)`` while it works and one last ``("done", result)`` or
``("failed", message, error)``; it writes nothing to the database, so whatever happens to it, no part of
a result is ever stored: the runner stores the outcome in one conditional statement. A watcher thread
ends the process group as soon as the runner's end of the pipe closes, so a job never outlives the
runner that owns it (a runner killed with SIGKILL leaves no job behind).
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any

from planner.errors import PlannerError
from planner.jobs.registry import JOB_KINDS
from planner.store.database import Store
from planner.store.settings import StoredDocuments

log = logging.getLogger(__name__)


def run_job(connection: Connection, url: str, module: str, kind: str, scenario_name: str,
            params: dict[str, Any]) -> None:
    """Run one job and report to the runner through ``connection`` (the target of the worker process)."""
    os.setsid()  # its own process group: the runner ends the job and all it started with one killpg
    threading.Thread(target=_end_with_runner, args=(connection,), daemon=True, name="job-lifeline").start()
    store = None
    try:
        importlib.import_module(module)  # registers the kind (the product's kinds, or a test's)
        job = JOB_KINDS[kind]
        store = Store(url)
        scenario = store.load_scenario(scenario_name)

        def progress(fraction: float, message: str) -> None:
            connection.send(("progress", max(0.0, min(1.0, float(fraction))), str(message)[:500]))

        result = job.run(scenario, StoredDocuments(store, scenario_name), job.params.model_validate(params),
                         progress)
        connection.send(("done", result))
    except PlannerError as error:
        connection.send(("failed", str(error), str(error)))
    except Exception as error:  # a bug in a job is recorded with the job, and logged where the runner logs
        log.exception("job kind %s failed", kind)
        connection.send(("failed", "internal error", f"{type(error).__name__}: {error}"))
    finally:
        if store is not None:
            store.close()
        connection.close()


def _end_with_runner(connection: Connection) -> None:
    """Wait for the runner's end of the pipe to close (the runner never sends): then end the whole job."""
    try:
        connection.poll(None)  # readable only at end of file: the runner is gone
    except OSError:
        pass
    if connection.closed:  # this process closed it itself: the job is over
        return
    os.killpg(os.getpgid(0), signal.SIGKILL)
