"""The Celery app. Periodic tasks live in django-celery-beat's database scheduler
(editable in the admin); `ensure_periodic_tasks` registers the defaults."""

import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import setup_logging, worker_init, worker_process_init, worker_process_shutdown
from django_structlog.celery.receivers import CeleryReceiver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_project.settings")

_task_log_receiver: CeleryReceiver | None = None


class StructlogInitStep(bootsteps.Step):
    """django-structlog's worker boot step (its DjangoStructLogInitStep), connecting the
    task receivers once a process: each worker started in one process (the tests start
    in-thread workers one after another) would add a receiver of its own, and a task's
    `task_started` line would be written once per worker started so far."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        global _task_log_receiver
        super().__init__(parent, **kwargs)
        if _task_log_receiver is None:
            _task_log_receiver = CeleryReceiver()
            _task_log_receiver.connect_worker_signals()


# Every task starts outside any tenant scope; `tenants.isolation.tenant_task` enters one.
app = Celery("billing", task_cls="tenants.isolation:ScopedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.steps["worker"].add(StructlogInitStep)
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**kwargs: object) -> None:
    # Keep Django's LOGGING (structlog, JSON outside development) in the worker too.
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@worker_process_shutdown.connect
def _mark_prometheus_process_dead(pid: int | None = None, **kwargs: object) -> None:
    # Prometheus multiprocess mode (settings.PROMETHEUS_MULTIPROC_DIR): a pool process
    # that exits keeps its counters in the directory and drops its live gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@worker_init.connect
@worker_process_init.connect
def _freeze_startup_objects(**kwargs: object) -> None:
    # The worker (a solo or threads pool) and each prefork pool process, once started.
    from billing_project.processes import freeze_startup_objects

    freeze_startup_objects()
