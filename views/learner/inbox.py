"""收件箱: the learner's messages; opening one marks it read and goes to the page it concerns."""
from flask import abort, redirect, render_template, request, url_for

from models import Message, now
from services.core.pagination import paginate
from views.auth import safe_next
from views.learner.base import bp, me


@bp.route("/inbox")
def inbox():
    query = Message.select().where(Message.user == me())
    page = paginate(query, request.args, {"created": Message.created_at}, default_sort="-created")
    return render_template("learner/inbox.html", page=page)


@bp.route("/inbox/<int:message_id>", methods=["POST"])
def open_message(message_id):
    """Mark the message read and go to the page it concerns."""
    message = Message.get_or_none(Message.id == message_id, Message.user == me())
    if message is None:
        abort(404)
    Message.update(read_at=now()).where(Message.id == message.id, Message.read_at.is_null()).execute()
    return redirect(safe_next(message.link) or url_for("learner.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
def read_all():
    Message.update(read_at=now()).where(Message.user == me(), Message.read_at.is_null()).execute()
    return redirect(url_for("learner.inbox"))
