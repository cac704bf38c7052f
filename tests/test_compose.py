"""docker-compose.yml, the scale-out stack: Docker does not run here, so it is read, not run."""

import importlib.util
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")


def test_stack_has_its_services() -> None:
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(SERVICES)


def test_web_worker_and_beat_share_one_image() -> None:
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    builds = {SERVICES[name]["build"] for name in APP_SERVICES}

    assert len(images) == 1 and builds == {"."}
    assert (ROOT / "Dockerfile").is_file()


def test_exactly_one_beat() -> None:
    beats = [name for name, s in SERVICES.items() if "beat" in " ".join(s.get("command", []))]

    assert beats == ["beat"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "--beat" not in SERVICES["worker"]["command"]


def test_redis_keeps_an_append_only_file() -> None:
    command = SERVICES["redis"]["command"]

    assert command[command.index("--appendonly") + 1] == "yes"


@pytest.mark.parametrize("name", [*APP_SERVICES, "postgres", "redis"])
def test_every_service_has_a_healthcheck(name: str) -> None:
    assert SERVICES[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_postgres_and_redis(name: str) -> None:
    depends = SERVICES[name]["depends_on"]

    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"


def commands() -> list[tuple[str, list[str]]]:
    found = []
    for name, service in SERVICES.items():
        if "command" in service and name not in ("postgres", "redis"):
            found.append((name, service["command"]))
        test = service.get("healthcheck", {}).get("test", [])
        if test and test[0] == "CMD":
            found.append((f"{name}-healthcheck", test[1:]))
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_commands_name_modules_that_exist(name: str, command: list[str]) -> None:
    program = command[0]
    if program == "gunicorn":
        module = command[1].split(":")[0]
        assert importlib.util.find_spec(module), module
    elif program == "celery":
        module = command[command.index("-A") + 1]
        assert importlib.util.find_spec(f"{module}.celery"), module
    elif program == "python" and command[1] == "manage.py":
        assert command[2] in get_commands(), command[2]
    elif program == "python" and command[1] == "-c":
        compile(command[2], name, "exec")
    else:
        assert program in {"redis-cli", "pg_isready"}, f"unchecked command {command}"
