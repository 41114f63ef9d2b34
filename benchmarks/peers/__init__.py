"""Peer scripts: run with the ``.venv-bench`` interpreter as subprocesses, never imported by ``extract``."""
