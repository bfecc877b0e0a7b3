"""The pinned transport against real local servers: the request goes to the address the
guard resolved (never to a second DNS answer), with the URL's host name in `Host`, in
TLS's SNI and in the certificate check."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from webhooks import url_guard
from webhooks.transport import HOST_MISMATCH, post_pinned
from webhooks.url_guard import WebhookTarget, webhook_target

CERT_HOST = "hooks.example.test"
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _target(url: str, *addresses: str) -> WebhookTarget:
    scheme, rest = url.split("://")
    host, port = rest.split("/")[0].rsplit(":", 1)
    return WebhookTarget(url, scheme, host.strip("[]"), int(port), tuple(ipaddress.ip_address(a) for a in addresses))


def _post(target: WebhookTarget) -> requests.Response:
    with post_pinned(target, body=b'{"ok": true}', headers={"content-type": "application/json"}, timeout=5) as resp:
        resp.content  # read it all before the connection closes  # noqa: B018
        return resp


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sender must not resolve names: record any attempt and fail it."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            asked.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in this test") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_the_request_goes_to_the_checked_address_with_the_host_name_in_host(httpserver, no_dns):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    target = _target(f"http://{CERT_HOST}:{httpserver.port}/hook", "127.0.0.1")

    response = _post(target)

    assert response.status_code == 200
    [(request, _)] = httpserver.log
    assert request.headers["Host"] == f"{CERT_HOST}:{httpserver.port}"
    assert request.get_data() == b'{"ok": true}'
    assert no_dns == []


def test_the_sender_uses_the_guards_answer_not_a_second_lookup(httpserver, no_dns, monkeypatch, settings):
    # The guard's resolver is "the network": it says 127.0.0.1 once; a second lookup
    # (what requests did on its own before) would find nothing here.
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    answers: list[str] = []
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: answers.append(host) or [LOOPBACK])

    target = webhook_target(f"http://{CERT_HOST}:{httpserver.port}/hook")

    assert _post(target).status_code == 200
    assert answers == [CERT_HOST]
    assert no_dns == []
    assert len(httpserver.log) == 1


def test_an_address_that_refuses_the_connection_is_skipped_for_the_next(httpserver, no_dns):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    target = _target(f"http://{CERT_HOST}:{httpserver.port}/hook", "127.0.0.2", "127.0.0.1")
    with socket.socket() as probe:  # nothing listens on 127.0.0.2 at that port
        if probe.connect_ex(("127.0.0.2", httpserver.port)) == 0:
            pytest.skip("127.0.0.2 answers on this machine")

    assert _post(target).status_code == 200
    assert len(httpserver.log) == 1


def test_ipv6_addresses_are_pinned_too(no_dns):
    try:
        server = HTTPServer(host="::1")
        server.start()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        server.expect_request("/hook", method="POST").respond_with_data("ok")
        assert _post(_target(f"http://{CERT_HOST}:{server.port}/hook", "::1")).status_code == 200
        [(request, _)] = server.log
        assert request.headers["Host"] == f"{CERT_HOST}:{server.port}"
    finally:
        server.clear()
        server.stop()


def test_a_url_that_requests_reads_differently_is_not_sent(httpserver):
    # A target whose host is not the URL's (as a parser mismatch would make it).
    target = _target(f"http://{CERT_HOST}:{httpserver.port}/hook", "127.0.0.1")
    target = WebhookTarget(target.url, "http", "other.example.test", target.port, target.addresses)

    with pytest.raises(requests.exceptions.InvalidURL) as caught:
        _post(target)

    assert str(caught.value) == HOST_MISMATCH.format(seen=CERT_HOST, checked="other.example.test")
    assert httpserver.log == []


# TLS: a certificate for CERT_HOST from a test CA that stands in for the public ones.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
         "-out", str(cert), "-subj", f"/CN={CERT_HOST}", "-addext", f"subjectAltName=DNS:{CERT_HOST}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HTTPServer, list]]:
    """An https server on 127.0.0.1 that records the SNI names it is sent."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server = HTTPServer(host="127.0.0.1", ssl_context=context)
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(cert))  # trust the test CA
    yield server, names
    server.clear()
    server.stop()


def test_https_is_pinned_and_verified_against_the_host_name(tls_server, no_dns):
    server, names = tls_server

    response = _post(_target(f"https://{CERT_HOST}:{server.port}/hook", "127.0.0.1"))

    assert response.status_code == 200
    assert names == [CERT_HOST]
    [(request, _)] = server.log
    assert request.headers["Host"] == f"{CERT_HOST}:{server.port}"


def test_a_certificate_for_another_name_is_refused(tls_server, no_dns):
    server, names = tls_server

    with pytest.raises(requests.exceptions.SSLError, match=r"Hostname mismatch|doesn't match"):
        _post(_target(f"https://other.example.test:{server.port}/hook", "127.0.0.1"))

    assert names == ["other.example.test"]
    assert server.log == []
