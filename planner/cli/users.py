"""``users list|add|set-password|set-role|set-jurisdiction|unlock``: accounts for the web app and the API."""

from __future__ import annotations

import argparse
import getpass
import os

from planner.cli.output import print_json, print_table
from planner.errors import InputError
from planner.store.roles import Role


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``users`` command."""
    parser = subparsers.add_parser("users", help="manage web and API accounts", description="Manage accounts.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every account", description="List every account.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_users)
    for name, helptext in (("add", "create an account"), ("set-password", "change a password")):
        action = actions.add_parser(name, help=helptext, description=helptext.capitalize() + ". The password is read "
                                    "from $PLANNER_PASSWORD or asked for.")
        action.add_argument("username")
        if name == "add":
            action.add_argument("--role", required=True, choices=[r.value for r in Role])
            action.add_argument("--jurisdiction", default=None,
                                help="where the role applies, and below (a jurisdiction id such as licheng); "
                                     "without it, every scenario whole")
        action.set_defaults(handler=add_user if name == "add" else set_password)
    role = actions.add_parser("set-role", help="change a role", description="Change an account's role.")
    role.add_argument("username")
    role.add_argument("role", choices=[r.value for r in Role])
    role.set_defaults(handler=set_role)
    where = actions.add_parser("set-jurisdiction", help="change where a role applies",
                               description="Change the jurisdiction an account's role applies in (and below); "
                                           "without one, the whole instance.")
    where.add_argument("username")
    where.add_argument("jurisdiction", nargs="?", default=None, help="a jurisdiction id; leave out for the whole")
    where.set_defaults(handler=set_jurisdiction)
    unlock = actions.add_parser("unlock", help="lift a sign-in lockout",
                                description="Lift the sign-in lockout of an account (forget its failed sign-ins), or "
                                            "of an address with --address.")
    target = unlock.add_mutually_exclusive_group(required=True)
    target.add_argument("username", nargs="?", help="the account")
    target.add_argument("--address", help="a client address (IP) whose failed sign-ins to forget")
    unlock.set_defaults(handler=unlock_account)


def _password() -> str:
    password = os.environ.get("PLANNER_PASSWORD") or getpass.getpass("password: ")
    if not password:
        raise InputError("no password given", field="password")
    return password


def list_users(args: argparse.Namespace) -> int:
    """Print the accounts."""
    from planner.store import accounts
    from planner.store.database import Store

    users = accounts.list_users(Store())
    if args.json:
        print_json(users)
    else:
        print_table(["username", "role", "jurisdiction", "active"],
                    [[u["username"], u["role"], u["jurisdiction"] or "(all)", u["active"]] for u in users])
    return 0


def add_user(args: argparse.Namespace) -> int:
    """Create an account."""
    from planner.store import accounts
    from planner.store.database import Store

    user = accounts.create_user(Store(), args.username, _password(), args.role, jurisdiction=args.jurisdiction)
    print(f"created {user['username']} ({user['role']}"
          + (f" in {user['jurisdiction']})" if user["jurisdiction"] else ")"))
    return 0


def set_password(args: argparse.Namespace) -> int:
    """Change a password."""
    from planner.store import accounts
    from planner.store.database import Store

    accounts.update_user(Store(), args.username, password=_password())
    print(f"password of {args.username} changed; its sessions are signed out")
    return 0


def set_role(args: argparse.Namespace) -> int:
    """Change a role."""
    from planner.store import accounts
    from planner.store.database import Store

    accounts.update_user(Store(), args.username, role=args.role)
    print(f"{args.username} is now {args.role}")
    return 0


def set_jurisdiction(args: argparse.Namespace) -> int:
    """Change where an account's role applies."""
    from planner.store import accounts
    from planner.store.database import Store

    user = accounts.update_user(Store(), args.username, jurisdiction=args.jurisdiction)
    print(f"{args.username} now acts in {user['jurisdiction'] or 'the whole instance'}")
    return 0


def unlock_account(args: argparse.Namespace) -> int:
    """Lift the sign-in lockout of an account or an address."""
    from planner.store import accounts, throttle
    from planner.store.database import Store

    store = Store()
    if args.address:
        had = throttle.unlock(store, throttle.address_key(args.address))
        print(f"address {args.address} " + ("unlocked" if had else "had no failed sign-ins"))
    else:
        had = accounts.unlock(store, args.username)
        print(f"{args.username} " + ("unlocked" if had else "had no failed sign-ins"))
    return 0
