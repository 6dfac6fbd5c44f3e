"""Issue 18: one function per shared domain act — 未激活 learners added from an ID number,
the education levels' names, masking — and the tests that keep each in its one home."""
import ast
import datetime as dt
import pathlib

from models import AccountStatus, Level, Role, User
from services import accounts, reference, validators
from tests import factories

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The application's code; the scale benchmark writes synthetic rows of every state on purpose.
SOURCES = [p for d in ("admin", "services", "views", "app") for p in (ROOT / d).rglob("*.py")]


def test_an_inactive_learner_from_an_id_number(app):
    institution = factories.make_institution()
    id_number = factories.valid_id_number(birth="19850304")
    learner = accounts.create_inactive_learner(id_number, "林小红", institution.id, phone="13800009999")
    learner = User.get_by_id(learner.id)
    assert (learner.role, learner.status, learner.real_name, learner.phone) == (
        Role.LEARNER, AccountStatus.INACTIVE, "林小红", "13800009999")
    assert learner.added_by_institution_id == institution.id
    assert learner.birth_date == dt.date(1985, 3, 4)
    assert learner.gender == validators.id_gender(id_number)
    assert learner.password_hash is None and learner.username is None


def test_many_inactive_learners_at_once_are_the_same_learners(app):
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    numbers = [factories.valid_id_number(birth="19990101") for _ in range(3)]
    accounts.insert_inactive_learners(({"real_name": f"学员{i}", "id_number": n} for i, n in enumerate(numbers)),
                                      None, when)
    learners = list(User.select().where(User.id_number.in_(numbers)).order_by(User.id_number))
    assert len(learners) == 3
    for learner in learners:
        assert (learner.role, learner.status, learner.added_by_institution_id) == (
            Role.LEARNER, AccountStatus.INACTIVE, None)
        assert learner.birth_date == dt.date(1999, 1, 1) and learner.created_at == when
        assert learner.gender == validators.id_gender(learner.id_number)


def _inactive_learner_writes(tree):
    """Lines that set up a 未激活 learner by hand: ``added_by_institution`` given as a
    keyword, dict key or attribute, or a status set to ``AccountStatus.INACTIVE``."""
    def inactive(node):
        return isinstance(node, ast.Attribute) and node.attr == "INACTIVE" and getattr(node.value, "id", "") == "AccountStatus"

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and (
            node.arg == "added_by_institution" or node.arg == "status" and inactive(node.value)
        ):
            yield node.value.lineno
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and (
                    key.value == "added_by_institution" or key.value == "status" and inactive(value)
                ):
                    yield key.lineno
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and (
                    target.attr == "added_by_institution" or target.attr == "status" and inactive(node.value)
                ):
                    yield target.lineno


def test_inactive_learners_are_made_only_in_services_accounts():
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in SOURCES
        for line in _inactive_learner_writes(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert found and all(place.startswith("services/accounts.py:") for place in found), sorted(found)


def test_a_planted_hand_made_inactive_learner_is_found():
    """Test of the test: each way of making a 未激活 learner by hand is reported."""
    source = "\n".join([
        "User.create(role=Role.LEARNER, added_by_institution=college)",
        "rows.append({'status': AccountStatus.INACTIVE, 'id_number': number})",
        "user.added_by_institution = college",
        "User.create(role=Role.LEARNER, status=AccountStatus.ACTIVE)",  # an active one: not this act
    ])
    assert sorted(_inactive_learner_writes(ast.parse(source))) == [1, 2, 3]


def test_the_levels_are_named_once():
    assert list(Level.NAMES) == Level.members()
    assert list(Level.NAMES.values()) == reference.LEVEL_OPTIONS
    assert Level.code_of("专科(高职)") == Level.ASSOCIATE and Level.code_of("大专") is None
    spelled = [p for p in SOURCES if "高中(中职/中技)" in p.read_text(encoding="utf-8")]
    assert spelled == [], spelled  # the names live in models.Level.NAMES only


def test_masking_lives_in_services_validators():
    assert validators.mask_name("陈晓明") == "陈**" and validators.mask_name("陈") == "陈*"
    assert validators.mask_email("learner@example.cn") == "l***@example.cn"
    templates = [p for p in (ROOT / "templates").rglob("*.html") if "***" in p.read_text(encoding="utf-8")]
    assert templates == [], templates


def test_message_links_come_from_url_for_also_in_a_background_job(app):
    """Notifications sent by the job consumer (no request) link where url_for would."""
    from flask import has_request_context, url_for

    from services.notify import link_to

    with app.test_request_context():
        expected = url_for("inst_conv_batches.review_view", batch_id=7), url_for("learner.conversion")
    assert not has_request_context()
    assert (link_to("inst_conv_batches.review_view", batch_id=7), link_to("learner.conversion")) == expected
    assert expected == ("/admin/inst_conv_batches/review/7/", "/me/conversions")


def test_written_paths_give_way_to_url_for(client):
    page = client.get("/login").data.decode()
    for path in ("/register", "/activate", "/forgot-password", "/institution/register"):
        assert f'href="{path}"' in page
    for path in [ROOT / "templates" / "auth" / "login.html", ROOT / "admin" / "center" / "articles.py"]:
        assert 'href="/' not in path.read_text(encoding="utf-8") and '"/files/' not in path.read_text(encoding="utf-8")
