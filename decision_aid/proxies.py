"""Believe X-Forwarded-* only from the app's own reverse proxies.

Behind nginx, gunicorn's peer is nginx, and nginx says who the client is and that it came over
HTTPS. Anyone else who reaches gunicorn could send the same headers to pose as another address
(slipping past the sign-in throttle) or as HTTPS, so a request is passed through Werkzeug's
ProxyFix only when its direct peer is one of TRUSTED_PROXIES. gunicorn_conf.py gives gunicorn
the same list (forwarded_allow_ips), so the server and the app agree on whom to trust.
"""
from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def networks(trusted: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or networks ("10.0.0.0/24"); a mistyped one stops start-up, naming the setting."""
    try:
        return [ipaddress.ip_network(entry) for entry in trusted]
    except ValueError as error:
        raise ValueError(f"TRUSTED_PROXIES: {error}") from None


class TrustedProxyFix:
    def __init__(self, app, trusted: list[str], hops: int):
        self.direct = app
        # The proxy passes Host on itself (see deploy/); X-Forwarded-Host is never believed.
        self.forwarded = ProxyFix(app, x_for=hops, x_proto=hops, x_host=0, x_port=0)
        self.networks = networks(trusted)

    def trusts(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # an IPv4 peer on a dual-stack socket
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        app = self.forwarded if self.trusts(environ.get("REMOTE_ADDR", "")) else self.direct
        return app(environ, start_response)
