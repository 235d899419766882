"""Security headers on every answer, cookie attributes, and the client's address behind a reverse proxy.

What Flask-Talisman would do, in the few lines this app needs (no dependency): a Content Security Policy
that allows scripts only from the app's own files (no inline script, no ``eval``; a page's data travels in
``data-`` attributes or a ``<script type="application/json">`` block, which is never run), so injected
markup cannot run script; ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` (no framing, no
click-jacking); ``nosniff``; a same-origin ``Referrer-Policy``; and ``Strict-Transport-Security`` on
answers served over HTTPS. Styles may be inline (``style-src 'unsafe-inline'``): the pages colour their
map legends and markers with ``style`` attributes, and the drill reports are self-contained HTML.

Cookies: the session and remember-me cookies are ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when
``SESSION_COOKIE_SECURE`` says so, by default when ``PREFERRED_URL_SCHEME`` is ``https``. ``PROXY_COUNT``
(default 0) is the number of reverse proxies in front of the app whose ``X-Forwarded-For``/``-Proto``/
``-Host`` headers are trusted: sign-in throttling per address then sees the client's address, and HTTPS
is recognised.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""The default ``CONTENT_SECURITY_POLICY`` setting."""
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Headers sent with every answer (a view that sets one itself keeps its own)."""
HSTS = "max-age=31536000"
"""``Strict-Transport-Security`` of answers served over HTTPS: browsers use HTTPS only for a year."""


def configure(app: Flask) -> None:
    """Settle the cookie attributes from the loaded settings, trust ``PROXY_COUNT`` proxies, add the headers.

    Call once the settings are loaded: ``SESSION_COOKIE_SECURE`` left unset (None, ``create_app``'s default) follows
    ``PREFERRED_URL_SCHEME``, and the remember-me cookie follows the session cookie unless set apart.
    """
    config = app.config
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config.get("PREFERRED_URL_SCHEME") == "https"
    config["SESSION_COOKIE_HTTPONLY"] = True
    if not config.get("SESSION_COOKIE_SAMESITE"):  # Flask's default is None: no attribute
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config.setdefault("REMEMBER_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"])
    config.setdefault("REMEMBER_COOKIE_SAMESITE", config["SESSION_COOKIE_SAMESITE"])
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config.setdefault("CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    proxies = int(config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Add the security headers to an answer."""
    response.headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
