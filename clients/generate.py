"""Generate the typed Python client from the API's OpenAPI schema (`make client`).

Writes `<output>/openapi.json` (the schema that `/v1/schema` serves, as a production
deployment serves it, whatever the caller's environment or `.env` says about the
settings that change it) and `<output>/python/` (the package `billing_client`, made by
openapi-python-client with the options of `clients/openapi-python-client.yaml` and
formatted by the locked ruff). The output depends only on the code and the lock file,
so `billing_project/tests/test_python_client.py` regenerates it into a temporary
directory and compares every file with the committed ones: a change to the API that
changes the schema fails the suite until `make client` is run and its output committed.

    .venv/bin/python clients/generate.py [--output DIR]   # default: clients/
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "clients"
CONFIG = CLIENTS / "openapi-python-client.yaml"
BIN = Path(sys.executable).parent

# The settings that change the schema, at their defaults: webhook URLs are https only
# (as in production) and a new tenant's currency is USD.
SCHEMA_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "billing_project.settings",
    "APP_ENV": "development",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "false",
    "DEFAULT_CURRENCY": "USD",
}


def write_schema(path: Path) -> None:
    """The schema as `/v1/schema` serves it, from a process with SCHEMA_ENVIRONMENT."""
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--validate", "--fail-on-warn"],
        cwd=ROOT,
        env={**os.environ, **SCHEMA_ENVIRONMENT},
        stdout=path.open("w"),
        check=True,
    )


def generate(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    schema = output / "openapi.json"
    write_schema(schema)
    project = output / "python"
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run(  # noqa: S603 - our own paths, no shell
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(CONFIG),
            "--meta",
            "uv",
            "--output-path",
            str(project),
        ],
        cwd=output,
        # The generator's post hooks run `ruff`: the locked one, from the same environment.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(project / ".ruff_cache", ignore_errors=True)  # left by the post hooks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CLIENTS, help="where openapi.json and python/ go")
    generate(parser.parse_args().output.resolve())


if __name__ == "__main__":
    main()
