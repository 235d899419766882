"""Message catalogs: a gettext ``.po`` compiled to its ``.mo`` when that is missing or older.

One home for the web pages' catalogs and the command line's: an installation from git runs before
``make install-catalogs`` has compiled them, so each is compiled on first use.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_if_stale(po: Path) -> bool:
    """Write the ``.mo`` beside ``po`` when it is missing or older; return whether it was written.

    A read-only installation writes nothing (``make install`` compiled the catalogs there).
    """
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return False
    with open(po, "rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    try:
        with open(mo, "wb") as target:
            write_mo(target, catalog)
    except OSError:
        return False
    return True
