"""A real Celery worker (and beat) runs the catalogue's tasks through the configured broker."""

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from registry.models import WorkerHeartbeat
from registry.tasks import record_heartbeat
from tests.workers import clean_env, wait_for, worker_env

ROOT = Path(settings.BASE_DIR)

pytestmark = pytest.mark.slow


def test_embedded_worker_with_beat_records_the_scheduled_heartbeat(
    tmp_path: Path, start_worker: Callable[..., subprocess.Popen]
) -> None:
    env = clean_env(DATA_DIR=str(tmp_path), HEARTBEAT_INTERVAL_SECONDS="1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    database = tmp_path / "glasshouse.sqlite3"

    worker = start_worker(env, "--beat")

    def heartbeat() -> object:
        with sqlite3.connect(database) as db:
            return db.execute(
                "SELECT hostname, seen_at FROM registry_workerheartbeat WHERE name = 'worker'"
            ).fetchone()

    found = wait_for(heartbeat)
    assert worker.poll() is None, "the worker stopped"
    assert found, "no heartbeat recorded within a minute: beat or worker is not running"
    # Messages went through the filesystem broker under DATA_DIR, not anywhere else.
    assert (tmp_path / "broker" / "queue").is_dir()


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_sent_through_the_configured_broker(
    start_worker: Callable[..., subprocess.Popen],
) -> None:
    start_worker(worker_env())

    record_heartbeat.delay("integration")

    found = wait_for(lambda: WorkerHeartbeat.objects.filter(name="integration").first())
    assert found, f"the worker did not run the task sent through {settings.CELERY_BROKER_URL}"
    assert found.hostname
