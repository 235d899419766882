"""The language the command line speaks: Simplified Chinese or English, from one planner-side catalog.

Chosen, in order, by ``--lang zh_CN|en``, the ``PLANNER_LANG`` variable, then the terminal's locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``) as every command-line tool does: a workstation set up for Chinese
(``zh_CN.UTF-8``, what a Chinese emergency manager's terminal says) gets Chinese, an English one English, and
the neutral ``C``/``POSIX`` locale of cron jobs, containers and scripts gets the program's own words
(English), so a script that reads the output is not broken by a translation. The web pages default to
Chinese instead: a browser always says which language it prefers.

The catalog (``planner/cli/translations/zh_CN/LC_MESSAGES/cli.po``; the web's catalogs are the web's, as
``planner`` never reads ``web``) holds the summaries and descriptions of the commands, the help of every
option, the tables' column headings and the error prefix; ``tests/test_cli_language.py`` keeps it whole.
The words are looked up with the standard library's :mod:`gettext` in the compiled ``cli.mo`` (``make
install-catalogs``; compiled here when missing or older than its ``.po``), so ``--help`` stays light.
Messages naming a field, an id or a file keep those names as they are; the coded values they name (a
status, a kind, marked by :func:`planner.model.codes.coded`) show by their display names in the language.
"""

from __future__ import annotations

import argparse
import gettext
from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.model.codes import LANGUAGES

CATALOGS = Path(__file__).resolve().parent / "translations"
DOMAIN = "cli"
VARIABLE = "PLANNER_LANG"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_active: gettext.NullTranslations = gettext.NullTranslations()


def from_environment(environ: Mapping[str, str]) -> str:
    """Return the language a terminal asks for: ``PLANNER_LANG``, else the locale; ``en`` for ``C``/``POSIX``."""
    for name in (VARIABLE, *LOCALE_VARIABLES):
        value = environ.get(name, "").strip()
        if not value:
            continue
        if value in LANGUAGES:
            return value
        if value.lower().startswith("zh"):
            return "zh_CN"
        return "en"  # en_*, C, POSIX or another language: the program's own words
    return "en"


def asked_for(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """Return the language of a command line: its ``--lang`` if given (read before the parser is built)."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    return from_environment(environ)


def _compiled(po: Path) -> Path:
    """Return the ``.mo`` beside a ``.po``, compiled first if it is missing or older (an installation from git)."""
    from planner.catalogs import compile_if_stale  # Babel: loaded when a catalog is read, not for every --help
    compile_if_stale(po)
    return po.with_suffix(".mo")


def use(language: str) -> None:
    """Speak ``language`` from now on (``en``: the program's own words)."""
    global _active
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    po = CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po.is_file():
        _active = gettext.NullTranslations()
        return
    with open(_compiled(po), "rb") as compiled:
        _active = gettext.GNUTranslations(compiled)


def tr(english: str) -> str:
    """Return a text of the command line in the language in use (the English text when it has no entry)."""
    return _active.gettext(english) if english else english


def translate_help(parser: argparse.ArgumentParser) -> None:
    """Put the descriptions and help texts of a parser and all its sub-commands into the language in use."""
    if parser.description:
        parser.description = tr(parser.description)
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            action.help = tr(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = tr(choice.help or "")
            for child in action.choices.values():
                translate_help(child)
