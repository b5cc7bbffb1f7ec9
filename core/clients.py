"""Who the client is, seen through the reverse proxies we trust: the address every rate limit keys on.

Behind the documented nginx → gunicorn, ``REMOTE_ADDR`` is the proxy (127.0.0.1) for everyone, so a
limit per address would lock out a whole province at once. ``TRUSTED_PROXIES`` (addresses or
networks, e.g. ``127.0.0.1,10.0.0.0/8``) names the proxies whose ``X-Forwarded-For`` we believe:
the client is the right-most address in that header that is not one of them. A request from any
other peer is taken at its word: its ``REMOTE_ADDR``, whatever ``X-Forwarded-For`` it sends (a
client can write anything there).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest | None) -> str:
    """The client's address ("-" when there is no request or no usable address)."""
    if request is None:
        return "-"
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return "-"
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not _trusted(peer, networks):
        return str(peer)
    forwarded = [_address(part) for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(forwarded):
        if hop is None:
            break  # a malformed hop: nothing to its left can be believed
        if not _trusted(hop, networks):
            return str(hop)
    return str(peer)
