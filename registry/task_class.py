"""The base class of every Celery task of the project (`registry.celery` names it by path)."""

from typing import Any

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError, close_old_connections

# What the database raises while it is down or restarting, or when it dropped the connection.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class Task(DjangoTask):
    """Every task of the project: it retries, backing off with jitter, while the database is away.

    A task consumed while PostgreSQL restarts would otherwise fail at once and be acked, and its
    work would wait for a sweep. It is tried again up to 8 times, each wait random below a
    ceiling that doubles from 2 s to 2 minutes; what still fails then is left to the sweeps.
    """

    autoretry_for = DATABASE_ERRORS
    retry_backoff = 2
    retry_backoff_max = 120
    max_retries = 8

    def retry(self, *args: Any, exc: BaseException | None = None, **kwargs: Any) -> Any:
        if isinstance(exc, DATABASE_ERRORS):
            # Django keeps a connection that failed; the retry would fail on it again.
            close_old_connections()
        return super().retry(*args, exc=exc, **kwargs)
