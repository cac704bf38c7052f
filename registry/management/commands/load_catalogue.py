"""`manage.py load_catalogue PATH...`: load project records from YAML files or folders of them."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from registry.loading import catalogue_files, load_catalogue


class Command(BaseCommand):
    help = (
        "Load project records from YAML files (one file a project) or folders of them. Every file "
        "is validated first; a bad file is reported with its field and nothing from it is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="catalogue files or folders")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="always show the progress bar (by default only on a terminal)",
        )

    def handle(self, *args: Any, paths: list[Path], progress: bool, **options: Any) -> None:
        files: list[Path] = []
        for path in paths:
            try:
                files.extend(catalogue_files(path))
            except FileNotFoundError as error:
                raise CommandError(str(error)) from None
        if not files:
            raise CommandError(f"no .yaml files found in {', '.join(map(str, paths))}")

        def bar(items: list[Path]) -> Any:
            return tqdm(
                items,
                desc="Loading",
                unit="file",
                # The raw stream: Django's wrapper would end every bar refresh with a newline.
                file=self.stderr._out,
                disable=False if progress else (None if len(items) > 1 else True),
            )

        report = load_catalogue(paths=files, progress=bar)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
