"""Helpers of the web layer, above services and below forms, admin, views and app:
``headers`` (Flask-Talisman: CSP, frames, HSTS), ``sessions`` (server-side, revocable),
``inputs`` (integers and text from requests), ``template_helpers`` (what every template may
call), ``proxies`` (X-Forwarded-* believed only from TRUSTED_PROXIES), ``downloads`` (names
of downloads) and ``i18n`` (compiles i18n/*.po, lists what is untranslated). Nothing in
services imports them.
"""
