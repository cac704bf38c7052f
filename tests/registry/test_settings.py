"""Settings come from the environment: embedded defaults when unset, real services when set."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from registry.celery import app

ROOT = Path(settings.BASE_DIR)
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DATA_DIR")

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    journal = None
    if connection.vendor == "sqlite":
        journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "options": settings.DATABASES["default"].get("OPTIONS", {}),
    "journal": journal,
    "broker": settings.CELERY_BROKER_URL,
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "secret": settings.SECRET_KEY,
    "cache": settings.CACHES["default"]["BACKEND"],
}))
"""


def probe(data_dir: Path, **overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": "registry.settings", "DATA_DIR": str(data_dir)})
    env.update(overrides)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_nothing_set_means_sqlite_in_wal_mode_and_filesystem_broker(tmp_path: Path) -> None:
    found = probe(tmp_path)

    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert found["journal"] == "wal"
    assert (tmp_path / "glasshouse.sqlite3").exists()
    assert found["broker"] == "filesystem://"
    queue = Path(found["transport"]["data_folder_in"])
    assert queue == Path(found["transport"]["data_folder_out"])
    assert queue.is_dir() and queue.is_relative_to(tmp_path)
    assert found["cache"].endswith("LocMemCache")


def test_service_urls_switch_to_postgres_and_redis(tmp_path: Path) -> None:
    found = probe(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
        REDIS_URL="redis://127.0.0.1:6379/4",
    )

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["broker"] == "redis://127.0.0.1:6379/3"
    assert "data_folder_in" not in found["transport"]
    assert found["cache"].endswith("RedisCache")


def test_generated_secret_key_is_kept_and_an_explicit_one_wins(tmp_path: Path) -> None:
    first = probe(tmp_path)["secret"]

    assert len(first) >= 50
    assert probe(tmp_path)["secret"] == first
    assert probe(tmp_path, SECRET_KEY="x" * 60)["secret"] == "x" * 60


def test_env_example_lists_every_variable_settings_read() -> None:
    source = (ROOT / "registry" / "settings.py").read_text()
    read = set(re.findall(r'(?:env\.\w+|_setting)\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert read, "the pattern must find the variables settings.py reads"
    assert read - listed == set(), "variables read but missing from .env.example"
    assert listed - read == set(), ".env.example lists variables nothing reads"


def test_every_scheduled_task_exists() -> None:
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
