"""机构信息 (SPEC §5): filled in at institution registration (views/institution.py) and
changed later under 账户管理 › 机构信息 (admin/institution/account.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from services.records.validators import CreditCode, Mobile, PostalCode, check_email, field_validator

Email = field_validator(check_email)
SCHOOL_TYPES = ("本科", "高职(专科)", "中职", "成人高校", "开放大学", "其他")


class InstitutionInfoForm(FlaskForm):
    """机构信息 (SPEC §5), used by registration and by 账户管理 › 机构信息."""

    supervisor = StringField(_l("Supervising authority"), validators=[Optional(), Length(max=100)])
    identifier_code = StringField(_l("Institution identifier code"), validators=[Optional(), Length(max=20)])
    credit_code = StringField(_l("Unified social credit code"), validators=[DataRequired(), CreditCode])
    school_type = SelectField(
        _l("School type"), choices=[("", "")] + [(t, t) for t in SCHOOL_TYPES], validators=[DataRequired()]
    )
    legal_representative = StringField(
        _l("Legal representative or person in charge"), validators=[DataRequired(), Length(max=50)]
    )
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=50)])
    contact_phone = StringField(_l("Contact mobile"), validators=[DataRequired(), Mobile])
    contact_email = StringField(_l("Contact email"), validators=[DataRequired(), Length(max=100), Email])
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(), PostalCode])
    address = StringField(_l("Mailing address"), validators=[DataRequired(), Length(max=200)])
    business_scope = TextAreaField(_l("Business scope"), validators=[DataRequired(), Length(max=2000)])
    intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=2000)])

    FIELDS = (
        "supervisor", "identifier_code", "credit_code", "school_type", "legal_representative", "contact_name",
        "contact_phone", "contact_email", "postal_code", "address", "business_scope", "intro",
    )

    def validate_credit_code(self, field):
        field.data = (field.data or "").strip().upper()

    def values(self):
        return {name: (self[name].data or "").strip() or None for name in self.FIELDS}
