"""`python manage.py run_mock_payment_provider [--host 127.0.0.1] [--port 8090]`: a stand-in
payment provider for development (never for production).

It accepts `POST /charges` with the bodies `payments.services` sends: a charge
(`{invoice_id, tenant_id, customer_id, amount, currency}`) answered 202
`{"id": "ch_<key>", "status": "pending", ...}`, or a refund
(`{"type": "refund", credit_note_id, invoice_id, amount, currency}`) answered 202
`{"id": "re_<key>", ...}` (`<key>`: the `Idempotency-Key`, else the invoice or credit
note id). After `MOCK_PROVIDER_DELAY_SECONDS` (default 2) it posts a webhook, signed
per Standard Webhooks with `PAYMENT_WEBHOOK_SECRET`, to `MOCK_PROVIDER_CALLBACK_URL`
(default `http://127.0.0.1:$PORT/v1/webhooks/payment`, PORT 8000 when unset):

- a charge: `payment.succeeded` with the charged amount and currency
  (`webhook-id: pay_<key>`); a refund: `refund.succeeded` with its credit note, amount
  and currency (`webhook-id: ref_<key>`); except that
- an amount whose text ends with `MOCK_PROVIDER_FAIL_AMOUNTS_ENDING_IN` (default `.13`:
  `"49.13"`, `"0.13"`; empty: nothing fails) gets `payment.failed` (`refund.failed`)
  with `failure_reason: "card_declined"`, so that failures can be shown.

A repeated `Idempotency-Key` answers the first charge again and sends no second
webhook. A webhook that cannot be delivered (network error, 5xx) or meets a conflict
that may clear (409: a sandbox whose clock is advancing) is tried again,
CALLBACK_ATTEMPTS times in all with doubling pauses, signed afresh each time; another
4xx answer is final. Charges live in memory: a restart forgets them. `GET /healthz` → 200.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import structlog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks.signing import signed_headers

log = structlog.get_logger(__name__)

DEFAULT_DELAY_SECONDS = 2.0
DEFAULT_FAIL_SUFFIX = ".13"
FAILURE_REASON = "card_declined"
CALLBACK_ATTEMPTS = 5
FIRST_RETRY_PAUSE_SECONDS = 1.0
CALLBACK_TIMEOUT_SECONDS = 10
CHARGE_FIELDS = ("invoice_id", "amount", "currency")
REFUND_FIELDS = ("credit_note_id", "invoice_id", "amount", "currency")


@dataclass(frozen=True)
class MockProviderConfig:
    callback_url: str
    secret: str
    delay_seconds: float = DEFAULT_DELAY_SECONDS
    fail_suffix: str = DEFAULT_FAIL_SUFFIX

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, secret: str, callback_url: str | None = None
    ) -> MockProviderConfig:
        """The configuration from the environment; a malformed delay raises CommandError."""
        default_callback = f"http://127.0.0.1:{environ.get('PORT') or '8000'}/v1/webhooks/payment"
        raw_delay = environ.get("MOCK_PROVIDER_DELAY_SECONDS") or str(DEFAULT_DELAY_SECONDS)
        try:
            delay = float(raw_delay)
        except ValueError:
            delay = -1.0
        if not delay >= 0:  # also refuses nan
            raise CommandError(f"MOCK_PROVIDER_DELAY_SECONDS must be a number of seconds ≥ 0, not {raw_delay!r}")
        return cls(
            callback_url=callback_url or environ.get("MOCK_PROVIDER_CALLBACK_URL") or default_callback,
            secret=secret,
            delay_seconds=delay,
            fail_suffix=environ.get("MOCK_PROVIDER_FAIL_AMOUNTS_ENDING_IN", DEFAULT_FAIL_SUFFIX),
        )


def charge_outcome(amount: str, fail_suffix: str, kind: str = "payment") -> tuple[str, str | None]:
    """The webhook type and failure reason of a charge (or, with `kind="refund"`, a
    refund) of `amount` (its text, as sent).

    >>> charge_outcome("49.13", ".13"), charge_outcome("49.00", ".13"), charge_outcome("49.13", "")
    (('payment.failed', 'card_declined'), ('payment.succeeded', None), ('payment.succeeded', None))
    >>> charge_outcome("5.13", ".13", "refund")
    ('refund.failed', 'card_declined')
    """
    if fail_suffix and amount.endswith(fail_suffix):
        return f"{kind}.failed", FAILURE_REASON
    return f"{kind}.succeeded", None


def _is_refund(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == "refund"


def _charge_error(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    for name in REFUND_FIELDS if _is_refund(body) else CHARGE_FIELDS:
        if not isinstance(body.get(name), str) or not body[name]:
            return f"{name} is required (a string)."
    try:
        Decimal(body["amount"])
    except InvalidOperation:
        return "amount must be a decimal string."
    return None


def _start_timer(delay: float, report: Callable[[], None]) -> None:
    timer = threading.Timer(delay, report)
    timer.daemon = True
    timer.start()


class MockProvider:
    """The charges seen so far (by idempotency key) and the webhooks they owe.

    `schedule(delay, report)` runs `report` after `delay` seconds (a daemon timer
    thread by default).
    """

    def __init__(
        self, config: MockProviderConfig, schedule: Callable[[float, Callable[[], None]], None] = _start_timer
    ) -> None:
        self.config = config
        self._schedule = schedule
        self._charges: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def charge(self, raw: bytes, idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
        """Accept a charge or a refund (202) and schedule its webhook, or refuse the
        body (400)."""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        error = _charge_error(body)
        if error:
            return 400, {"error": error}
        refund = _is_refund(body)
        key = idempotency_key or body["credit_note_id" if refund else "invoice_id"]
        with self._lock:
            if key in self._charges:
                return 202, self._charges[key]
            charge = {"id": f"{'re' if refund else 'ch'}_{key}", "status": "pending"}
            charge.update({name: body[name] for name in (REFUND_FIELDS if refund else CHARGE_FIELDS)})
            self._charges[key] = charge
        log.info("mock_charge_accepted", charge_id=charge["id"], amount=charge["amount"], currency=charge["currency"])
        self._schedule(self.config.delay_seconds, lambda: self.report(charge))
        return 202, charge

    def webhook(self, charge: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The webhook id and body that report `charge` (or a refund)."""
        refund = "credit_note_id" in charge
        type_, failure_reason = charge_outcome(
            charge["amount"], self.config.fail_suffix, "refund" if refund else "payment"
        )
        subject = {"credit_note_id": charge["credit_note_id"]} if refund else {"invoice_id": charge["invoice_id"]}
        data = {**subject, "amount": charge["amount"], "currency": charge["currency"], "failure_reason": failure_reason}
        # ch_<key> is reported as pay_<key>, re_<key> as ref_<key>: one webhook per charge.
        key = charge["id"].split("_", 1)[1]
        return f"{'ref' if refund else 'pay'}_{key}", {"type": type_, "data": data}

    def report(self, charge: Mapping[str, Any]) -> None:
        """Post the charge's webhook, again after a network error, a 5xx or a 409."""
        webhook_id, payload = self.webhook(charge)
        body = json.dumps(payload, separators=(",", ":"))
        pause = FIRST_RETRY_PAUSE_SECONDS
        for attempt in range(1, CALLBACK_ATTEMPTS + 1):
            status = self._send(webhook_id, body)
            log.info("mock_webhook_sent", webhook_id=webhook_id, type=payload["type"], attempt=attempt, status=status)
            if status is not None and status < 500 and status != 409:
                return
            if self._stopped.wait(pause):
                return
            pause *= 2
        log.warning("mock_webhook_given_up", webhook_id=webhook_id, attempts=CALLBACK_ATTEMPTS)

    def _send(self, webhook_id: str, body: str) -> int | None:
        # Signed at each attempt: a retry minutes later must not look stale.
        headers = signed_headers(secret=self.config.secret, msg_id=webhook_id, body=body, at=datetime.now(UTC))
        try:
            response = requests.post(
                self.config.callback_url, data=body.encode(), headers=headers, timeout=CALLBACK_TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            log.warning("mock_webhook_network_error", webhook_id=webhook_id, error=str(exc))
            return None
        return response.status_code

    def close(self) -> None:
        """Stop retrying webhooks (those waiting for their first delay are dropped)."""
        self._stopped.set()


class _Handler(BaseHTTPRequestHandler):
    provider: MockProvider
    server_version = "MockPaymentProvider/1.0"

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/charges":
            self._reply(404, {"error": "Not found: POST /charges."})
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._reply(*self.provider.charge(raw, self.headers.get("Idempotency-Key")))

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, {"error": "Not found."})

    def _reply(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("mock_provider_request", line=format % args)


def make_server(provider: MockProvider, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server of `provider` bound to (host, port); port 0 picks a free one."""
    handler = type("MockProviderHandler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class Command(BaseCommand):
    help = "Run a mock payment provider that answers charges with signed payment webhooks (development only)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument(
            "--callback-url",
            default=None,
            help="Where to post webhooks (default: MOCK_PROVIDER_CALLBACK_URL, "
            "else http://127.0.0.1:$PORT/v1/webhooks/payment)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = MockProviderConfig.from_env(
            os.environ, secret=settings.PAYMENT_WEBHOOK_SECRET, callback_url=options["callback_url"]
        )
        provider = MockProvider(config)
        try:
            server = make_server(provider, options["host"], options["port"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        host, port = options["host"], server.server_address[1]
        failing = f"amounts ending in {config.fail_suffix!r} fail" if config.fail_suffix else "nothing fails"
        self.stdout.write(
            f"Mock payment provider on http://{host}:{port}/charges: webhooks to {config.callback_url} "
            f"after {config.delay_seconds:g}s; {failing}.",
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            provider.close()
            server.server_close()
