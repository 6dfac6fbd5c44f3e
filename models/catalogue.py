"""Taxonomy and catalogue: categories with their field schemas, authorisations, framework levels, 名录成果."""
import operator
from functools import reduce

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.accounts import Institution, User
from models.base import BaseModel, JSONField, StateMachine, now
from models.enums import CategoryKind, CategoryScope, Level, RecognitionStatus

# --- taxonomy and catalogue ----------------------------------------------------------


class Category(BaseModel):
    """成果大类 (parent is null) and 成果小类 (with a parent). A subcategory carries its
    form schema as data: ``field_schema`` is a list of
    ``{"name", "label", "type", "source": "catalogue"|"manual", "required", "options"}``
    and ``evidence`` a list of ``{"label", "required"}``."""

    id = AutoField()
    name = CharField(max_length=50)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    scope = CharField(max_length=20, default=CategoryScope.LEARNER, index=True)
    kind = CharField(max_length=20, choices=CategoryKind.choices(), index=True)
    code = CharField(max_length=50, unique=True)
    sort_order = IntegerField(default=0)
    field_schema = JSONField(default=list)
    evidence = JSONField(default=list)
    # Institution types: storing by hand needs the center's authorisation / is not allowed.
    requires_authorisation = BooleanField(default=False)
    manual_storage = BooleanField(default=True)
    # Which learner subcategory an institution type appears under in 成果选择.
    learner_category = ForeignKeyField("self", null=True, backref="institution_types", on_delete="SET NULL")
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("parent", "name"), True),)

    def __str__(self):
        return self.name

    @property
    def is_informal(self):
        return self.kind == CategoryKind.INFORMAL

    def catalogue_fields(self):
        return [f for f in self.field_schema or [] if f.get("source") == "catalogue"]

    def manual_fields(self):
        return [f for f in self.field_schema or [] if f.get("source") == "manual"]

    # Catalogue fields that name the body issuing the achievement (颁发机构, 职业技能鉴定机构名称,
    # 培训机构, 学校名称); a schema the center adds may mark others with "issuer": true.
    ISSUER_FIELDS = frozenset({"issuer", "appraisal_body", "training_body", "school_name"})

    def issuer_fields(self):
        return [f for f in self.catalogue_fields() if f["name"] in self.ISSUER_FIELDS or f.get("issuer")]

    @classmethod
    def issuer_field_names(cls):
        """Every issuing-body field name of any schema (one small query)."""
        names = set()
        for category in cls.select(cls.id, cls.field_schema):
            names.update(f["name"] for f in category.issuer_fields())
        return sorted(names)

    @classmethod
    def roots(cls, scope=CategoryScope.LEARNER):
        return cls.select().where(cls.parent.is_null(), cls.scope == scope).order_by(cls.sort_order, cls.id)


class InstitutionAuthorisation(BaseModel):
    """The center allows an institution to store achievements of one type by hand."""

    institution = ForeignKeyField(Institution, backref="authorisations", on_delete="CASCADE")
    category = ForeignKeyField(Category, on_delete="CASCADE")
    granted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    granted_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("institution", "category"), True),)


class FrameworkLevel(BaseModel):
    """广东终身教育资历框架 level 1..7 with its descriptors."""

    level = IntegerField(unique=True)
    name = CharField(max_length=20)
    knowledge = TextField()
    skills = TextField()
    competence = TextField()

    def __str__(self):
        return self.name


class ImmutableError(Exception):
    """Raised when code tries to change a saved catalogue achievement."""


class CatalogueAchievement(BaseModel):
    """名录成果 / 机构成果. Saved catalogue achievements are immutable except for the fields in
    ``MUTABLE_FIELDS`` (status flags changed by named actions): delete and re-create."""

    MUTABLE_FIELDS = frozenset({"recognition_status", "disabled"})

    # 认定状态 is set by the center's list actions, from either other state.
    STATES = StateMachine("recognition_status", {
        state: set(RecognitionStatus.codes()) - {state} for state in RecognitionStatus.codes()
    })

    id = AutoField()
    project_name = CharField(max_length=200, index=True)  # 项目名称
    name = CharField(max_length=200, index=True)  # 成果名称
    institution = ForeignKeyField(Institution, backref="catalogue", on_delete="RESTRICT")
    institution_id: int
    category = ForeignKeyField(Category, backref="catalogue", on_delete="RESTRICT")
    fields = JSONField(default=dict)  # values of the subcategory's catalogue fields
    level = CharField(max_length=20, null=True, choices=Level.choices())
    credits = DecimalField(max_digits=6, decimal_places=1, null=True)  # 学分银行学分
    framework_level = ForeignKeyField(FrameworkLevel, null=True, on_delete="SET NULL")
    valid_from = DateField(null=True)
    intro = TextField(null=True)
    recognition_status = CharField(max_length=20, default=RecognitionStatus.UNRECOGNISED, index=True)
    disabled = BooleanField(default=False, index=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now, index=True)
    # What makes two catalogue achievements the same achievement: the name and the course or
    # certificate code, normalised (services/records/catalogue.py); one per institution and key.
    identity_key = CharField(max_length=320, null=True)

    class Meta:
        only_save_dirty = True
        indexes = (
            (("institution", "created_at"), False),  # 机构成果, newest first
            (("institution", "identity_key"), True),
        )

    def __str__(self):
        return self.name

    def save(self, force_insert=False, only=None):
        if self._pk is not None and not force_insert:
            changed = set(only or []) | set(self.dirty_fields_names())
            forbidden = changed - self.MUTABLE_FIELDS
            if forbidden:
                raise ImmutableError(f"catalogue achievement {self._pk} is immutable: {sorted(forbidden)}")
        return super().save(force_insert=force_insert, only=only)

    def dirty_fields_names(self):
        return [f.name if hasattr(f, "name") else f for f in self.dirty_fields]

    @classmethod
    def update(cls, __data=None, **update):
        fields = {getattr(k, "name", k) for k in {**(__data or {}), **update}}
        forbidden = fields - cls.MUTABLE_FIELDS
        if forbidden:
            raise ImmutableError(f"catalogue achievements are immutable: {sorted(forbidden)}")
        return super().update(__data, **update)

    @property
    def issuing_body(self):
        """资历机构名称 as the picker shows it: its issuing-body field, else its institution."""
        for spec in self.category.issuer_fields():
            if (self.fields or {}).get(spec["name"]):
                return str(self.fields[spec["name"]])
        return self.institution.name

    @property
    def holder_category_id(self):
        """The learner subcategory a holder's achievement gets: institution types map to one."""
        return self.category.learner_category_id or self.category_id

    @classmethod
    def search(cls, project=None, name=None, institution=None, category=None):
        """成果选择: the three combinable criteria of the learner's picker."""
        query = (
            cls.select(cls, Institution, Category)
            .join(Institution)
            .switch(cls)
            .join(Category)
            .where(~cls.disabled)
            .order_by(cls.project_name, cls.name, cls.id)
        )
        if project:
            query = query.where(cls.project_name.contains(project))
        if name:
            query = query.where(cls.name.contains(name))
        if institution:
            # 资历机构名称: the institution row, or any issuing-body field of the catalogue achievement
            # (the manuals' "教育部考试中心" is the 职业技能鉴定机构名称 of those another body holds).
            matches = [cls.fields.key_text(key).contains(institution) for key in Category.issuer_field_names()]
            query = query.where(reduce(operator.or_, matches, Institution.name.contains(institution)))
        if category is not None:
            types = Category.select(Category.id).where(Category.learner_category == category)
            query = query.where((cls.category == category) | cls.category.in_(types))
        return query
