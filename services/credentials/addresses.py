"""The public addresses credentials carry: the platform's base URL, the URL of one of its
endpoints (both from PUBLIC_URL, never the request's Host: ``services.urls``), and the
issuer's id (its profile's URL). Content, status lists and the check of a credential all
name them."""
from services.urls import base_url, public_url

__all__ = ["base_url", "issuer_id", "public_url"]


def issuer_id():
    return public_url("credentials.issuer")
