"""``python -m web``: serve the app with waitress on http://127.0.0.1:$PORT (default 5000).

One process with threads; unless ``PLANNER_JOB_RUNNER=external``, it runs the background jobs too (see
``web.jobs``). The README's "Operating it" shows the deployment with several processes.
"""

import os

from waitress import serve

from web import create_app

if __name__ == "__main__":  # a job's worker process imports the main module again: it must not serve
    port = int(os.environ.get("PORT", "5000"))
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"Rescue planner on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    serve(create_app(), host=host, port=port, threads=8)
