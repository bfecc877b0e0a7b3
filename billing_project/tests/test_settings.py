"""Configuration fails loudly outside development (STYLE.md principle 9)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "PAYMENT_WEBHOOK_SECRET", "APP_ENV"}}
    code = "import billing_project.settings as s; print(s.SECRET_KEY[:4], s.PAYMENT_WEBHOOK_SECRET[:6])"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False
    )


def test_development_starts_with_fake_defaults():
    result = load_settings(APP_ENV="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["djan", "whsec_"]


def test_production_refuses_a_missing_secret_key():
    result = load_settings(APP_ENV="production", PAYMENT_WEBHOOK_SECRET="whsec_cHJvZC10ZXN0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set outside development" in result.stderr


def test_production_refuses_a_missing_payment_webhook_secret():
    result = load_settings(APP_ENV="production", DJANGO_SECRET_KEY="a-real-secret-for-this-test")
    assert result.returncode != 0
    assert "PAYMENT_WEBHOOK_SECRET must be set" in result.stderr


def test_production_starts_with_both_secrets():
    result = load_settings(
        APP_ENV="production",
        DJANGO_SECRET_KEY="a-real-secret-for-this-test",
        PAYMENT_WEBHOOK_SECRET="whsec_cHJvZC10ZXN0",
    )
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_stops_start_up():
    result = load_settings(APP_ENV="development", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


def test_a_negative_num_proxies_stops_start_up():
    result = load_settings(APP_ENV="development", NUM_PROXIES="-1")
    assert result.returncode != 0
    assert "NUM_PROXIES must be 0 or more, not -1" in result.stderr
