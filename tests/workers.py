"""Fixtures that run a real Celery worker in a subprocess against the test database and broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DATA_DIR")


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without service settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "registry.settings"
    env.update(overrides)
    return env


def shared_database_url() -> str:
    """A URL for the database this test uses, so a worker process shares it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**overrides: str) -> dict[str, str]:
    """Environment for a worker sharing this test's database, broker and data folder."""
    return clean_env(
        DATABASE_URL=shared_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DATA_DIR=str(settings.DATA_DIR),
        **overrides,
    )


def wait_for(check: Callable[[], object], seconds: float = 60) -> object:
    """Poll until check() returns something truthy, or give up after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.3)
    return None


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `celery worker` processes (consuming every queue); stop them after the test."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(env: dict[str, str], *extra: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "registry",
                "worker",
                "-Q",
                "sources,default",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is not None:
            # Killed by the test (kill_worker): only its log is left to show.
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")
            continue
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Shown only when the test failed: pytest prints captured output of failures.
        print(f"--- {log.name}\n{log.read_text()[-4000:]}")


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL a worker started by `start_worker` with its pool: nothing runs its shutdown."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def pool_children(process: subprocess.Popen) -> list[int]:
    """The process ids of a worker's pool children (Linux: read from /proc)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []
