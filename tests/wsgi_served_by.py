"""``web:create_app()`` for the tests' gunicorn, each answer naming the worker process that served it.

The multi-process test must see a job submitted through one gunicorn worker finish through another; the
``X-Served-By`` header (the worker's process id) is how it tells them apart. Nothing else differs from
the app a deployment serves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from web import create_app

app = create_app()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Serve ``app``, adding ``X-Served-By: <pid>`` to every answer."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, ("X-Served-By", str(os.getpid()))], exc_info)

    return app(environ, start)  # type: ignore[no-any-return]
