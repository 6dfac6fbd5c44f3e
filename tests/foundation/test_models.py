"""Model-layer rules: immutable catalogue achievements, unique and foreign-key constraints."""
import pytest
from peewee import IntegrityError

from models import CatalogueAchievement, ConversionMethod, ImmutableError, LearnerAchievement, RecognitionStatus, db
from tests import factories


def test_saved_catalogue_achievement_cannot_be_changed(app, reference):
    catalogue_achievement = factories.make_catalogue(name="全国计算机等级考试一级证书")
    catalogue_achievement.name = "改过的名字"
    with pytest.raises(ImmutableError):
        catalogue_achievement.save()
    with pytest.raises(ImmutableError):
        CatalogueAchievement.update(name="x").where(CatalogueAchievement.id == catalogue_achievement.id).execute()
    assert CatalogueAchievement.get_by_id(catalogue_achievement.id).name == "全国计算机等级考试一级证书"


def test_catalogue_status_flags_change_through_named_fields(app, reference):
    catalogue_achievement = factories.make_catalogue()
    catalogue_achievement = CatalogueAchievement.get_by_id(catalogue_achievement.id)
    catalogue_achievement.recognition_status = RecognitionStatus.RECOGNISED
    catalogue_achievement.disabled = True
    catalogue_achievement.save()
    fresh = CatalogueAchievement.get_by_id(catalogue_achievement.id)
    assert (fresh.recognition_status, fresh.disabled) == ("recognised", True)


def test_learner_holds_a_catalogue_achievement_once(app, reference):
    learner = factories.make_learner()
    catalogue_achievement = factories.make_catalogue()
    factories.make_achievement(learner, catalogue_achievement)
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_achievement(learner, catalogue_achievement)
    # Non-catalogue (非名录) achievements are not limited.
    factories.make_achievement(learner)
    factories.make_achievement(learner)
    assert LearnerAchievement.select().where(LearnerAchievement.learner == learner).count() == 3


def test_one_published_method_per_institution(app):
    institution = factories.make_institution()
    factories.make_method(institution, published=True)
    factories.make_method(institution, published=False)  # drafts are unlimited
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_method(institution, published=True)
    assert ConversionMethod.select().where(ConversionMethod.institution == institution).count() == 2


@pytest.mark.parametrize("field", ["username", "phone", "id_number"])
def test_account_identifiers_are_unique(app, field):
    first = factories.make_learner()
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_learner(**{field: getattr(first, field)})


def test_foreign_keys_are_enforced(app, reference):
    """An achievement cannot point at a learner that does not exist (SQLite pragma on)."""
    with pytest.raises(IntegrityError), db.atomic():
        LearnerAchievement.create(
            learner=999999, category=factories.category("course"), name="x", status="not_applied", source="self"
        )


def test_rule_codes_are_unique(app, reference):
    source, target = factories.make_catalogue(), factories.make_catalogue(category_code="course")
    factories.make_rule([source], [target], code="202203010001")
    with pytest.raises(IntegrityError), db.atomic():
        factories.make_rule([source], [target], code="202203010001")
