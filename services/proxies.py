"""Forwarded headers trusted only from the reverse proxies named in ``TRUSTED_PROXIES``.

A proxy in front of the app puts the client's address in ``X-Forwarded-For`` and the
scheme in ``X-Forwarded-Proto``; anybody else can send the same headers. So they are read
only when the connection comes from an address of ``TRUSTED_PROXIES`` (CIDR blocks), and
the client is the right-most address of ``X-Forwarded-For`` that is not itself a trusted
proxy: what a client writes on the left of the header is never believed. Counting
proxies (werkzeug's ProxyFix) believes the header of whoever reaches the app directly.
Forwarded headers from an untrusted peer are ignored, with one warning per process: the
proxy is probably missing from ``TRUSTED_PROXIES`` and every visitor looks like it.
"""
import ipaddress
import logging

log = logging.getLogger(__name__)
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


def parse_networks(text):
    """CIDR blocks (or single addresses) separated by commas or spaces; ValueError names a bad one."""
    networks = []
    for part in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an address or a CIDR block") from None
    return tuple(networks)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and the scheme from a trusted proxy's headers."""

    def __init__(self, wsgi_app, networks):
        self.wsgi_app = wsgi_app
        self.networks = tuple(networks)
        self.warned = False

    def trusted(self, address):
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer, forwarded_for):
        """The right-most hop not in a trusted network (the address the first trusted
        proxy saw); a hop that is not an address ends the walk at the proxy behind it."""
        hop = peer
        for text in reversed(forwarded_for.split(",")):
            address = _address(text)
            if address is None:
                return hop
            hop = str(address)
            if not self.trusted(address):
                return hop
        return hop

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if self.trusted(_address(peer)):
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded_for.strip():
                environ["REMOTE_ADDR"] = self.client(peer, forwarded_for)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        elif not self.warned and any(environ.get(name) for name in FORWARDED_HEADERS):
            self.warned = True
            log.warning(
                "forwarded headers from %s are ignored: it is not in TRUSTED_PROXIES (%s). If a reverse proxy "
                "runs in front of the app, add its address, or every visitor counts as the proxy.",
                peer, ", ".join(str(n) for n in self.networks) or "empty",
            )
        return self.wsgi_app(environ, start_response)
