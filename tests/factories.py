"""Factories that build the rows tests need, with valid defaults: ``make_learner()``,
``make_catalogue()``, ``make_rule()``… Every factory accepts field overrides."""
import datetime as dt
import itertools
from decimal import Decimal

from models import (
    AchievementSource,
    AchievementStatus,
    CatalogueAchievement,
    Category,
    ConversionMethod,
    ConversionRule,
    Institution,
    InstitutionKind,
    LearnerAchievement,
    PublishStatus,
    Role,
    RuleSource,
    RuleStatus,
    RuleTarget,
    RuleType,
    User,
)
from services import accounts
from services.records.catalogue import identity_key
from services.validators import id_birth_date, id_check_char, id_gender

PASSWORD = "Passw0rd!"


def png_bytes(size=(40, 30)):
    """A real PNG (uploads are decoded and encoded again, so fakes are refused)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes():
    """A real one-page PDF (uploads are parsed, so a bare "%PDF-" header is refused)."""
    import io

    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(200, 200)
    writer.write(buffer)
    return buffer.getvalue()
_seq = itertools.count(1)


def next_id():
    return next(_seq)


def valid_id_number(n=None, birth="19900101"):
    n = next_id() if n is None else n
    first17 = f"440106{birth}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def make_institution(kind=InstitutionKind.COLLEGE, **fields):
    n = next_id()
    fields.setdefault("name", f"测试机构{n}")
    fields.setdefault("school_code", f"S{n:05d}")
    return Institution.create(kind=kind, **fields)


def make_teaching_point(**fields):
    return make_institution(InstitutionKind.TEACHING_POINT, **fields)


ROLE_NEEDS_INSTITUTION = {
    Role.REVIEWER: InstitutionKind.TEACHING_POINT,
    Role.INSTITUTION: InstitutionKind.COLLEGE,
    Role.SUBUSER: InstitutionKind.COLLEGE,
}


def make_user(role="learner", password=PASSWORD, **fields):
    n = next_id()
    role = role
    fields.setdefault("username", f"{role}{n}")
    fields.setdefault("real_name", f"用户{n}")
    fields.setdefault("phone", f"139{n:08d}")
    if role in ROLE_NEEDS_INSTITUTION and "institution" not in fields:
        fields["institution"] = make_institution(ROLE_NEEDS_INSTITUTION[role])
    if role == Role.LEARNER:
        id_number = fields.setdefault("id_number", valid_id_number(n))
        fields.setdefault("gender", id_gender(id_number))
        fields.setdefault("birth_date", id_birth_date(id_number))
    if role == Role.COMMITTEE:
        fields.setdefault("department", "学分银行管理中心")
    user = User(role=role, **fields)
    user.password_hash = accounts.hash_password(password) if password else None
    user.save()
    return user


def make_learner(**fields):
    return make_user("learner", **fields)


def login(client, user, password=PASSWORD):
    identity = "institution" if user.role in ("institution", "subuser") else "person"
    response = client.post(
        "/login", data={"identity": identity, "identifier": user.username, "password": password}
    )
    assert response.status_code == 302, response.data[:500]
    return response


def category(code_):
    """A seeded category by code (needs the ``reference`` fixture)."""
    return Category.get(Category.code == code_)


def make_catalogue(category_code="qualification", institution=None, **fields):
    n = next_id()
    fields.setdefault("project_name", f"项目{n}")
    fields.setdefault("name", f"名录成果{n}")
    fields.setdefault("credits", Decimal("2"))
    fields.setdefault("identity_key", identity_key(fields["name"], fields.get("fields")))
    return CatalogueAchievement.create(
        institution=institution or make_institution(InstitutionKind.EXAM),
        category=category(category_code),
        **fields,
    )


def make_method(institution, published=True, **fields):
    return ConversionMethod.create(
        institution=institution,
        name=fields.pop("name", f"{institution.name}转换办法"),
        status=PublishStatus.PUBLISHED if published else PublishStatus.UNPUBLISHED,
        commitment_accepted=True,
        **fields,
    )


def make_rule(sources, targets, institution=None, status=RuleStatus.PUBLISHED, **fields):
    """A rule of ``institution`` (default: the first target's) from sources to targets."""
    institution = institution or targets[0].institution
    method = (
        ConversionMethod.select()
        .where(ConversionMethod.institution == institution, ConversionMethod.status == PublishStatus.PUBLISHED)
        .first()
        or make_method(institution)
    )
    n = next_id()
    rule = ConversionRule.create(
        code=fields.pop("code", f"{dt.date.today():%Y%m%d}{n % 10000:04d}"),
        name=fields.pop("name", f"转换规则{n}"),
        rule_type=fields.pop("rule_type", RuleType.NON_DEGREE_TO_DEGREE),
        institution=institution,
        method=method,
        status=status,
        **fields,
    )
    for source in sources:
        RuleSource.create(rule=rule, catalogue=source, credits=source.credits)
    for target in targets:
        RuleTarget.create(rule=rule, catalogue=target)
    return rule


def make_achievement(learner, catalogue=None, status=None, **fields):
    """A learner achievement; from ``catalogue`` when given, else an informal one."""
    if catalogue is not None:
        fields.setdefault("category", catalogue.category)
        fields.setdefault("name", catalogue.name)
        fields.setdefault("institution", catalogue.institution)
        status = status or AchievementStatus.CATALOGUE
    else:
        fields.setdefault("category", category("perf_competition"))
        fields.setdefault("name", f"业绩成果{next_id()}")
        fields.setdefault("institution_name", "某竞赛组委会")
        status = status or AchievementStatus.NOT_APPLIED
    fields.setdefault("source", AchievementSource.SELF)
    fields.setdefault("obtained_on", dt.date(2022, 1, 1))
    return LearnerAchievement.create(
        learner=learner, catalogue=catalogue, status=status, **fields
    )


def export(client, url, data):
    """POST an export form and follow its background job to the file: every export is a
    job (the page shows its progress); in tests jobs run at once. Returns the download's
    response, or the form's own response when it was refused."""
    response = client.post(url, data=data)
    if response.status_code != 302 or "/jobs/" not in response.location:
        return response
    status = client.get(response.location.rstrip("/") + "/status").get_json()
    assert status["status"] == "done", status
    return client.get(status["result"])


def password_link(text):
    """The path of the set-password link in an SMS text (services/password_links.py)."""
    import re

    match = re.search(r"https?://[^/\s]+(/password/set/[A-Za-z0-9_.\-]+)", text)
    assert match, text
    return match.group(1)
