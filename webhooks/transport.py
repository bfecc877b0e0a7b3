"""Sending a delivery to an address the SSRF guard checked (webhooks/url_guard.py).

Left to itself, `requests` resolves the host name again to connect, and a DNS server
that answers differently the second time (DNS rebinding) would get the request sent
to an address nobody checked. `post_pinned` connects to the checked addresses instead,
while the URL, the `Host` header, TLS's SNI and the certificate check all keep the host
name, so an https endpoint is verified exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from webhooks.url_guard import IPAddress, WebhookTarget

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

HOST_MISMATCH = "requests reads the host {seen!r} out of the URL, the guard checked {checked!r}"


class PinnedAddressAdapter(HTTPAdapter):
    """A transport adapter that connects to one IP address, whatever the URL's host
    name resolves to now. TLS still sends and verifies the host name (`server_hostname`)."""

    def __init__(self, host: str, address: IPAddress) -> None:
        self.host, self.address = host, address
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["host"] != self.host:
            # The guard and requests disagree about the URL: send nothing anywhere.
            raise requests.exceptions.InvalidURL(HOST_MISMATCH.format(seen=host_params["host"], checked=self.host))
        host_params["host"] = str(self.address)
        if host_params["scheme"] == "https":
            # A urllib3 pool argument the stubs' TypedDict leaves out (requests never sets it).
            pool_kwargs["server_hostname"] = self.host  # type: ignore[typeddict-unknown-key]
        return host_params, pool_kwargs


def post_pinned(target: WebhookTarget, *, body: bytes, headers: Mapping[str, str], timeout: float) -> requests.Response:
    """POST `body` to `target.url` through its checked addresses: the next one only when
    the connection to one could not be made (refused, unreachable), as browsers do.

    No redirects are followed (one could lead past the guard), and the response is
    streamed: read what you need and close it (use it in a `with`).
    """
    *others, last = target.addresses
    for address in others:
        try:
            return _post(target, address, body=body, headers=headers, timeout=timeout)
        except requests.ConnectionError as exc:
            if not _never_connected(exc):
                raise
    return _post(target, last, body=body, headers=headers, timeout=timeout)


def _post(
    target: WebhookTarget, address: IPAddress, *, body: bytes, headers: Mapping[str, str], timeout: float
) -> requests.Response:
    adapter = PinnedAddressAdapter(target.host, address)
    with requests.Session() as session:
        # No proxy or .netrc from the environment: the request goes where it was checked,
        # with no credentials it was not given.
        session.trust_env = False
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(
            target.url,
            data=body,
            headers={**headers, "host": target.host_header},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)
