"""``python -m web``: serve the app with waitress on http://127.0.0.1:$PORT (default 5000)."""

import os

from waitress import serve

from web import create_app

port = int(os.environ.get("PORT", "5000"))
host = os.environ.get("HOST", "127.0.0.1")
print(f"Rescue planner on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
serve(create_app(), host=host, port=port, threads=8)
