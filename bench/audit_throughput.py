"""Audits per second of `manage.py audit --all --now` against the loopback fake Hub and GitHub.

Run: .venv/bin/python bench/audit_throughput.py [--rounds 3] [--database-url URL]
It migrates a fresh database (SQLite in a temporary folder unless --database-url is given),
loads the seed catalogue, starts the fake upstream on 127.0.0.1 and times full audit rounds.
The first round stores every snapshot; later rounds find the upstream unchanged.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.upstream import FakeUpstream  # noqa: E402


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, FakeUpstream() as fake:
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "DATABASE_URL": options.database_url,
            "HF_ENDPOINT": fake.url,
            "GITHUB_API_URL": fake.github_url,
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_catalogue", "registry/catalogue")
        print(f"database: {options.database_url or 'SQLite (embedded default)'}")
        for round_number in range(1, options.rounds + 1):
            requests_before = len(fake.requests)
            summary = manage(env, "audit", "--all", "--now").strip().splitlines()[-1]
            rate = re.search(r"\(([\d.]+) audits/s\)", summary)
            print(
                f"round {round_number}: {summary}; "
                f"{len(fake.requests) - requests_before} upstream requests"
                + ("" if rate else " (rate not found)")
            )


if __name__ == "__main__":
    main()
