"""``jobs run`` and ``jobs list``: the background-job runner as a process of its own, and the recent jobs.

``python -m planner jobs run`` runs the jobs that web processes (started with
``PLANNER_JOB_RUNNER=external``, e.g. several gunicorn workers) queue in the same database: it recovers
the jobs of runners that stopped, then runs queued jobs in worker processes until SIGTERM or Ctrl+C,
when it ends the running ones and marks them interrupted (see :mod:`planner.jobs.runner`). Several
runner processes, on one machine or several, may share one database: each job is claimed by one.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from planner.cli.output import print_table
from planner.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``jobs`` command and its sub-commands."""
    parser = subparsers.add_parser("jobs", help="run background jobs in a process of their own; list jobs",
                                   description="Run the background jobs web processes queue, or list recent jobs.")
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run queued jobs until stopped (SIGTERM or Ctrl+C)",
                         description="Run the jobs queued in the database (DATABASE_URL) in worker processes "
                                     "until SIGTERM or Ctrl+C; recover the jobs of runners that stopped.")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help="jobs run at once (default: PLANNER_JOB_WORKERS, else 2)")
    run.add_argument("--time-limit", type=float, default=None, metavar="S", dest="time_limit_s",
                     help="longest a job may run, seconds (default: PLANNER_JOB_TIME_LIMIT_S, else 3600)")
    run.add_argument("--stale", type=float, default=None, metavar="S", dest="stale_s",
                     help="seconds without a heartbeat after which a running job counts as interrupted "
                          "(default: PLANNER_JOB_STALE_S, else 30)")
    run.set_defaults(handler=run_jobs)
    listed = sub.add_parser("list", help="recent jobs, newest first")
    listed.add_argument("--scenario", default=None, metavar="NAME")
    listed.add_argument("--limit", type=int, default=20, metavar="N")
    listed.set_defaults(handler=list_jobs)


def run_jobs(args: argparse.Namespace) -> int:
    """Run queued jobs until SIGTERM or SIGINT."""
    import planner.jobs.kinds  # noqa: F401  (registers the job kinds)
    from planner.jobs.runner import JobRunner
    from planner.store.database import Store

    for name in ("workers", "time_limit_s", "stale_s"):
        value = getattr(args, name)
        if value is not None and not 0 < value < float("inf"):
            raise InputError(f"--{name.removesuffix('_s').replace('_', '-')} must be a positive number", field=name)
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    runner = JobRunner(Store(), workers=args.workers, time_limit_s=args.time_limit_s, stale_s=args.stale_s).start()
    print(f"job runner {runner.owner}: {runner.workers} workers on {runner.store.engine.url!r}; "
          "SIGTERM or Ctrl+C stops it", flush=True)
    while not stop.wait(1.0):
        pass
    runner.shutdown()
    print("job runner stopped", flush=True)
    return 0


def list_jobs(args: argparse.Namespace) -> int:
    """Print recent jobs."""
    from planner.jobs.runner import JobQueue
    from planner.store.database import Store

    jobs = JobQueue(Store()).list(scenario=args.scenario, limit=args.limit)
    print_table(("id", "kind", "scenario", "status", "progress", "message", "created"),
                [(j["id"], j["kind"], j["scenario"], j["status"], f"{j['progress']:.0%}", j["message"][:60],
                  j["created_at"]) for j in jobs])
    return 0
