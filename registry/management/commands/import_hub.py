"""`manage.py import_hub --author ORG [--limit N] | --top N`: add projects from Hub ids alone."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from audits import auditing
from audits.harvest import Clients
from audits.models import AuditRun
from audits.sources import SourceError
from audits.tasks import audit_project
from registry.importing import listed_model_ids, project_from_hub


class Command(BaseCommand):
    help = (
        "Add projects from the Hugging Face Hub by their ids alone: an organisation's models "
        "(--author) or the most downloaded (--top). Models already listed are skipped, so "
        "running it again adds only what is new. Each new project's first audit is queued "
        "(or run here with --now)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--author", help="a Hub organisation or user, e.g. EleutherAI")
        parser.add_argument("--top", type=int, help="the N most downloaded models")
        parser.add_argument("--limit", type=int, default=100, help="at most this many models")
        parser.add_argument("--now", action="store_true", help="audit here, synchronously")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="always show the progress bar (by default only on a terminal)",
        )

    def handle(
        self,
        *args: Any,
        author: str | None,
        top: int | None,
        limit: int,
        now: bool,
        progress: bool,
        **_: Any,
    ) -> None:
        if bool(author) == bool(top):
            raise CommandError("pass --author ORG or --top N")
        count = top or limit
        if count < 1 or count > 10_000:
            raise CommandError("the number of models must be between 1 and 10000")
        clients = Clients.from_settings()
        try:
            models = clients.hub.models_by(author=author, limit=count, sort="downloads")
        except SourceError as error:
            raise CommandError(f"the Hub could not list the models: {error}") from None
        listed = listed_model_ids(models)
        new = [m for m in models if m.lower() not in listed]
        bar = tqdm(
            new,
            desc="Importing",
            unit="model",
            # The raw stream: Django's wrapper would end every bar refresh with a newline.
            file=self.stderr._out,
            disable=False if progress else None,
        )
        runs: list[int] = []
        for model_id in bar:
            with transaction.atomic():
                # The kind comes from the model's pipeline tag once its first audit reads it.
                project = project_from_hub(model_id=model_id)
                run = auditing.start_run(project=project, trigger=AuditRun.Trigger.MANUAL)
                if not now:
                    audit_project.delay_on_commit(run.pk)
            runs.append(run.pk)
        if now:
            for run_id in runs:
                auditing.perform_audit(run_id=run_id, clients=clients)
        skipped = len(models) - len(new)
        self.stdout.write(
            f"added {len(new)} projects, skipped {skipped} already listed "
            f"({'audited' if now else 'audits queued'})"
        )
