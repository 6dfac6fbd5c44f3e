"""The public addresses credentials carry: the platform's base URL, the URL of one of its
endpoints, and the issuer's id (its profile's URL). Content, status lists and the check
of a credential all name them."""
from flask import current_app, request, url_for


def base_url():
    """The platform's public address: PUBLIC_URL, else the address of this request."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def public_url(endpoint, **values):
    return base_url() + url_for(endpoint, **values)


def issuer_id():
    return public_url("credentials.issuer")
