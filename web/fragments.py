"""``{% cache None, "name", *vary %}…{% endcache %}`` in templates (Flask-Caching's Jinja
extension): a part of a page that is the same for everyone who opens the same page in
the same language — a menu, the footer, the stylesheet and script links — is rendered
once per process and kept, keyed by its name and what it varies on (``fragment_key()``
and anything else the template adds). What depends on the person (their name, unread
count, CSRF token) stays outside. Debug mode keeps nothing, so edited templates show."""
from flask import request
from flask_babel import get_locale
from flask_caching import Cache

fragments = Cache()


def fragment_key():
    """What every kept fragment varies on: the language and where the app is mounted
    (its links start with the script root)."""
    return f"{get_locale()}|{request.script_root}"


def init(app):
    fragments.init_app(app, config={
        "CACHE_TYPE": "NullCache" if app.debug else "SimpleCache",
        # The fragments are a function of their keys: nothing to expire. A few hundred at
        # most (menus × endpoints × languages); the threshold only bounds a mistake.
        "CACHE_DEFAULT_TIMEOUT": 0,
        "CACHE_THRESHOLD": 2000,
        "CACHE_NO_NULL_WARNING": True,
    })
    app.jinja_env.globals["fragment_key"] = fragment_key
