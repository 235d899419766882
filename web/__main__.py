"""``python -m web``: serve the app with waitress on http://127.0.0.1:$PORT (default 5000).

One process with threads; unless ``PLANNER_JOB_RUNNER=external``, it runs the background jobs too (see
``web.jobs``). The README's "Operating it" shows the deployment with several processes.
"""

import os
import signal
import sys
from types import FrameType

from waitress import serve

from web import create_app


def _stop(signum: int, _frame: FrameType | None) -> None:
    """Leave on SIGTERM as on Ctrl+C: the exit handlers run (the job runner marks its running jobs interrupted)."""
    sys.exit(0)


if __name__ == "__main__":  # a job's worker process imports the main module again: it must not serve
    signal.signal(signal.SIGTERM, _stop)
    port = int(os.environ.get("PORT", "5000"))
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"Rescue planner on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    serve(create_app(), host=host, port=port, threads=8)
