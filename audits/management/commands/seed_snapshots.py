"""`manage.py seed_snapshots PATH`: import shipped upstream answers, judge unaudited projects."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audits import auditing
from audits.models import AuditRun
from audits.seeding import import_seed, seed_files
from registry.models import Project


class Command(BaseCommand):
    help = (
        "Import the recorded upstream answers shipped with the seed catalogue as snapshots, then "
        "evaluate every project that has no verdict yet from them, without asking any source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the seed folder (registry/catalogue/upstream)")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        files = seed_files(path)
        if not files:
            raise CommandError(f"no seed documents under {path}")
        stored = sum(import_seed(seed) for seed in files)
        judged = 0
        for project in Project.objects.listed().filter(current_verdict=None):
            run = auditing.start_run(project=project, trigger=AuditRun.Trigger.SEED)
            auditing.perform_audit(run_id=run.pk, fetch=False)
            judged += 1
        self.stdout.write(
            f"{stored} of {len(files)} seed snapshots stored; {judged} projects evaluated"
        )
