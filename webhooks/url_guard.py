"""The SSRF guard of webhook URLs: only `https` to hosts whose every address is public.

Checked when an endpoint is saved and again before each delivery attempt, because
DNS can change between the two. `settings.WEBHOOK_ALLOW_PRIVATE_URLS` (development
and tests) lifts the address rule and also allows `http`.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

URL_BAD_SCHEME = "The URL must use https."
URL_BAD_SCHEME_DEV = "The URL must use http or https."
URL_NO_HOST = "The URL has no host."
URL_UNRESOLVABLE = "The host {host} could not be resolved."
URL_BLOCKED_ADDRESS = "The host {host} resolves to {address}, which is not a public address."


class UnsafeUrlError(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the tenant)."""


def check_webhook_url(url: str) -> None:
    """Raise `UnsafeUrlError` unless `url` may receive webhooks now.

    >>> check_webhook_url("https://169.254.169.254/latest/meta-data")
    Traceback (most recent call last):
    UnsafeUrlError: The host 169.254.169.254 resolves to 169.254.169.254, which is not a public address.
    """
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    if allow_private and parts.scheme not in {"http", "https"}:
        raise UnsafeUrlError(URL_BAD_SCHEME_DEV)
    if not allow_private and parts.scheme != "https":
        raise UnsafeUrlError(URL_BAD_SCHEME)
    host = parts.hostname
    if not host:
        raise UnsafeUrlError(URL_NO_HOST)
    if allow_private:
        return
    try:
        port = parts.port or 443
    except ValueError as exc:  # a port out of range or not a number
        raise UnsafeUrlError(str(exc)) from exc
    for address in _resolve(host, port):
        if not is_public_address(address):
            raise UnsafeUrlError(URL_BLOCKED_ADDRESS.format(host=host, address=address))


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrlError(URL_UNRESOLVABLE.format(host=host)) from exc
    # An IPv6 scope ("fe80::1%eth0") is not part of the address.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeUrlError(URL_UNRESOLVABLE.format(host=host))
    return addresses


def is_public_address(address: IPAddress) -> bool:
    """True for globally routable unicast addresses only.

    An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is judged by its IPv4 address,
    which is where the kernel connects; a 6to4 one (`2002::/16`) must be public
    with its embedded IPv4 address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
