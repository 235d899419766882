"""The language of the pages and of the API's messages: Simplified Chinese (default) or English, by Flask-Babel.

The language of a request is, in order: ``?lang=zh_CN|en`` (the menu's switch: the choice is remembered on
the signed-in user's account, so it follows them to any browser, and in a cookie for a year, so it holds
for a visitor not signed in too), the account's choice (for a browser session; a script signing in with
HTTP Basic credentials says what it wants by ``Accept-Language``), the cookie's, the best match of
``Accept-Language``, else ``zh_CN`` for pages and, for an API call that asks for no language, the messages
as the planner composes them (English). Page text goes through ``_()``
in the templates; the catalogs are ``web/translations/<lang>/LC_MESSAGES/messages.po`` (English msgids;
zh_CN's folder is ``zh_Hans_CN``, Babel's name for it, which gettext looks up), compiled to ``.mo`` by
``make install`` (``pybabel compile``) and, when a catalog is newer than its compiled file, when the app
starts. Coded values show their label in the language (:func:`planner.model.codes.label`: the one label
table, also ``GET /api/v1/labels``).

API error messages are composed by the planner in English from fixed phrases and the names of what is
wrong (fields, ids, files: never translated); :func:`localized` turns the phrases into the request's
language, longest first, from :data:`PHRASES` (each one a catalog entry).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.messages.extract import extract_from_dir
from flask import Flask, Response, g, request
from flask_babel import Babel, get_locale, gettext

from planner import formats
from planner.catalogs import compile_if_stale
from planner.errors import PlannerError
from planner.model.codes import LANGUAGES, label, shown
from planner.store.accounts import set_language
from web.store import get_store

DEFAULT_LANGUAGE = LANGUAGES[0]
COOKIE = "lang"
"""The cookie that remembers a language chosen with ``?lang=``."""
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SCRIPTS = Path(__file__).resolve().parent / "static" / "js"
"""The page scripts, whose ``Planner.t("…")`` texts the catalogs translate (``web/static/js/common.js``)."""

def phrase(english: str) -> str:
    """Mark a fixed phrase of the planner's messages for the catalogs (``pybabel extract -k phrase``)."""
    return english


PHRASES = (
    phrase("unknown field (a misspelt name, or one that does not exist)"),
    phrase("missing required field"),
    phrase("must be a mapping (a JSON object)"),
    phrase("must be a list"),
    phrase("must be one of"),
    phrase("must be greater than or equal to"),
    phrase("must be less than or equal to"),
    phrase("must be greater than"),
    phrase("must be a valid number"),
    phrase("must be a valid integer"),
    phrase("must be a valid string"),
    phrase("must be a valid boolean"),
    phrase("must be a non-empty text"),
    phrase("must be"),
    phrase("unknown id"),
    phrase("unknown value"),
    phrase("not found"),
    phrase("nothing was written"),
    phrase("got"),
    phrase("known:"),
    phrase("sign in first (session cookie or HTTP Basic credentials)"),
    phrase("may not do this: it needs"),
    phrase("your role"),
    phrase("no unit is"),
    phrase("The requested URL was not found on the server. If you entered the URL manually please check your "
           "spelling and try again."),
    phrase("The method is not allowed for the requested URL."),
)
"""Fixed phrases of the planner's error messages, as the API says them in the request's language."""

TEAM_FLAG_PHRASES = (
    phrase("no people recorded: declared strength counted, not checked"),
    phrase("no duty roster: every member not on leave or in training counts as on duty"),
    phrase("not checked: no people recorded"),
    phrase("team is"),
    phrase("not sent"),
    phrase("declared Type"),
    phrase("absent:"),
    phrase("nobody on duty of"),
    phrase("people recorded"),
    phrase("counts for nothing:"),
    phrase("inspection overdue:"),
    phrase("can staff"),
)
"""Fixed phrases of the planner's notes on a team's availability (``planner.availability.team``), shown on pages."""


_LONGEST_FIRST = sorted((*PHRASES, *TEAM_FLAG_PHRASES), key=len, reverse=True)
"""Every fixed phrase :func:`localized` translates, longest first ("must be a list" before "must be")."""


def language() -> str:
    """Return the language of the current request (``zh_CN`` or ``en``)."""
    locale = get_locale()  # Babel's parse of zh_CN is zh_Hans_CN
    return "en" if locale is not None and locale.language == "en" else DEFAULT_LANGUAGE


def _select_language() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    chosen = _account_language()
    if chosen:
        return chosen
    remembered = request.cookies.get(COOKIE, "")
    if remembered in LANGUAGES:
        return remembered
    matched = request.accept_languages.best_match(LANGUAGES)
    if matched:
        return matched
    return "en" if request.path.startswith("/api/") else DEFAULT_LANGUAGE  # a script that asks for none: as composed


def _loaded_user() -> Any:
    """Return the user Flask-Login has loaded for this request, or None when it has not (yet)."""
    return g.get("_login_user")


def _account_language() -> str | None:
    """Return the language remembered on the account of a user signed in by a browser session, if any.

    Only a user the request has already loaded (``auth.guard`` loads it first): loading one here would check
    HTTP Basic credentials again, inside the error handler of a refused or throttled sign-in.
    """
    user = _loaded_user()
    if user is None or not user.is_authenticated or getattr(user, "session_token", None) is None:
        return None
    chosen = getattr(user, "language", None)
    return chosen if chosen in LANGUAGES else None


def localized(message: str | BaseException) -> str:
    """Return a planner message (or error) in the request's language.

    Its fixed phrases (:data:`PHRASES`) are translated and the coded values it names
    (:func:`planner.model.codes.coded`) shown by their display names.
    """
    message = shown(message.marked if isinstance(message, PlannerError) else str(message), language())
    if language() == "en":
        return message
    for english in _LONGEST_FIRST:
        if english in message:  # whole words only: "line" is not in "pipeline"
            pattern = re.compile(rf"(?<!\w){re.escape(english)}(?!\w)")
            message = pattern.sub(gettext(english).replace("\\", "\\\\"), message)  # a literal replacement
    return message


@functools.cache
def script_texts(folder: Path = SCRIPTS) -> tuple[str, ...]:
    """Return every ``Planner.t("…")`` text of the page scripts, as ``pybabel extract -k t`` finds them."""
    found = extract_from_dir(folder, [("**.js", "javascript")], {"**.js": {"parse_template_string": "true"}},
                             keywords={"t": None})
    return tuple(sorted({message for _, _, message, _, _ in found if isinstance(message, str)}))


def script_messages() -> dict[str, str]:
    """Return the page scripts' texts in the request's language (the page carries them for ``Planner.t``)."""
    return {english: gettext(english) for english in script_texts()}


def language_url(code: str) -> str:
    """Return the current page's address with ``?lang=code`` (the menu's language switch)."""
    query = {**request.args.to_dict(flat=True), "lang": code}
    return f"{request.path}?{urlencode(query)}"


def _remember(response: Response) -> Response:
    """Keep a language chosen with ``?lang=`` for later requests: on the signed-in account and in a cookie."""
    asked = request.args.get("lang", "")
    if asked not in LANGUAGES:
        return response
    if request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    user = _loaded_user()
    if user is not None and user.is_authenticated and getattr(user, "session_token", None) is not None \
            and user.language != asked:
        set_language(get_store(), user.id, asked)
        user.language = asked
    return response


def compile_catalogs(folder: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` under ``folder`` whose ``.mo`` is missing or older; return those written."""
    return [po.with_suffix(".mo") for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")) if compile_if_stale(po)]


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the language of each request, the ``label`` template function and the cookie.

    Templates write sums as ``{{ total | money }}``, numbers as ``{{ x | number(1) }}`` and days as
    ``{{ d | day }}``, in the page's language (:mod:`planner.formats`, the one helper pages and reports share).
    """
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    compile_catalogs()
    Babel(app, locale_selector=_select_language)
    app.after_request(_remember)

    def coded(field: str, value: Any) -> str:
        return label(field, value, language())

    app.jinja_env.globals.update(label=coded, language=language, languages=LANGUAGES, language_url=language_url,
                                 localized=localized, script_messages=script_messages)
    app.jinja_env.filters.update(
        money=lambda value: formats.money_text(value, language()),
        number=lambda value, digits=None: formats.number_text(value, language(), digits),
        day=lambda value: formats.day_text(value, language()))
