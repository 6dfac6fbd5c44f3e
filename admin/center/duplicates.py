"""重复证书: learner achievements whose certificate number of the same
catalogue achievement is also recorded for another account, each row with the record it
duplicates. The flag is kept when rows are written (services/records/duplicates.py), so the list
reads the flagged rows through their index (``duplicate_of``) and counts them there too:
no grouping over the table when the page is viewed. Center staff only."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from peewee import JOIN, fn

from admin.base import WhereFilter
from admin.center.base import CenterModelView
from admin.lists import rare
from models import AchievementStatus, CatalogueAchievement, Institution, LearnerAchievement, User
from services.records.validators import mask_id

ORIGINAL = LearnerAchievement.alias("original")
ORIGINAL_HOLDER = User.alias("original_holder")
STORER = Institution.alias("storer")
ORIGINAL_STORER = Institution.alias("original_storer")
STORED = LearnerAchievement.alias("stored")

BOTH_STORED = "stored"
TWO_PEOPLE = "people"


def _stored_twice():
    """Both rows stored by institutions (the other by its id: no join needed, so the
    count query, which has none, can apply the filter too). The flagged rows are few: the
    list walks its partial index and looks each original up by key — ``COALESCE`` keeps
    the planner off the index of every stored row (0.8 s at a million rows), and EXISTS
    off a list of every stored id."""
    original_stored = STORED.select(STORED.id).where(
        (STORED.id == LearnerAchievement.duplicate_of) & STORED.stored_by.is_null(False))
    return (fn.COALESCE(LearnerAchievement.stored_by, 0) != 0) & fn.EXISTS(original_stored)


def _record_columns(achievement):
    """The columns of an achievement (this record or the one it duplicates) the row shows."""
    return (achievement.id, achievement.learner, achievement.catalogue, achievement.stored_by, achievement.status,
            achievement.certificate_key, achievement.created_at, achievement.duplicate_of)


def kind_options():
    return [(BOTH_STORED, _("Stored twice by institutions")), (TWO_PEOPLE, _("Held by two people"))]


def _record(holder, achievement, storer):
    stored = storer.name if achievement.stored_by_id else _("Self-added")
    return Markup("{}<div class='small text-muted'>{} · {} · {} · {}</div>").format(
        holder.real_name, mask_id(holder.id_number), stored, AchievementStatus.label(achievement.status),
        achievement.created_at)


def _kind(model):
    both = model.stored_by_id and model.original.stored_by_id
    return _("Stored twice by institutions") if both else _("Held by two people")


class DuplicateCertificateView(CenterModelView):
    can_view_details = False
    column_list = ("certificate_key", "catalogue", "learner", "original", "kind", "created_at")
    column_labels = dict(zip(column_list, (
        _l("Certificate number"), _l("Catalogue achievement"), _l("This record"), _l("Duplicates the record"),
        _l("Kind of duplicate"), _l("Stored at")), strict=True))
    column_searchable_list = ("certificate_key", User.real_name, User.id_number)
    search_narrows = False  # the flagged rows are few: test each, not every namesake's records
    column_sortable_list = ("certificate_key", "created_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        WhereFilter(LearnerAchievement.stored_by, _l("Kind of duplicate"),
                    lambda v: _stored_twice() if v == BOTH_STORED else ~_stored_twice(), options=kind_options),
        # A name matches a few catalogue achievements: SQLite reads their copies by
        # catalogue rather than testing every flagged row (12 → 1 ms at 1M).
        WhereFilter(LearnerAchievement.catalogue, _l("Catalogue achievement"),
                    lambda v: rare(LearnerAchievement.catalogue.in_(
                        CatalogueAchievement.select(CatalogueAchievement.id)
                        .where(CatalogueAchievement.name.contains(v.strip()))))),
    )
    column_formatters = {
        "catalogue": lambda v, c, m, n: m.catalogue.name,
        "learner": lambda v, c, m, n: _record(m.learner, m, m.storer),
        "original": lambda v, c, m, n: _record(m.original.holder, m.original, m.original.storer),
        "kind": lambda v, c, m, n: _kind(m),
    }

    def search_placeholder(self):
        return _("Certificate number, learner name or whole ID number")

    def scope(self, query):
        return query.where(LearnerAchievement.duplicate_of.is_null(False))

    def display_columns(self):
        return (*_record_columns(LearnerAchievement), *_record_columns(ORIGINAL), User.id, User.real_name, User.id_number,
                ORIGINAL_HOLDER.id, ORIGINAL_HOLDER.real_name, ORIGINAL_HOLDER.id_number, CatalogueAchievement.id,
                CatalogueAchievement.name, STORER.id, STORER.name, ORIGINAL_STORER.id, ORIGINAL_STORER.name)

    def base_query(self):
        return (
            LearnerAchievement.select(LearnerAchievement, User, CatalogueAchievement, STORER, ORIGINAL,
                                      ORIGINAL_HOLDER, ORIGINAL_STORER)
            .join(User, on=(LearnerAchievement.learner == User.id))
            .switch(LearnerAchievement)
            .join(CatalogueAchievement, on=(LearnerAchievement.catalogue == CatalogueAchievement.id))
            .switch(LearnerAchievement)
            .join(STORER, JOIN.LEFT_OUTER, on=(LearnerAchievement.stored_by == STORER.id), attr="storer")
            .switch(LearnerAchievement)
            .join(ORIGINAL, on=(LearnerAchievement.duplicate_of == ORIGINAL.id), attr="original")
            .join(ORIGINAL_HOLDER, on=(ORIGINAL.learner == ORIGINAL_HOLDER.id), attr="holder")
            .switch(ORIGINAL)
            .join(ORIGINAL_STORER, JOIN.LEFT_OUTER, on=(ORIGINAL.stored_by == ORIGINAL_STORER.id), attr="storer")
            .switch(LearnerAchievement)
        )


def register(admin, menu):
    admin.add_view(DuplicateCertificateView(LearnerAchievement, name=_l("Duplicate certificates"), category=menu,
                                            endpoint="duplicate_certificates"))
