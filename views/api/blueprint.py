"""The API's blueprint, which every endpoint module adds its routes to, the errors each
operation documents, and the check a writing endpoint makes (authentication, limits and
error handling: views/api/__init__.py)."""
from flask import g
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from flask_smorest.error_handler import ErrorSchema

from models import ApiTokenScope
from services import permissions

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="学分银行机构接口 (institution API)")


def require_write():
    """Refuse a read token on an endpoint that writes."""
    if not permissions.token_allows(g.api_token, ApiTokenScope.WRITE):
        abort(403, message=_("This API token may only read."))


# Every error an operation can answer, documented with its JSON body and headers.
ERRORS = {
    400: ("a malformed request: the body is not JSON, or is nested too deeply", {}),
    401: ("no valid token", {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    403: ("a read-only token on an operation that writes", {}),
    409: ("a concurrent call stored the same items; send them again", {}),
    413: ("the body is larger than API_MAX_BODY_KB", {}),
    429: ("too many calls a minute for this token", {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}),
}
READ_ERRORS = (400, 401, 413, 429)
WRITE_ERRORS = (*READ_ERRORS, 403, 409)


def errors(*codes):
    """Document ``codes`` on an operation (422 and ``default`` come with its arguments)."""
    def decorate(view):
        for code in codes:
            description, headers = ERRORS[code]
            view = bp.alt_response(code, schema=ErrorSchema, description=description, headers=headers or None)(view)
        return view
    return decorate
