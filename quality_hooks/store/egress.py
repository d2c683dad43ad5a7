"""Where the store may send webhooks: public addresses only, checked when a channel is added and again per delivery.

A webhook URL comes from a project's write token, so without a check anyone
holding one could make the store POST to its own network: the database port,
a cloud metadata service (``169.254.169.254``), an admin page on loopback.
Every address the host name resolves to must be global; the check runs again
just before each delivery, so a name that later resolves to an internal
address (DNS rebinding) is refused then too. Redirects are not followed.
``store serve --allow-private-webhooks`` turns the check off for a store whose
receivers live on a private network on purpose.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class EgressRefused(Exception):
    """The URL may not be contacted; the message says which address and why."""


def address_problem(address: str) -> str | None:
    """Why ``address`` (an IP literal) is not a public destination, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, test in (
        ("loopback", ip.is_loopback),
        ("link-local (cloud metadata lives here)", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if test:
            return f"{ip} is a {kind} address"
    return None if ip.is_global else f"{ip} is not a public address"


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise :class:`EgressRefused` unless every address ``url``'s host resolves to is public.

    Resolving never contacts the address itself; a name that does not resolve is refused.
    """
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise EgressRefused("webhook URL has no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise EgressRefused(f"webhook host {host!r} does not resolve ({exc})") from None
    for *_, sockaddr in found:
        problem = address_problem(str(sockaddr[0]))
        if problem:
            raise EgressRefused(
                f"webhook host {host!r} resolves to {problem}; "
                "start the store with --allow-private-webhooks to allow internal receivers"
            )
