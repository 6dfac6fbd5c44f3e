"""Serving stored files to the users allowed to see the record they belong to."""
from flask import Blueprint, abort, request
from flask_login import current_user

from models import Attachment
from services.accounts import permissions
from services.core import audit
from services.files import storage
from web import headers

bp = Blueprint("files", __name__)


@bp.route("/files/<int:attachment_id>")
@headers.talisman(content_security_policy=headers.FILE_POLICY, content_security_policy_nonce_in=[])
def show(attachment_id):
    attachment = Attachment.get_or_none(Attachment.id == attachment_id)
    # The same 404 for "missing" and "not yours": nothing leaks about other records.
    if attachment is None or not permissions.can_view_attachment(current_user, attachment):
        abort(404)
    if attachment.owner_type == "import":
        # Import result workbooks hold full ID numbers and phones: who fetched one is audited,
        # as exports are.
        audit.record("import_result_downloaded", attachment, batch=attachment.owner_id, purpose=attachment.purpose)
    return storage.send(attachment, as_attachment=bool(request.args.get("download")))
