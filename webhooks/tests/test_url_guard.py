"""The SSRF guard with the rule ON (the test settings lift it, so each test turns it on)."""

import ipaddress
import socket

import pytest

from webhooks import url_guard
from webhooks.url_guard import (
    URL_BACKSLASH,
    URL_BAD_CHARACTER,
    URL_BAD_HOST,
    URL_BAD_IPV4,
    URL_MALFORMED,
    URL_NO_HOST,
    URL_UNRESOLVABLE,
    URL_USERINFO,
    UnsafeUrlError,
    WebhookTarget,
    check_webhook_url,
    is_public_address,
    webhook_target,
)


@pytest.fixture
def guard_on(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False


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
        ("https://192.0.0.9/hook", "192.0.0.9"),
        ("https://192.0.0.170/hook", "192.0.0.170"),
        ("https://198.51.100.7/hook", "198.51.100.7"),
        ("https://255.255.255.255/hook", "255.255.255.255"),
        ("https://[fec0::1]/hook", "fec0::1"),
        ("https://[64:ff9b::7f00:1]/hook", "64:ff9b::7f00:1"),
        ("https://[::ffff:0:7f00:1]/hook", "::ffff:0:7f00:1"),
        ("https://[::7f00:1]/hook", "::7f00:1"),
        ("https://[2001::5efe:7f00:1]/hook", "2001::5efe:7f00:1"),
        ("https://[2001:db8::1]/hook", "2001:db8::1"),
        ("https://[3fff::1]/hook", "3fff::1"),
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
        ("64:ff9b::808:808", True),  # NAT64 of a public address (DNS64 networks)
        ("2002:808:808::1", True),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),
        ("64:ff9b::a00:1", False),
        ("64:ff9b:1::808:808", False),
        ("198.18.0.1", False),
        ("255.255.255.255", False),
        ("192.0.0.9", False),
        ("192.0.0.10", False),
        ("192.88.99.1", False),
        ("fec0::1", False),
        ("feff::1", False),
        ("2001::1", False),  # Teredo
        ("100::1", False),
        ("5f00::1", False),
        ("::8.8.8.8", False),  # IPv4-compatible: deprecated
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


# URLs that parsers read differently are refused whatever the addresses (even with
# private URLs allowed), before any DNS lookup.


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1:8594\\@8.8.8.8/hook", URL_BACKSLASH),  # urlsplit: 8.8.8.8, urllib3: 127.0.0.1
        ("https://hooks.example.com\\.evil.test/hook", URL_BACKSLASH),
        ("https://hooks.example.com/a\\b", URL_BACKSLASH),
        ("https://user:pass@hooks.example.com/hook", URL_USERINFO),
        ("https://user@hooks.example.com/hook", URL_USERINFO),
        ("https://@hooks.example.com/hook", URL_USERINFO),
        ("https://127.0.0.1:8594@8.8.8.8/hook", URL_USERINFO),
        ("https://hooks.example.com/a b", URL_BAD_CHARACTER),
        ("https://hooks.example.com/\t", URL_BAD_CHARACTER),
        ("https://b\u00fccher.example/hook", URL_BAD_CHARACTER),
        ("https://2130706433/hook", URL_BAD_IPV4.format(host="2130706433")),
        ("https://0177.0.0.1/hook", URL_BAD_IPV4.format(host="0177.0.0.1")),
        ("https://0x7f.0.0.1/hook", URL_BAD_IPV4.format(host="0x7f.0.0.1")),
        ("https://0x7f000001/hook", URL_BAD_IPV4.format(host="0x7f000001")),
        ("https://127.1/hook", URL_BAD_IPV4.format(host="127.1")),
        ("https://1.2.3.4.5/hook", URL_BAD_IPV4.format(host="1.2.3.4.5")),
        ("https://example.0x10/hook", URL_BAD_IPV4.format(host="example.0x10")),
        ("https://[fe80::1%25eth0]/hook", URL_BAD_HOST.format(host="fe80::1%25eth0")),
        ("https://[v1.fe]/hook", URL_BAD_HOST.format(host="v1.fe")),
        ("https://-hooks.example.com/hook", URL_BAD_HOST.format(host="-hooks.example.com")),
        ("https://hooks..example.com/hook", URL_BAD_HOST.format(host="hooks..example.com")),
        ("https://hooks.example.com%2f.evil.test/hook", URL_BAD_HOST.format(host="hooks.example.com%2f.evil.test")),
        ("https://:443/hook", URL_NO_HOST),
        ("https://hooks.example.com:99999/hook", URL_MALFORMED.format(error="Port out of range 0-65535")),
    ],
)
def test_it_refuses_urls_that_parsers_read_differently(settings, monkeypatch, allow_private, url, message):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = allow_private
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: pytest.fail(f"resolved {host}"))
    for check in (check_webhook_url, webhook_target):
        with pytest.raises(UnsafeUrlError) as caught:
            check(url)
        assert str(caught.value) == message


def test_a_canonical_ipv4_host_and_host_names_with_digits_are_fine(guard_on, dns):
    dns("93.184.215.14")
    assert check_webhook_url("https://93.184.215.14/hook") is None
    assert check_webhook_url("https://1.2.3.4.example.com/hook") is None
    assert check_webhook_url("https://123.example.com/hook") is None
    assert check_webhook_url("https://HOOKS.Example.com./in") is None


# At delivery: one resolution, every address checked, the target says where to connect.


@pytest.fixture
def answers(monkeypatch):
    """Play the DNS server through the guard's resolver; returns the names it was asked."""
    asked = []

    def answer(*addresses):
        def resolve(host, port):
            asked.append((host, port))
            return [ipaddress.ip_address(a) for a in addresses]

        monkeypatch.setattr(url_guard, "resolve_host", resolve)
        return asked

    return answer


def test_the_target_carries_the_checked_addresses_and_the_host(guard_on, answers):
    asked = answers("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")

    target = webhook_target("https://Hooks.Example.com:8443/in?x=1")

    assert asked == [("hooks.example.com", 8443)]
    assert target == WebhookTarget(
        url="https://Hooks.Example.com:8443/in?x=1",
        scheme="https",
        host="hooks.example.com",
        port=8443,
        addresses=(
            ipaddress.ip_address("93.184.215.14"),
            ipaddress.ip_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
        ),
    )
    assert target.host_header == "hooks.example.com:8443"


@pytest.mark.parametrize(
    ("url", "host_header"),
    [
        ("https://93.184.215.14/hook", "93.184.215.14"),
        ("https://93.184.215.14:443/hook", "93.184.215.14"),
        ("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/", "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443"),
    ],
)
def test_an_ip_literal_is_its_own_answer(guard_on, monkeypatch, url, host_header):
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: pytest.fail("a literal needs no DNS"))
    target = webhook_target(url)
    assert target.addresses == (ipaddress.ip_address(target.host),)
    assert target.host_header == host_header


def test_the_target_refuses_a_host_that_now_resolves_to_a_private_address(guard_on, answers):
    answers("93.184.215.14", "127.0.0.1")
    with pytest.raises(UnsafeUrlError) as caught:
        webhook_target("https://rebind.example.com/hook")
    assert str(caught.value) == "The host rebind.example.com resolves to 127.0.0.1, which is not a public address."


def test_with_private_urls_allowed_the_target_is_still_resolved_once(settings, answers):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    asked = answers("10.0.0.7")
    target = webhook_target("http://billing-hooks.internal/hook")
    assert target.addresses == (ipaddress.ip_address("10.0.0.7"),)
    assert target.port == 80
    assert asked == [("billing-hooks.internal", 80)]


def test_a_host_without_addresses_is_unresolvable(guard_on, answers):
    answers()
    with pytest.raises(UnsafeUrlError) as caught:
        webhook_target("https://empty.example.com/hook")
    assert str(caught.value) == URL_UNRESOLVABLE.format(host="empty.example.com")
