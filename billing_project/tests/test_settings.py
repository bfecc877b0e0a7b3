"""Configuration fails loudly outside development (STYLE.md principle 9), and no server
accepts tokens signed with a key published in this repository."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from rest_framework.test import APIClient

from billing_project.settings import PUBLISHED_SECRET_KEYS
from tenants.services import tokens_for_user

ROOT = Path(__file__).resolve().parents[2]
OLD_DEFAULT_SECRET_KEY = "django-insecure-development-only-not-a-secret"  # settings.py's fallback until #11
OLD_EXAMPLE_SECRET_KEY = "change-me-in-production"  # .env.example's value until #11


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"PAYMENT_WEBHOOK_SECRET", "APP_ENV"}}
    # Empty, not absent: a DJANGO_SECRET_KEY in the developer's .env must not leak in.
    clean["DJANGO_SECRET_KEY"] = ""
    code = "import billing_project.settings as s; print(s.SECRET_KEY, s.PAYMENT_WEBHOOK_SECRET[:6])"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False
    )


def refused(message: str, **env: str) -> None:
    """Start-up with `env` stops, saying `message`."""
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / ".run" / "secret_key"


def test_development_starts_with_a_generated_key_and_the_fake_payment_secret(key_file):
    result = load_settings(APP_ENV="development", DEV_SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    key, payment_secret = result.stdout.split()
    assert payment_secret == "whsec_"
    assert key == key_file.read_text()
    assert len(key) >= 50


def test_development_keeps_its_generated_key_across_start_ups(key_file):
    first = load_settings(APP_ENV="development", DEV_SECRET_KEY_FILE=str(key_file))
    second = load_settings(APP_ENV="development", DEV_SECRET_KEY_FILE=str(key_file))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.split()[0] == second.stdout.split()[0] == key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]  # no draft left behind


def test_each_installation_gets_its_own_key_not_a_constant(tmp_path):
    keys = []
    for name in ("one", "two"):
        result = load_settings(APP_ENV="development", DEV_SECRET_KEY_FILE=str(tmp_path / name / "secret_key"))
        assert result.returncode == 0, result.stderr
        keys.append(result.stdout.split()[0])
    assert keys[0] != keys[1]
    assert not set(keys) & PUBLISHED_SECRET_KEYS
    settings_text = (ROOT / "billing_project/settings.py").read_text()
    assert keys[0] not in settings_text and keys[1] not in settings_text


def test_development_uses_the_given_key_and_writes_no_file(key_file):
    result = load_settings(
        APP_ENV="development", DJANGO_SECRET_KEY="a-real-secret-for-this-test", DEV_SECRET_KEY_FILE=str(key_file)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "a-real-secret-for-this-test"
    assert not key_file.exists()


def test_an_empty_key_file_stops_start_up(key_file):
    key_file.parent.mkdir()
    key_file.write_text("\n")
    refused(
        f"{key_file} is empty: delete it and a new key is made at the next start",
        APP_ENV="development",
        DEV_SECRET_KEY_FILE=str(key_file),
    )


@pytest.mark.parametrize("app_env", ["development", "test", "production"])
@pytest.mark.parametrize("published", sorted(PUBLISHED_SECRET_KEYS))
def test_a_published_key_is_refused_in_every_environment(app_env, published, key_file):
    refused(
        "DJANGO_SECRET_KEY is a published example value: set a secret of your own",
        APP_ENV=app_env,
        DJANGO_SECRET_KEY=published,
        PAYMENT_WEBHOOK_SECRET="whsec_cHJvZC10ZXN0",
        DEV_SECRET_KEY_FILE=str(key_file),
    )


def test_the_old_published_keys_are_on_the_refused_list():
    assert {OLD_DEFAULT_SECRET_KEY, OLD_EXAMPLE_SECRET_KEY} <= PUBLISHED_SECRET_KEYS
    assert OLD_EXAMPLE_SECRET_KEY not in (ROOT / ".env.example").read_text()


def test_production_refuses_a_missing_secret_key(key_file):
    key_file.parent.mkdir()
    key_file.write_text("a development key must not be used in production")
    refused(
        "DJANGO_SECRET_KEY must be set outside development",
        APP_ENV="production",
        PAYMENT_WEBHOOK_SECRET="whsec_cHJvZC10ZXN0",
        DEV_SECRET_KEY_FILE=str(key_file),
    )


def test_production_refuses_a_missing_payment_webhook_secret():
    refused("PAYMENT_WEBHOOK_SECRET must be set", APP_ENV="production", DJANGO_SECRET_KEY="a-real-secret-for-this-test")


def test_production_refuses_the_old_compose_payment_webhook_secret():
    refused(
        "PAYMENT_WEBHOOK_SECRET must be set",
        APP_ENV="production",
        DJANGO_SECRET_KEY="a-real-secret-for-this-test",
        PAYMENT_WEBHOOK_SECRET="whsec_Y29tcG9zZS1kZXZlbG9wbWVudC1vbmx5LW5vdC1hLXNlY3JldA==",
    )


def test_production_starts_with_both_secrets():
    result = load_settings(
        APP_ENV="production",
        DJANGO_SECRET_KEY="a-real-secret-for-this-test",
        PAYMENT_WEBHOOK_SECRET="whsec_cHJvZC10ZXN0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "a-real-secret-for-this-test"


def test_a_malformed_boolean_stops_start_up():
    refused("DEBUG must be true or false, not 'maybe'", APP_ENV="development", DEBUG="maybe")


def test_an_unknown_document_locale_stops_start_up():
    refused("DOCUMENT_LOCALE must be a locale like en_US, not 'xx_YY'", APP_ENV="development", DOCUMENT_LOCALE="xx_YY")
    assert load_settings(APP_ENV="development", DOCUMENT_LOCALE="de_CH").returncode == 0


def test_a_portal_base_url_that_is_not_an_http_address_stops_start_up():
    for wrong in ("billing.example.com", "javascript:alert(1)", "https://billing.example.com/?next=x"):
        refused(
            f"PORTAL_BASE_URL must be an http(s) address like https://billing.example.com, not {wrong!r}",
            APP_ENV="test",
            PORTAL_BASE_URL=wrong,
        )
    assert load_settings(APP_ENV="test", PORTAL_BASE_URL="https://example.com/billing/").returncode == 0


def test_a_negative_num_proxies_stops_start_up():
    refused("NUM_PROXIES must be 0 or more, not -1", APP_ENV="development", NUM_PROXIES="-1")


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("published", [OLD_DEFAULT_SECRET_KEY, OLD_EXAMPLE_SECRET_KEY])
def test_a_token_signed_with_a_published_key_is_refused(admin_user, published):
    genuine = tokens_for_user(admin_user)["access"]
    claims = jwt.decode(genuine, options={"verify_signature": False})
    forged = jwt.encode(claims, published, algorithm="HS256")
    url = f"/v1/tenants/{admin_user.tenant_id}"

    def get(token: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.get(url)

    assert get(genuine).status_code == 200  # the same claims, signed with this server's key
    refused = get(forged)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "token_not_valid"
