"""``python -m planner dispatch --problem P.json [--json] [--greedy] [--time-limit S]``.

Reads a dispatch problem (see :mod:`planner.dispatch_problem`), runs the CP-SAT optimiser or the
greedy baseline, and prints the plan as JSON or as tables. Bad input exits 2 naming the field, a
retained minimum that cannot hold exits 3, no solution within the time limit exits 4.
"""

from __future__ import annotations

import argparse
from typing import Any

from planner.cli._output import print_json, print_table
from planner.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``dispatch`` command."""
    parser = subparsers.add_parser(
        "dispatch",
        help="assign rescue units to incidents (CP-SAT, lexicographic)",
        description="Assign whole rescue units to incidents: least priority-weighted shortfall, "
        "then least weighted arrival minutes, then least compensation.",
    )
    parser.add_argument("--problem", required=True, metavar="P.json", help="problem file (JSON)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--greedy", action="store_true", help="run the greedy nearest-unit baseline instead")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, metavar="S", dest="time_limit_s",
        help="solver wall-clock limit in seconds (default 10)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Solve the problem file and print the plan."""
    from planner.dispatch import solve_dispatch
    from planner.dispatch_greedy import solve_dispatch_greedy
    from planner.dispatch_problem import load_problem

    if not args.time_limit_s > 0:
        raise InputError(f"--time-limit must be > 0 seconds, got {args.time_limit_s}", field="time_limit")
    problem = load_problem(args.problem)
    if args.greedy:
        result = solve_dispatch_greedy(problem)
    else:
        result = solve_dispatch(problem, time_limit_s=args.time_limit_s)
    payload = result.to_dict()
    if args.json:
        print_json(payload)
        return 0
    objective = payload["objective"]
    print(
        f"{result.method}: {payload['status']} in {payload['seconds']:.2f} s; "
        f"weighted shortfall {objective['weighted_shortfall']:g}, "
        f"weighted arrival {objective['weighted_arrival']:.1f} min, compensation {objective['compensation']:.2f}"
    )
    print()
    print_table(("unit", "incident", "arrival_min"), [(a.unit, a.incident, a.arrival_min) for a in result.assignments])
    if result.shortfall:
        print()
        print_table(
            ("incident", "capability", "missing", "deadline_min"),
            [(s.incident, s.capability, s.missing, s.deadline_min) for s in result.shortfall],
        )
    if result.borrowed:
        print()
        print_table(("unit", "lender", "borrower", "cost"), [(b.unit, b.lender, b.borrower, b.cost) for b in result.borrowed])
    return 0
