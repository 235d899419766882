"""``backup FILE`` and ``restore FILE``: a consistent copy of the whole store, and putting one back in its place.

See :mod:`planner.store.backup` for the two kinds of backup and what a restore checks.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``backup`` and ``restore`` commands."""
    made = subparsers.add_parser(
        "backup", help="write a consistent backup of the whole store",
        description="Write every scenario, record, document, audit entry, user and job to FILE as one consistent "
                    "snapshot, while the app may be writing. SQLite stores write an SQLite file (VACUUM INTO); "
                    "other databases JSON lines.")
    made.add_argument("file", type=Path, metavar="FILE")
    made.add_argument("--format", default=None, metavar="KIND",
                      help="sqlite (SQLite stores; their default) or jsonl (any database; the default elsewhere)")
    made.set_defaults(handler=run_backup)
    back = subparsers.add_parser(
        "restore", help="replace the store's content by a backup",
        description="Check FILE whole (it must be a backup made by 'backup'), say what it holds and what it "
                    "replaces, then replace every table's rows in one transaction: the store is never left half "
                    "restored. Stop the app first and start it after.")
    back.add_argument("file", type=Path, metavar="FILE")
    back.add_argument("--replace", action="store_true", help="replace a store that holds scenarios or users")
    back.add_argument("--check", action="store_true", help="only check FILE and say what it holds")
    back.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    """Write the backup and say what it holds."""
    from planner.store.backup import backup
    from planner.store.database import Store

    store = Store()
    contents = backup(store, args.file, kind=args.format)
    print(f"backed up {store.engine.url.render_as_string(hide_password=True)} to {args.file}: {contents.describe()}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Check the backup, then restore it in one transaction (or only check it with ``--check``)."""
    from planner.store.backup import read_backup, restore
    from planner.store.database import Store

    if args.check:
        print(f"{args.file}: {read_backup(args.file).describe()}")
        return 0
    store = Store()
    restored, replaced = restore(store, args.file, replace=args.replace)
    print(f"restored {args.file} into {store.engine.url.render_as_string(hide_password=True)}: "
          f"{restored.describe()}")
    print(f"it replaced: {replaced.describe()}")
    return 0
