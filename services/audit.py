"""The audit log: who did what to which record, with details (read-only in the admin)."""
from flask import has_request_context, request
from flask_login import current_user

from models import AuditLog


def record(action, obj=None, user=None, **details):
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    AuditLog.create(
        user=user,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details or None,
        ip=request.remote_addr if has_request_context() else None,
    )
