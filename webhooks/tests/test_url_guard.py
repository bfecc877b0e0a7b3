"""The SSRF guard with the rule ON (the test settings lift it, so each test turns it on)."""

import ipaddress
import socket

import pytest

from webhooks.url_guard import UnsafeUrlError, check_webhook_url, is_public_address


@pytest.fixture
def guard_on(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False


@pytest.fixture
def dns(monkeypatch):
    """Make `socket.getaddrinfo` answer the given addresses for any host."""

    def answer(*addresses):
        infos = [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses
        ]
        monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: infos)

    return answer


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://10.0.0.1/hook", "10.0.0.1"),
        ("https://172.16.5.4/hook", "172.16.5.4"),
        ("https://192.168.1.1/hook", "192.168.1.1"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://100.64.0.1/hook", "100.64.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104 - a URL under test, not a bind
        ("https://224.0.0.1/hook", "224.0.0.1"),
        ("https://240.0.0.1/hook", "240.0.0.1"),
        ("https://[::1]/hook", "::1"),
        ("https://[::]/hook", "::"),
        ("https://[fe80::1]/hook", "fe80::1"),
        ("https://[fd00::1]/hook", "fd00::1"),
        ("https://[ff02::1]/hook", "ff02::1"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1"),
        ("https://[::ffff:169.254.169.254]/hook", "::ffff:a9fe:a9fe"),
        ("https://[2002:a00:1::]/hook", "2002:a00:1::"),
    ],
)
def test_it_refuses_private_and_special_addresses(guard_on, url, address):
    with pytest.raises(UnsafeUrlError) as caught:
        check_webhook_url(url)
    host = url.split("//")[1].split("/")[0].strip("[]")
    assert str(caught.value) == f"The host {host} resolves to {address}, which is not a public address."


def test_it_refuses_localhost_by_what_it_resolves_to(guard_on):
    with pytest.raises(UnsafeUrlError, match=r"^The host localhost resolves to (127\.0\.0\.1|::1), which"):
        check_webhook_url("https://localhost:8443/hook")


def test_it_refuses_a_hostname_that_resolves_to_a_private_address(guard_on, dns):
    dns("10.1.2.3")
    with pytest.raises(UnsafeUrlError) as caught:
        check_webhook_url("https://internal.example.com/hook")
    assert str(caught.value) == "The host internal.example.com resolves to 10.1.2.3, which is not a public address."


def test_every_resolved_address_must_be_public(guard_on, dns):
    dns("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "127.0.0.1")
    with pytest.raises(UnsafeUrlError, match=r"resolves to 127\.0\.0\.1,"):
        check_webhook_url("https://rebind.example.com/hook")


def test_it_accepts_a_hostname_with_only_public_addresses(guard_on, dns):
    dns("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert check_webhook_url("https://hooks.example.com/in?x=1") is None


def test_it_accepts_a_public_ip_literal(guard_on):
    assert check_webhook_url("https://93.184.215.14/hook") is None


@pytest.mark.parametrize("url", ["http://93.184.215.14/hook", "ftp://93.184.215.14/hook", "//93.184.215.14/hook"])
def test_it_requires_https(guard_on, url):
    with pytest.raises(UnsafeUrlError) as caught:
        check_webhook_url(url)
    assert str(caught.value) == "The URL must use https."


def test_an_unresolvable_host_is_refused(guard_on, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeUrlError) as caught:
        check_webhook_url("https://nowhere.invalid/hook")
    assert str(caught.value) == "The host nowhere.invalid could not be resolved."


def test_allow_private_urls_lifts_the_address_rule_and_allows_http(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert check_webhook_url("http://127.0.0.1:8000/hook") is None
    assert check_webhook_url("https://[::1]/hook") is None
    with pytest.raises(UnsafeUrlError, match="http or https"):
        check_webhook_url("ftp://127.0.0.1/hook")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::a00:1", False),
        ("198.18.0.1", False),
        ("255.255.255.255", False),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public
