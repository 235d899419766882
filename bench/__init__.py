"""Benchmark scripts, each run on its own as ``.venv/bin/python bench/<name>.py``."""
