"""A real Celery worker (and beat) runs the catalogue's tasks through the configured broker."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from registry.models import WorkerHeartbeat
from registry.tasks import record_heartbeat

ROOT = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DATA_DIR")

pytestmark = pytest.mark.slow


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str], *extra: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "registry",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(check: Callable[[], object], seconds: float = 60) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.3)
    return None


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "registry.settings"
    env.update(overrides)
    return env


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


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_sent_through_the_configured_broker(
    start_worker: Callable[..., subprocess.Popen],
) -> None:
    env = clean_env(
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DATA_DIR=str(settings.DATA_DIR),
    )
    start_worker(env)

    record_heartbeat.delay("integration")

    found = wait_for(lambda: WorkerHeartbeat.objects.filter(name="integration").first())
    assert found, f"the worker did not run the task sent through {settings.CELERY_BROKER_URL}"
    assert found.hostname
