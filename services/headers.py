"""Security headers on every response (Flask-Talisman): a Content-Security-Policy whose
scripts are the site's own files or inline blocks carrying this request's nonce, no
framing, nosniff, a referrer policy, and HSTS when the site runs on HTTPS
(``SESSION_COOKIE_SECURE=1``). Stored files get a stricter policy of their own
(``FILE_POLICY``, see views/files.py)."""
from flask import request
from flask_talisman import Talisman

talisman = Talisman()

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",  # + the request's nonce (content_security_policy_nonce_in)
    # <style> elements only from the site; style *attributes* stay allowed: select2, the
    # date pickers and Chart.js set them, and CSS in an attribute cannot select or load.
    "style-src": "'self' 'unsafe-inline'",
    # Libraries (select2, Chart.js) insert <style> elements at run time; styles cannot run
    # code, so inline ones are allowed, as style attributes are.
    "style-src-elem": "'self' 'unsafe-inline'",
    "style-src-attr": "'unsafe-inline'",
    # Bootstrap's form controls draw with data: SVGs; evidence previews are blob: URLs of the
    # files being chosen (static/app.js).
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# A stored file (an uploaded PDF or image) opened in the browser: no script, no plugins,
# no forms, a unique origin; a PDF viewer still renders it.
FILE_POLICY = {"default-src": "'none'", "img-src": "'self'", "style-src": "'unsafe-inline'",
               "object-src": "'self'", "sandbox": "", "frame-ancestors": "'none'"}


def init(app):
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman.init_app(
        app,
        # HTTPS is the proxy's job (and a redirect loop without TRUSTED_PROXIES); HSTS tells
        # browsers to keep to it once the site says it runs on HTTPS.
        force_https=False,
        strict_transport_security=secure,
        strict_transport_security_max_age=365 * 24 * 3600,
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )


def nonce():
    """This request's CSP nonce (for Flask-Admin's inline scripts)."""
    return getattr(request, "csp_nonce", "")
