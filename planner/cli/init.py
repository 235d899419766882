"""``init``: create the database and load the shipped scenarios when it is empty (used by ``make run``)."""

from __future__ import annotations

import argparse

from planner.scenario.paths import library_names
from planner.settings import instance_dir

DEFAULT_SCENARIO = "jinan"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``init`` command."""
    parser = subparsers.add_parser("init", help="create the database and load the shipped scenarios",
                                   description="Create the database schema and store the shipped scenarios.")
    parser.add_argument("--if-empty", action="store_true", help="only when no scenario is stored yet")
    parser.set_defaults(handler=init)


def init(args: argparse.Namespace) -> int:
    """Store every shipped scenario (the default first) unless ``--if-empty`` and something is stored.

    Also creates the first administrator when there is no account, and says how to sign in.
    """
    from planner.cli._common import read_folder
    from planner.store.accounts import ensure_first_admin
    from planner.store.database import Store

    store = Store()
    if args.if_empty and not store.is_empty():
        print(f"database {store.url} already holds scenarios; nothing loaded")
    else:
        for name in sorted(library_names(), key=lambda n: n != DEFAULT_SCENARIO):
            scenario, settings = read_folder(name)
            store.save_scenario(scenario, replace=True, settings=settings, actor="init")
            print(f"loaded scenario {name!r} into {store.url}")
    password = ensure_first_admin(store)
    if password is not None:
        note = instance_dir() / "initial-admin-password"
        note.write_text(password + "\n", encoding="utf-8")
        note.chmod(0o600)
        print(f"created the first administrator: sign in as 'admin' with password {password} "
              f"(also kept in {note}); the first sign-in asks for a new password")
    else:
        print("sign in with your account; 'python -m planner users list' shows them")
    return 0
