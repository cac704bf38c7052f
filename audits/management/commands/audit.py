"""`manage.py audit SLUG... | --all [--now]`: audit projects through the worker, or right here."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from audits import auditing
from audits.harvest import Clients
from audits.models import AuditRun
from audits.tasks import audit_project
from registry.models import Project


class Command(BaseCommand):
    help = (
        "Audit projects against their sources. Without --now the audits are queued for the "
        "worker; with --now they run in this process, one after another."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="project slugs")
        parser.add_argument("--all", action="store_true", help="every listed project")
        parser.add_argument("--now", action="store_true", help="run here, synchronously")
        parser.add_argument(
            "--offline",
            action="store_true",
            help="with --now: evaluate stored snapshots without asking the sources",
        )

    def handle(
        self, *args: Any, slugs: list[str], all: bool, now: bool, offline: bool, **_: Any
    ) -> None:
        if bool(slugs) == all:
            raise CommandError("name project slugs, or pass --all")
        if offline and not now:
            raise CommandError("--offline needs --now")
        projects = Project.objects.listed().order_by("slug")
        if slugs:
            found = set(projects.filter(slug__in=slugs).values_list("slug", flat=True))
            if missing := sorted(set(slugs) - found):
                raise CommandError(f"unknown project: {', '.join(missing)}")
            projects = projects.filter(slug__in=slugs)
        if not now:
            self._enqueue(list(projects))
            return
        self._run_here(list(projects), fetch=not offline)

    def _enqueue(self, projects: list[Project]) -> None:
        with transaction.atomic():
            for project in projects:
                run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
                audit_project.delay_on_commit(run.pk)
        self.stdout.write(f"queued {len(projects)} audits")

    def _run_here(self, projects: list[Project], *, fetch: bool) -> None:
        clients = Clients.from_settings() if fetch else None
        started = time.perf_counter()
        incomplete = 0
        for project in projects:
            run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
            outcome = auditing.perform_audit(run_id=run.pk, clients=clients, fetch=fetch)
            incomplete += not outcome.complete
            project.refresh_from_db()
            verdict = project.current_verdict
            line = f"{project.slug}: {outcome.osaid}"
            if verdict is not None:
                line += f", MOF class {verdict.mof_class or 'none'}, score {verdict.score}"
            if not outcome.complete:
                line += f" (incomplete, stale: {project.stale_reason})"
            self.stdout.write(line)
        elapsed = time.perf_counter() - started
        rate = len(projects) / elapsed if elapsed else 0.0
        self.stdout.write(
            f"{len(projects)} audits in {elapsed:.2f}s ({rate:.1f} audits/s); "
            f"{incomplete} incomplete"
        )
