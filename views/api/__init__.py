"""The institution API, /api/v1/, served by flask-smorest inside the plain Flask
app: marshmallow schemas validate requests and document responses, and apispec writes the
OpenAPI 3 document at /api/v1/openapi.json.

Every call carries ``Authorization: Bearer <token>`` (a 接口令牌 of 账户管理); session
cookies are never read, so a logged-in browser cannot call the API, and CSRF does not
apply. Without a valid token: 401 (JSON, never a redirect); a read token on a write
endpoint: 403, before the body is looked at; past ``API_RATE_LIMIT`` calls a minute per
token (that many at once, then one every minute / API_RATE_LIMIT): 429 with Retry-After. Every answer under /api/ is JSON, whatever its status (an
unknown path, a wrong method, a body too large or nested too deep). Each authenticated
call leaves one audit row (token, endpoint, status, item count)."""
import datetime as dt
import os

from flask import Request, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Api, abort
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from models import ApiTokenScope, InstitutionStatus
from services.accounts import api_tokens, permissions, throttle
from services.core import audit
from views.api import achievements, lists  # noqa: F401  (their routes join ``bp``)
from views.api.blueprint import bp
from views.api.schemas import ONE_OF_THE_NAMES


class PlatformApi(Api):
    """flask-smorest answers every HTTP error of the whole app in JSON; here only the API's
    own (the blueprint's handler below), so the site keeps its HTML error pages."""

    def _register_error_handlers(self):
        pass


PREFIX = "/api/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BoundedRequest(Request):
    """The API's body limit applies from the first byte read, to a body with a
    Content-Length and to a chunked one alike (werkzeug bounds the stream of a chunked body
    by ``max_content_length`` when it is made, before any view runs)."""

    @property
    def max_content_length(self):
        if self.path.startswith(PREFIX):
            return current_app.config["API_MAX_BODY_KB"] * 1024
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        Request.max_content_length.fset(self, value)


def settings(app):
    env = os.environ.get
    app.config.setdefault("API_RATE_LIMIT", int(env("API_RATE_LIMIT", 120)))  # calls a minute per token
    app.config.setdefault("API_MAX_ROWS", int(env("API_MAX_ROWS", 1000)))  # items per push
    app.config.setdefault("API_MAX_BODY_KB", int(env("API_MAX_BODY_KB", 1024)))  # request body
    app.config.update(
        API_TITLE="Credit Bank Platform institution API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "servers": [{"url": app.config["PUBLIC_URL"], "description": "this installation"}],
            "info": {"description": "Bearer tokens are created by the institution account under "
                                    "账户管理 › 接口令牌. Every call is scoped to the token's institution. "
                                    "Every error is JSON (code, status, message, errors)."},
        },
    )


def init(app):
    """Register the API and its OpenAPI document."""
    settings(app)
    app.request_class = BoundedRequest
    api = PlatformApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "an API token (cbk_…) of 接口令牌"})
    api.register_blueprint(bp)
    # marshmallow has no way to say "this field or its former name": the document says it.
    api.spec.components.schemas["PushItem"].update(ONE_OF_THE_NAMES)
    app.extensions["csrf"].exempt(bp)  # token authentication, no cookies
    app.register_error_handler(HTTPException, _api_or_page)
    return api


def _api_or_page(error):
    """Errors without a handler of their own: JSON under /api/ (an unknown path or method
    never reaches the API's blueprint), Werkzeug's page elsewhere."""
    return json_error(error) if request.path.startswith(PREFIX) else error


def json_error(error):
    """Errors of the API in JSON (flask-smorest's ErrorSchema: code, status, message, errors)."""
    payload = {"code": error.code, "status": error.name}
    data = getattr(error, "data", None) or {}
    payload["message"] = data.get("message") or error.description or error.name
    errors = data.get("errors", data.get("messages"))
    if errors:
        payload["errors"] = errors
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return payload, error.code, headers


bp.register_error_handler(HTTPException, json_error)


@bp.errorhandler(RecursionError)
def too_deep(_error):
    """A body nested deeper than the JSON parser goes (thousands of [ or {)."""
    return {"code": 400, "status": "Bad Request", "message": _("The JSON body is nested too deeply.")}, 400


# Flask prefers the app's handler of a status code (the site's HTML 400/403/404 pages) to a
# blueprint's handler of a class: the API claims each code itself.
for _code in default_exceptions:
    bp.register_error_handler(_code, json_error)


def rate_limit():
    return throttle.Limit("api_token", current_app.config["API_RATE_LIMIT"], dt.timedelta(minutes=1))


@bp.before_request
def authenticate():
    g.api_token = None
    token = api_tokens.authenticate(request.headers.get("Authorization"))
    if token is None or token.institution.status != InstitutionStatus.ACTIVE:
        abort(401, message=_("A valid API token is required (Authorization: Bearer <token>)."),
              headers={"WWW-Authenticate": 'Bearer realm="api"'})
    try:
        throttle.pace(rate_limit(), str(token.id))
    except throttle.Throttled as error:
        abort(429, message=str(error), headers={"Retry-After": str(error.seconds)})
    g.api_token = token
    g.api_principal = permissions.TokenPrincipal(token)
    g.api_count = 0
    # Authorisation before validation: a read token learns nothing about a body it may not send.
    if request.method not in SAFE_METHODS and not permissions.token_allows(token, ApiTokenScope.WRITE):
        abort(403, message=_("This API token may only read."))
    if _too_large():
        abort(413, message=_("The request body is larger than %(kb)s KB.", kb=current_app.config["API_MAX_BODY_KB"]))
    api_tokens.touch(token)


def _too_large():
    """A body over the limit, said by its Content-Length or, for a chunked one, found by
    reading it up to the limit (the stream stops there) and finding one byte more."""
    limit = request.max_content_length
    if request.content_length is not None:
        return request.content_length > limit
    if request.method in SAFE_METHODS:
        return False
    return len(request.get_data(cache=True)) >= limit and bool(request.input_stream.read(1))


@bp.after_request
def audit_call(response):
    token = g.get("api_token")
    if token is not None:
        audit.record("api_call", token, user=token.created_by_id, endpoint=request.endpoint, method=request.method,
                     status=response.status_code, count=g.get("api_count", 0))
    return response
