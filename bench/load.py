"""Load test of the real app over loopback: concurrent writers, read load, and mixed load with dispatch solves.

The app is started the way ``make run`` serves it (``python -m planner init --if-empty``, then
``python -m web``: waitress) in a subprocess on a free port, with a temporary instance folder and the
shipped scenarios loaded, and driven by threads that each hold one keep-alive HTTP connection and sign
in with HTTP Basic credentials. Three phases, each bounded in time:

- **writers** (50 clients, 30 s): each creates equipment records of its own and updates each one once
  with the version it was given; at the same time rounds of 10 clients save one shared record with the
  same version. Counted: 5xx answers, acknowledged writes that are not stored exactly once with their last
  acknowledged content (lost writes), and per round the 200s for one version (exactly one is right; more
  are lost updates).
- **reads** (20 clients, 15 s): the map's data (roads, sites, bases, jurisdictions), coverage and records:
  requests per second, p50 and p95.
- **mixed** (15 clients, 20 s): reads, record updates and dispatch solves: p95 of each and errors.

``python bench/load.py [--postgres URL] [--seconds-write S --seconds-read S --seconds-mixed S] [--save-before]``.
``--postgres URL`` runs the phases on PostgreSQL too (a database that is EMPTIED first; SQLAlchemy URL,
e.g. ``postgresql+psycopg://postgres@127.0.0.1:5433/planner_load``). ``--save-before`` writes the figures to
``bench/data/load-before.txt`` with the commit they were measured on; a normal run reads that file and
prints the figures side by side with it. Needs no internet: every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "bench" / "data" / "load-before.txt"
SCENARIO = "jinan"
READS = ("roads", "layers/sites", "layers/bases", "layers/jurisdictions", "coverage", "records/teams")
"""What the read load asks for under the scenario's API: the map's data, coverage and records."""
TIMEOUT_S = 60.0
"""A request unanswered for this long counts as an error."""
SAVERS = 10
"""Clients saving the shared record with the same version in each round."""

TARGETS = {
    "writers.5xx": "0", "writers.lost_writes": "0", "writers.duplicates": "0", "writers.lost_updates": "0",
    "writers.rounds_not_one_winner": "0", "reads.req_per_s": ">= 200", "reads.p95_ms": "< 200",
    "mixed.p95_ms": "< 1000", "mixed.errors": "0",
}
"""The figures the issue asks for (reads: on SQLite)."""


# ------------------------------------------------------------------------------------------------
# The app under test


@dataclass
class App:
    """A running app: where it listens, the administrator's password and the scenario under load."""

    port: int
    password: str
    scenario: str = SCENARIO

    @property
    def api(self) -> str:
        """The scenario's API path."""
        return f"/api/v1/scenarios/{self.scenario}"

    @property
    def reads(self) -> list[str]:
        """The paths the read load asks for."""
        return [f"{self.api}/{path}" for path in READS]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def empty_postgres(url: str) -> None:
    """Drop and recreate the public schema of the PostgreSQL database at ``url`` (the run starts empty)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def running_app(database_url: str | None) -> Iterator[App]:
    """Start ``make run``'s two steps on a temporary instance folder and a free port; stop the app at the end."""
    instance = Path(tempfile.mkdtemp(prefix="planner-load-"))
    env = {**os.environ, "PLANNER_INSTANCE": str(instance), "PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    if database_url is not None:
        empty_postgres(database_url)
        env["DATABASE_URL"] = database_url
    python = sys.executable
    subprocess.run([python, "-m", "planner", "init", "--if-empty"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    password = secrets.token_urlsafe(16)  # the initial one must be changed before the API answers
    subprocess.run([python, "-m", "planner", "users", "set-password", "admin"], cwd=ROOT,
                   env={**env, "PLANNER_PASSWORD": password}, check=True, stdout=subprocess.DEVNULL)
    log = instance / "web.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([python, "-m", "web"], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    app = App(int(env["PORT"]), password)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = Client(app).call("GET", "/api/v1/labels")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start; see {log}:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(instance, ignore_errors=True)


class Client:
    """One keep-alive HTTP connection signed in as the administrator (HTTP Basic); reconnects after an error."""

    def __init__(self, app: App) -> None:
        self.port = app.port
        token = base64.b64encode(f"admin:{app.password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None, *, parse: bool = True) -> tuple[int, Any, float]:
        """Send one request; return (status, JSON answer or None, seconds). Status 0: no answer (error).

        ``parse=False`` skips decoding the answer (the load generator shares the machine's CPUs with the app).
        """
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return 0, None, time.perf_counter() - start
        seconds = time.perf_counter() - start
        try:
            answer = json.loads(raw) if raw and parse else None
        except ValueError:
            answer = None
        return status, answer, seconds


# ------------------------------------------------------------------------------------------------
# Tallies


@dataclass
class Tally:
    """Answers and latencies of one phase, shared by its threads."""

    statuses: Counter[int] = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, status: int, seconds: float) -> None:
        """Count one answer of a kind of request."""
        with self.lock:
            self.statuses[status] += 1
            self.seconds.setdefault(what, []).append(seconds)

    def all_seconds(self) -> list[float]:
        """Every latency of the phase."""
        return [s for values in self.seconds.values() for s in values]

    @property
    def requests(self) -> int:
        """Requests answered or failed."""
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        """5xx answers."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def no_answer(self) -> int:
        """Requests without an answer (connection error or timeout)."""
        return self.statuses[0]


def percentile_ms(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1, nearest rank) of seconds, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def run_clients(count: int, seconds: float, work: Callable[[int, Client, float], None], app: App) -> None:
    """Run ``work(index, client, deadline)`` in ``count`` threads until the deadline passes."""
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=work, args=(i, Client(app), deadline), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * TIMEOUT_S)


# ------------------------------------------------------------------------------------------------
# Phases


def holder_base(app: App) -> str:
    """Return a base of the scenario to hold the load test's equipment."""
    status, answer, _ = Client(app).call("GET", f"{app.api}/records/bases")
    if status != 200:
        raise RuntimeError(f"GET records/bases answered {status}")
    return str(answer["records"][0]["data"]["id"])


def equipment(record_id: str, base: str, quantity: int) -> dict[str, Any]:
    """Return an equipment record the load test creates and updates."""
    return {"id": record_id, "kind": "load_test", "name": "load test kit", "quantity": quantity,
            "capabilities": ["light"], "base": base}


def writers_phase(app: App, clients: int, seconds: float) -> dict[str, float]:
    """Concurrent creates and updates, plus rounds of same-version saves of one record; what was lost."""
    base = holder_base(app)
    tally = Tally()
    acknowledged: dict[str, int] = {}  # record id -> last acknowledged quantity
    ack_lock = threading.Lock()

    def writer(index: int, client: Client, deadline: float) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            record_id = f"load-w{index}-{n}"
            status, answer, took = client.call("POST", f"{app.api}/records/equipment", equipment(record_id, base, n))
            tally.add("create", status, took)
            if status != 201:
                continue
            with ack_lock:
                acknowledged[record_id] = n
            version = answer["version"]
            status, _, took = client.call("PUT", f"{app.api}/records/equipment/{record_id}",
                                          {"version": version, "data": equipment(record_id, base, n + 100_000)})
            tally.add("update", status, took)
            if status == 200:
                with ack_lock:
                    acknowledged[record_id] = n + 100_000

    shared = "load-shared"
    setup = Client(app)
    status, _, _ = setup.call("POST", f"{app.api}/records/equipment", equipment(shared, base, 0))
    if status != 201:
        raise RuntimeError(f"creating the shared record answered {status}")
    rounds: list[tuple[int, bool]] = []  # (200s for one version, stored content is the winner's)

    def contention(_: int, client: Client, deadline: float) -> None:
        savers = [Client(app) for _ in range(SAVERS)]
        number = 0
        while time.monotonic() < deadline:
            number += 1
            status, answer, _ = client.call("GET", f"{app.api}/records/equipment/{shared}")
            if status != 200:
                tally.add("contention-read", status, 0.0)
                continue
            version = answer["version"]
            barrier = threading.Barrier(SAVERS)
            wins: list[int] = []

            def save(k: int, saver: Client, version: int = version, number: int = number,
                     barrier: threading.Barrier = barrier, wins: list[int] = wins) -> None:
                quantity = number * 1000 + k
                barrier.wait()
                status, _, took = saver.call("PUT", f"{app.api}/records/equipment/{shared}",
                                             {"version": version, "data": equipment(shared, base, quantity)})
                tally.add("same-version save", status, took)
                if status == 200:
                    wins.append(quantity)

            threads = [threading.Thread(target=save, args=(k, saver)) for k, saver in enumerate(savers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            status, answer, _ = client.call("GET", f"{app.api}/records/equipment/{shared}")
            stored = answer["data"]["quantity"] if status == 200 else None
            rounds.append((len(wins), len(wins) == 1 and stored == wins[0]))
            time.sleep(0.2)

    started = time.monotonic()
    contender = threading.Thread(target=contention, args=(0, Client(app), time.monotonic() + seconds))
    contender.start()
    run_clients(clients, seconds, writer, app)
    contender.join()
    elapsed = time.monotonic() - started

    status, answer, _ = Client(app).call("GET", f"{app.api}/records/equipment")
    if status != 200:
        raise RuntimeError(f"reading the records back answered {status}")
    stored = Counter(r["data"]["id"] for r in answer["records"])
    quantities = {r["data"]["id"]: r["data"]["quantity"] for r in answer["records"]}
    lost = sum(1 for record_id in acknowledged if stored[record_id] == 0)
    stale = sum(1 for record_id, q in acknowledged.items() if stored[record_id] and quantities[record_id] != q)
    latencies = tally.all_seconds()
    return {
        "writers.clients": clients, "writers.seconds": round(elapsed, 1), "writers.requests": tally.requests,
        "writers.req_per_s": round(tally.requests / elapsed, 1), "writers.5xx": tally.server_errors,
        "writers.no_answer": tally.no_answer, "writers.409": tally.statuses[409],
        "writers.acknowledged": len(acknowledged),
        "writers.lost_writes": lost + stale, "writers.duplicates": sum(1 for n in stored.values() if n > 1),
        "writers.p50_ms": round(percentile_ms(latencies, 0.50)),
        "writers.p95_ms": round(percentile_ms(latencies, 0.95)),
        "writers.rounds": len(rounds), "writers.rounds_not_one_winner": sum(1 for wins, _ in rounds if wins != 1),
        "writers.lost_updates": sum(max(0, wins - 1) for wins, _ in rounds),
        "writers.rounds_wrong_content": sum(1 for wins, right in rounds if wins == 1 and not right),
    }


def reads_phase(app: App, clients: int, seconds: float) -> dict[str, float]:
    """Map data, coverage and records read by many clients: throughput and latency."""
    warm = Client(app)
    for path in app.reads:
        warm.call("GET", path)
    tally = Tally()

    def reader(index: int, client: Client, deadline: float) -> None:
        k = index
        while time.monotonic() < deadline:
            path = app.reads[k % len(READS)]
            k += 1
            status, _, took = client.call("GET", path, parse=False)
            tally.add(path, status, took)

    started = time.monotonic()
    run_clients(clients, seconds, reader, app)
    elapsed = time.monotonic() - started
    latencies = tally.all_seconds()
    errors = tally.requests - tally.statuses[200]
    return {"reads.clients": clients, "reads.requests": tally.requests,
            "reads.req_per_s": round(tally.requests / elapsed, 1), "reads.errors": errors,
            "reads.p50_ms": round(percentile_ms(latencies, 0.50)),
            "reads.p95_ms": round(percentile_ms(latencies, 0.95))}


def incident(rng: random.Random, sites: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a dispatch request: one incident at a random hazard site, a chemical fire."""
    site = rng.choice(sites)["data"]
    return {"incidents": [{"lon": site["lon"], "lat": site["lat"], "type": "chemical-fire-explosion"}],
            "time_limit_s": 5}


def mixed_phase(app: App, clients: int, seconds: float) -> dict[str, float]:
    """Run reads, record updates and dispatch solves together: p95 of each and errors."""
    base = holder_base(app)
    setup = Client(app)
    status, answer, _ = setup.call("GET", f"{app.api}/records/sites")
    sites = answer["records"]
    tally = Tally()

    def worker(index: int, client: Client, deadline: float) -> None:
        rng = random.Random(index)
        record_id = f"load-m{index}"
        status, answer, took = client.call("POST", f"{app.api}/records/equipment", equipment(record_id, base, 1))
        tally.add("write", status, took)
        version = answer["version"] if status == 201 else None
        while time.monotonic() < deadline:
            draw = rng.random()
            if draw < 0.15:
                status, _, took = client.call("POST", f"{app.api}/dispatch", incident(rng, sites), parse=False)
                tally.add("dispatch", status, took)
            elif draw < 0.35 and version is not None:
                status, answer, took = client.call("PUT", f"{app.api}/records/equipment/{record_id}",
                                                   {"version": version,
                                                    "data": equipment(record_id, base, rng.randint(1, 99))})
                tally.add("write", status, took)
                if status == 200:
                    version = answer["version"]
            else:
                status, _, took = client.call("GET", rng.choice(app.reads), parse=False)
                tally.add("read", status, took)

    started = time.monotonic()
    run_clients(clients, seconds, worker, app)
    elapsed = time.monotonic() - started
    latencies = tally.all_seconds()
    ok = tally.statuses[200] + tally.statuses[201]
    figures = {"mixed.clients": clients, "mixed.requests": tally.requests,
               "mixed.req_per_s": round(tally.requests / elapsed, 1), "mixed.errors": tally.requests - ok,
               "mixed.5xx": tally.server_errors, "mixed.p95_ms": round(percentile_ms(latencies, 0.95))}
    for what in ("read", "write", "dispatch"):
        figures[f"mixed.{what}_p95_ms"] = round(percentile_ms(tally.seconds.get(what, []), 0.95))
    return figures


# ------------------------------------------------------------------------------------------------
# Figures before and now


def measure(database_url: str | None, args: argparse.Namespace) -> dict[str, float]:
    """Run the three phases on a fresh app over one database."""
    figures: dict[str, float] = {}
    with running_app(database_url) as app:
        print(f"  app on 127.0.0.1:{app.port} ({'PostgreSQL' if database_url else 'SQLite'})", flush=True)
        figures.update(writers_phase(app, args.writers, args.seconds_write))
        print("  writers done", flush=True)
        figures.update(reads_phase(app, args.readers, args.seconds_read))
        print("  reads done", flush=True)
        figures.update(mixed_phase(app, args.mixed, args.seconds_mixed))
        print("  mixed done", flush=True)
    return figures


def commit_id() -> str:
    """Return the checked-out commit (with ``+changes`` when the tree differs from it)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return head + ("+changes" if dirty else "")


def save_before(results: dict[str, dict[str, float]], label: str | None) -> None:
    """Write the figures as ``database metric value`` lines under a header naming the code measured."""
    lines = [f"# bench/load.py figures before the change, {label or 'commit ' + commit_id()}, "
             f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs",
             "# database metric value"]
    for database, figures in results.items():
        lines += [f"{database} {metric} {value}" for metric, value in figures.items()]
    BEFORE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"saved {BEFORE.relative_to(ROOT)}")


def read_before() -> tuple[str, dict[str, dict[str, str]]]:
    """Return the header of ``load-before.txt`` and its figures by database; empty when it is absent."""
    if not BEFORE.is_file():
        return "", {}
    header, figures = "", {}
    for line in BEFORE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            header = header or line.lstrip("# ")
        elif line.strip():
            database, metric, value = line.split()
            figures.setdefault(database, {})[metric] = value
    return header, figures


def print_side_by_side(results: dict[str, dict[str, float]]) -> None:
    """Print each figure now beside the same figure before the change and the target."""
    header, before = read_before()
    if header:
        print(f"before: {header}")
    print(f"now:    commit {commit_id()}")
    rows = []
    for database, figures in results.items():
        for metric, value in figures.items():
            rows.append([database, metric, before.get(database, {}).get(metric, "-"), f"{value:g}",
                         TARGETS.get(metric, "")])
    headers = ["database", "figure", "before", "now", "target"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    """Measure on SQLite (and PostgreSQL with ``--postgres``), then save or compare the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--seconds-write", type=float, default=30.0)
    parser.add_argument("--seconds-read", type=float, default=15.0)
    parser.add_argument("--seconds-mixed", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--mixed", type=int, default=15)
    parser.add_argument("--save-before", action="store_true", help=f"write the figures to {BEFORE.name}")
    parser.add_argument("--label", help="what --save-before names as the code measured (default: the commit)")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    for database, url in (("sqlite", None), ("postgresql", args.postgres)):
        if database == "postgresql" and url is None:
            continue
        print(f"{database}:", flush=True)
        results[database] = measure(url, args)
    if args.save_before:
        save_before(results, args.label)
    print_side_by_side(results)


if __name__ == "__main__":
    main()
