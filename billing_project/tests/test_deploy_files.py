"""docker-compose.yml and the Dockerfile, read as a reviewer would (no Docker engine
here): the services, their health checks and start order, and the production
settings the image needs. `docker compose config` runs too when a compose CLI exists."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# What a copied .env must not pin (.env.example): a value there wins under honcho
# (`make run`) but not in `make db` or `make demo`, which read the shell first, or it
# would silently replace a value derived from another variable.
UNPINNED = (
    "DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "TEST_REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
    "IDEMPOTENCY_REDIS_URL", "PORT", "WEB_PORT", "PAYMENT_PROVIDER_URL", "MOCK_PROVIDER_PORT",
    "PAYMENT_WEBHOOK_SECRET",
)  # fmt: skip
_VARIABLE = re.compile(r"\$\{(\w+)(:?-)([^}]*)\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """`${NAME:-default}` and `${NAME-default}` as sh and docker compose expand them."""

    def value(match: re.Match[str]) -> str:
        name, operator, default = match.groups()
        given = env.get(name)
        return default if given is None or (operator == ":-" and not given) else given

    return _VARIABLE.sub(value, text)


def compose(env: dict[str, str] | None = None) -> dict:
    return yaml.safe_load(interpolate((ROOT / "docker-compose.yml").read_text(), env or {}))


def procfile(env: dict[str, str]) -> dict[str, str]:
    lines = interpolate((ROOT / "Procfile").read_text(), env).splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_compose_has_every_service_of_the_stack():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "migrate", "app", "worker", "beat", "payments", "demo"}
    assert [name for name, service in services.items() if "profiles" in service] == ["demo"]


def test_app_processes_wait_for_healthy_services_and_the_migration():
    services = compose()["services"]
    for name in ("app", "worker", "beat", "payments"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    for name in ("app", "worker", "beat", "migrate"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_long_running_services_have_health_checks():
    services = compose()["services"]
    for name in ("db", "redis", "app", "worker", "payments"):
        assert services[name]["healthcheck"]["test"], name


def test_compose_runs_the_app_in_production_with_both_secrets():
    env = compose()["services"]["app"]["environment"]
    assert env["APP_ENV"] == "production"
    # No default secrets (they would be published): compose stops and names the variable.
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?set DJANGO_SECRET_KEY ")
    assert env["PAYMENT_WEBHOOK_SECRET"].startswith("${PAYMENT_WEBHOOK_SECRET:?set PAYMENT_WEBHOOK_SECRET ")


def test_the_image_leaves_out_local_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".run" in ignored  # .run/secret_key: the development key


def test_dockerfile_is_multi_stage_non_root_and_serves_with_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "uv sync --frozen --no-dev" in text
    assert "\nUSER billing" in text
    assert "gunicorn -c billing_project/gunicorn.conf.py" in text
    collectstatic = next(line for line in text.splitlines() if "APP_ENV=production" in line and "RUN" in line)
    assert "DJANGO_SECRET_KEY=" in collectstatic and "PAYMENT_WEBHOOK_SECRET=" in collectstatic


def test_docker_compose_config_passes_when_a_compose_cli_exists():
    command = ["docker-compose"] if shutil.which("docker-compose") else None
    if command is None and shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        command = ["docker", "compose"] if probe.returncode == 0 else None
    if command is None:
        # No compose CLI on this machine: the structure tests above stand in; CI's
        # GitHub workflow runs `docker compose config` itself.
        assert compose()["services"]
        return
    secrets = {"DJANGO_SECRET_KEY": "compose-config-check-only", "PAYMENT_WEBHOOK_SECRET": "whsec_Y2hlY2s="}
    result = subprocess.run(
        [*command, "config", "--quiet"],
        cwd=ROOT,
        env={**os.environ, **secrets},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compose_offers_the_demo_in_a_development_profile():
    demo = compose()["services"]["demo"]
    assert demo["profiles"] == ["demo"]
    assert demo["command"] == ["python", "manage.py", "seed_demo"]
    assert demo["environment"]["APP_ENV"] == "development"  # seed_demo refuses production
    assert demo["environment"]["DATABASE_URL"] == compose()["services"]["app"]["environment"]["DATABASE_URL"]
    assert demo["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("port", [None, "8091"])
def test_the_mock_provider_port_is_one_variable_in_compose_and_the_procfile(port):
    env = {} if port is None else {"MOCK_PROVIDER_PORT": port}
    expected = port or "8090"
    services = compose(env)["services"]
    payments = services["payments"]
    assert payments["command"][-2:] == ["--port", expected]
    assert f"http://127.0.0.1:{expected}/healthz" in payments["healthcheck"]["test"][-1]
    for name in ("app", "worker", "beat", "payments", "demo"):
        assert services[name]["environment"]["PAYMENT_PROVIDER_URL"] == f"http://payments:{expected}/charges", name
    assert f"--port {expected} " in procfile(env)["payments"]
    if port is not None:
        assert "8090" not in yaml.safe_dump(services)
        assert "8090" not in procfile(env)["payments"]


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
@pytest.mark.parametrize(
    ("given", "charges_to"),
    [
        ({}, "http://127.0.0.1:8090/charges"),
        ({"MOCK_PROVIDER_PORT": "8091"}, "http://127.0.0.1:8091/charges"),
        ({"PAYMENT_PROVIDER_URL": "https://psp.example/charges"}, "https://psp.example/charges"),
    ],
)
def test_make_run_derives_the_payment_provider_url_from_the_mock_port(given, charges_to):
    env = {k: v for k, v in os.environ.items() if k not in ("MOCK_PROVIDER_PORT", "PAYMENT_PROVIDER_URL")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run"],
        cwd=ROOT,
        env=env | given,
        capture_output=True,
        text=True,
        check=True,
    )
    [announce] = [line for line in result.stdout.splitlines() if "make run:" in line]
    assert f"mock payment provider on port {given.get('MOCK_PROVIDER_PORT', '8090')}," in announce
    assert announce.endswith(f'charges to {charges_to}"')


def test_env_example_pins_no_database_redis_port_or_derived_url():
    lines = (ROOT / ".env.example").read_text().splitlines()
    assigned = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    commented = {line[2:].split("=", 1)[0] for line in lines if re.match(r"# [A-Z_]+=", line)}
    assert assigned & set(UNPINNED) == set()
    assert set(UNPINNED) <= commented  # still listed, with their defaults
