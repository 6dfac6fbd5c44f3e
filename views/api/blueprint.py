"""The API's blueprint, which every endpoint module adds its routes to, and the check a
writing endpoint makes (authentication, limits and errors: views/api/__init__.py)."""
from flask import g
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from models import ApiTokenScope
from services import permissions

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="学分银行机构接口 (institution API)")


def require_write():
    """Refuse a read token on an endpoint that writes."""
    if not permissions.token_allows(g.api_token, ApiTokenScope.WRITE):
        abort(403, message=_("This API token may only read."))
