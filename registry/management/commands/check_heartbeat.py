"""`manage.py check_heartbeat`: fail unless a worker recorded the scheduled heartbeat lately."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registry.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Health check for beat and worker: the heartbeat task ran within --max-age seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-age", type=int, default=300, help="seconds (default 300)")
        parser.add_argument("--name", default="worker", help="heartbeat name (default worker)")

    def handle(self, *args: Any, max_age: int, name: str, **options: Any) -> None:
        heartbeat = WorkerHeartbeat.objects.filter(name=name).first()
        if heartbeat is None:
            raise CommandError(f"no {name!r} heartbeat recorded yet")
        age = timezone.now() - heartbeat.seen_at
        if age > timedelta(seconds=max_age):
            raise CommandError(f"last {name!r} heartbeat {age.total_seconds():.0f}s ago")
        self.stdout.write(
            f"{name} heartbeat {age.total_seconds():.0f}s ago on {heartbeat.hostname}"
        )
