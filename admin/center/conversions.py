"""转换记录 for the management center: every conversion an application decided or still waits
on (learners' own, performance conversions, institution batches), newest first, with its
review records, and 撤销转换 of a passed one (``admin.revocation``). Center staff only."""
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from admin.base import WhereFilter
from admin.center.base import CenterModelView
from admin.revocation import RevokeConversionMixin, revoke_link
from models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ConversionRule,
    Institution,
    LearnerAchievement,
    User,
)
from services import ledger
from services.records.validators import mask_id

Receiver = Institution.alias("receiver")


class ConversionRecordView(RevokeConversionMixin, CenterModelView):
    can_view_details = False
    column_list = ("learner", "id_number", "source", "kind", "rule", "receiver", "submitted_at", "status", "revoke")
    column_labels = dict(zip(column_list, (
        _l("Learner name"), _l("ID number"), _l("Source achievement"), _l("Application kind"), _l("Rule code"),
        _l("Receiving institution"), _l("Applied at"), _l("Conversion status"), _l("Operation")), strict=True))
    column_searchable_list = (User.real_name, User.id_number)
    column_sortable_list = ("submitted_at",)
    column_default_sort = ("submitted_at", True)
    column_filters = (
        WhereFilter(Application.status, _l("Conversion status"), lambda v: Application.status == v,
                    options=ApplicationStatus.choices),
        WhereFilter(Application.kind, _l("Application kind"), lambda v: Application.kind == v,
                    options=lambda: [(k, ApplicationKind.label(k)) for k in ledger.GRANTING_KINDS]),
    )
    column_formatters = {
        "learner": lambda v, c, m, n: m.learner.real_name,
        "id_number": lambda v, c, m, n: mask_id(m.learner.id_number),
        "source": lambda v, c, m, n: m.achievement.name,
        "kind": lambda v, c, m, n: ApplicationKind.label(m.kind),
        "rule": lambda v, c, m, n: m.rule.code if m.rule_id else "",
        "receiver": lambda v, c, m, n: m.receiver.name if m.receiver_id else "",
        "submitted_at": lambda v, c, m, n: m.submitted_at.strftime("%Y-%m-%d"),
        "status": lambda v, c, m, n: ApplicationStatus.label(m.status),
        "revoke": revoke_link,
    }

    def search_placeholder(self):
        return _l("Learner name or whole ID number")

    def scope(self, query):
        return query.where(Application.kind.in_(list(ledger.GRANTING_KINDS)))

    def base_query(self):
        return (
            Application.select(Application, User, LearnerAchievement, ConversionRule, Receiver)
            .join(User, on=(Application.learner == User.id))
            .switch(Application)
            .join(LearnerAchievement, on=(Application.achievement == LearnerAchievement.id))
            .switch(Application)
            .join(ConversionRule, JOIN.LEFT_OUTER, on=(Application.rule == ConversionRule.id))
            .switch(Application)
            .join(Receiver, JOIN.LEFT_OUTER, on=(Application.receiver == Receiver.id), attr="receiver")
            .switch(Application)
        )


def register(admin, menu):
    admin.add_view(ConversionRecordView(Application, name=_l("Conversion records"), category=menu,
                                        endpoint="center_conversions"))
