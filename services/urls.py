"""Absolute addresses of the platform's pages: always PUBLIC_URL (app.py makes sure it is
set), never the Host header of a request, so a forged header cannot put another site
into a link, an e-mail or a signed credential."""
from flask import current_app

from services.notify import link_to


def base_url():
    return current_app.config["PUBLIC_URL"].rstrip("/")


def public_url(endpoint, **values):
    return base_url() + link_to(endpoint, **values)
