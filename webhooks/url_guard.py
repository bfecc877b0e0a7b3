"""The SSRF guard of webhook URLs: only `https` to hosts whose every address is public.

Checked when an endpoint is saved (`check_webhook_url`) and at each delivery attempt
(`webhook_target`), which also says where to connect: the host is resolved once, every
address it resolves to is checked, and the request goes to one of those very addresses
(webhooks/transport.py). Nothing resolves the name a second time, so a DNS answer that
changes between the check and the connection (DNS rebinding) reaches nothing.

The URL must also read the same to every parser: no backslash (Python's `urlsplit`
and urllib3 split `https://127.0.0.1:8594\\@8.8.8.8/` at different places), no user
name or password, nothing but printable ASCII, and an IPv4 host only in dotted decimal
(`http://2130706433/` and `http://0177.0.0.1/` are 127.0.0.1 to some parsers).

`settings.WEBHOOK_ALLOW_PRIVATE_URLS` (development and tests) lifts the address rule
and also allows `http`; the URL rules and the pinning stay.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

URL_BAD_SCHEME = "The URL must use https."
URL_BAD_SCHEME_DEV = "The URL must use http or https."
URL_BACKSLASH = "The URL may not contain a backslash."
URL_BAD_CHARACTER = (
    "The URL may contain only printable ASCII characters, without spaces; "
    "write an international host name in its xn-- form."
)
URL_USERINFO = "The URL may not contain a user name or password (user:pass@)."
URL_MALFORMED = "The URL is malformed: {error}."
URL_NO_HOST = "The URL has no host."
URL_BAD_HOST = "The host {host} is neither a host name nor an IP address."
URL_BAD_IPV4 = "The host {host} is not an IPv4 address written as four decimal numbers (like 93.184.215.14)."
URL_UNRESOLVABLE = "The host {host} could not be resolved."
URL_BLOCKED_ADDRESS = "The host {host} resolves to {address}, which is not a public address."

DEFAULT_PORTS = {"http": 80, "https": 443}
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]*$")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
# A last label of digits (or 0x…) makes a host an IPv4 address to URL parsers (WHATWG).
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")

# IANA's special-purpose address registries (RFC 6890 and later): ranges that are not
# globally reachable or not meant for servers. Spelled out because the `ipaddress`
# tables differ between Python versions (3.11's calls 192.0.0.9 and fec0::1 global).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network", 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, 255.255.255.255
        "::/96",  # unspecified, loopback, IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrlError(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the tenant)."""


@dataclass(frozen=True)
class WebhookTarget:
    """Where a delivery goes: the URL, its host (as every parser reads it) and port,
    and the addresses the host resolved to, all checked, in the resolver's order."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        """The `Host` header: the URL's host (and port, unless the scheme's default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"


def check_webhook_url(url: str) -> None:
    """Raise `UnsafeUrlError` unless `url` may be saved as a webhook endpoint now.

    >>> check_webhook_url("https://169.254.169.254/latest/meta-data")
    Traceback (most recent call last):
    UnsafeUrlError: The host 169.254.169.254 resolves to 169.254.169.254, which is not a public address.
    """
    _, host, port = _parse(url)
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        _checked_addresses(host, port)


def webhook_target(url: str) -> WebhookTarget:
    """Resolve the URL's host once and check every address: where to send a delivery.

    Raises `UnsafeUrlError` as `check_webhook_url` does (with the address rule lifted
    by WEBHOOK_ALLOW_PRIVATE_URLS, the host must still resolve).
    """
    scheme, host, port = _parse(url)
    return WebhookTarget(url, scheme, host, port, tuple(_checked_addresses(host, port)))


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address a host name resolves to now, in the resolver's order (the network's
    answer: tests replace this function to play a DNS server)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrlError(URL_UNRESOLVABLE.format(host=host)) from exc
    # An IPv6 scope ("fe80::1%eth0") is not part of the address.
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def is_public_address(address: IPAddress) -> bool:
    """True for globally routable unicast addresses only.

    An IPv6 address that carries the IPv4 address the traffic ends up at (IPv4-mapped
    `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is judged by that IPv4 address; a
    6to4 one (`2002::/16`) must be public with its embedded IPv4 address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
    if any(address in network for network in _NOT_PUBLIC):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _parse(url: str) -> tuple[str, str, int]:
    """The URL's scheme, host and port, read as every parser reads them, or UnsafeUrlError."""
    if "\\" in url:
        raise UnsafeUrlError(URL_BACKSLASH)
    if not _PRINTABLE_ASCII.match(url):
        raise UnsafeUrlError(URL_BAD_CHARACTER)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port out of range or not a number, a bad [IPv6] host
        raise UnsafeUrlError(URL_MALFORMED.format(error=exc)) from exc
    _check_scheme(parts.scheme)
    if "@" in parts.netloc:
        raise UnsafeUrlError(URL_USERINFO)
    if not parts.hostname:
        raise UnsafeUrlError(URL_NO_HOST)
    _check_host(parts.hostname, bracketed=parts.netloc.startswith("["))
    return parts.scheme, parts.hostname, DEFAULT_PORTS[parts.scheme] if port is None else port


def _check_scheme(scheme: str) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS and scheme not in DEFAULT_PORTS:
        raise UnsafeUrlError(URL_BAD_SCHEME_DEV)
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and scheme != "https":
        raise UnsafeUrlError(URL_BAD_SCHEME)


def _check_host(host: str, *, bracketed: bool) -> None:
    if bracketed:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeUrlError(URL_BAD_HOST.format(host=host)) from None
        if "%" in host:  # a zone id means an interface of this machine
            raise UnsafeUrlError(URL_BAD_HOST.format(host=host))
    elif _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = ""
        if canonical != host:
            raise UnsafeUrlError(URL_BAD_IPV4.format(host=host))
    elif not _HOST_NAME.match(host):
        raise UnsafeUrlError(URL_BAD_HOST.format(host=host))


def _checked_addresses(host: str, port: int) -> list[IPAddress]:
    try:
        addresses = [ipaddress.ip_address(host)]  # a literal is its own answer: no DNS
    except ValueError:
        addresses = resolve_host(host, port)
    if not addresses:
        raise UnsafeUrlError(URL_UNRESOLVABLE.format(host=host))
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if not is_public_address(address):
                raise UnsafeUrlError(URL_BLOCKED_ADDRESS.format(host=host, address=address))
    return addresses
