"""Gunicorn settings of the web process: the Procfile, the Dockerfile and bench/ingest.py
run `gunicorn -c billing_project/gunicorn.conf.py billing_project.wsgi --bind …`.

With PROMETHEUS_MULTIPROC_DIR set (`make run` and docker-compose set it), every worker
writes its Prometheus samples to files in that directory and /metrics adds up the
files of all processes, the Celery worker's included (prometheus_client's multiprocess
mode). The directory is emptied before the processes start (the Makefile's `run`, the
compose `migrate` service), never while they run: a process keeps writing to its files.
"""

import os
from pathlib import Path
from typing import Any

import environ

# As settings.py does, so that the master and its workers agree on the mode.
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 10


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    # Keeps a dead worker's counters (they still count) and drops its live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    # Once the worker has loaded the application (billing_project.processes).
    from billing_project.processes import freeze_startup_objects

    freeze_startup_objects()
