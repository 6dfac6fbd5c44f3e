"""State changes go through services.core.transitions.move only, along the moves each model
declares (``STATES``), and nothing else: no status assignment elsewhere in the code, no
status field in any form, every undeclared move refused, and of two moves from the same
state exactly one wins."""
import ast
import pathlib
import threading

import pytest
from wtforms import Form
from wtforms.fields.core import UnboundField

from admin import flask_admin_adapter as fa
from models import (
    MODELS,
    AccountStatus,
    ActivationRequest,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Article,
    ArticleKind,
    AuditLog,
    CatalogueAchievement,
    ConversionMethod,
    ConversionRule,
    EmailOutbox,
    Feedback,
    Institution,
    Job,
    LearnerAchievement,
    RuleStatus,
    SmsOutbox,
    User,
    db,
)
from services.core import transitions
from tests import factories

ROOT = pathlib.Path(__file__).resolve().parents[2]
MACHINES = [model for model in MODELS if hasattr(model, "STATES")]
STATUS_FIELDS = {model.STATES.field for model in MACHINES}
HELPER = ROOT / "services" / "core" / "transitions.py"


# --- (1) no status written outside the helper -----------------------------------------------


def _source_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "instance", "uploads", "translations"} or path == HELPER:
            continue
        yield path


def _status_keys(node):
    """Status fields named as keys of a dict literal: ``{"status": …}`` or ``{Model.status: …}``."""
    if not isinstance(node, ast.Dict):
        return []
    names = []
    for key in node.keys:
        if isinstance(key, ast.Constant) and key.value in STATUS_FIELDS:
            names.append(key.value)
        elif isinstance(key, ast.Attribute) and key.attr in STATUS_FIELDS:
            names.append(key.attr)
    return names


def status_writes(tree):
    """(line, what) of every status write the rule forbids. The rule: a status field is
    never assigned (``x.status = …``, ``setattr(x, "status", …)``) and never set by an
    ``update(…)`` (keyword, dict or ``**{…}``); creating a row with its first state
    (``Model(status=…)``, ``.create(…)``, ``.insert(…)``) is allowed, and so is
    ``transitions.initial`` for a form-built row."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for item in ast.walk(target):
                    if isinstance(item, ast.Attribute) and item.attr in STATUS_FIELDS and isinstance(item.ctx, ast.Store):
                        found.append((node.lineno, f"assigns .{item.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value in STATUS_FIELDS:
                    found.append((node.lineno, f"setattr {name.value}"))
            if isinstance(func, ast.Attribute) and func.attr == "update":
                for keyword in node.keywords:
                    if keyword.arg in STATUS_FIELDS:
                        found.append((node.lineno, f"update({keyword.arg}=…)"))
                    elif keyword.arg is None:
                        found += [(node.lineno, f"update(**{{{k!r}: …}})") for k in _status_keys(keyword.value)]
                for arg in node.args:
                    found += [(node.lineno, f"update({{{k}: …}})") for k in _status_keys(arg)]
    return found


def test_the_rule_catches_each_kind_of_status_write():
    code = """
row.status = "x"
row.recognition_status = "x"
setattr(row, "status", "x")
Model.update(status="x").execute()
Model.update({Model.status: "x"}).execute()
Model.update({"status": "x"}).execute()
Model.update(**{"status": "x"}).execute()
Model.create(status="x")
Model(status="x")
Model.insert(status="x")
Model.update(name="x").where(Model.status == "x")
"""
    assert [line for line, _ in status_writes(ast.parse(code))] == [2, 3, 4, 5, 6, 7, 8]


def test_no_status_is_written_outside_the_transition_helper():
    offenders = []
    files = list(_source_files())
    assert len(files) > 80 and ROOT / "services" / "ledger" / "reviews.py" in files
    for path in files:
        for line, what in status_writes(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not offenders, "status writes outside services/core/transitions.py:\n" + "\n".join(offenders)


def test_no_form_has_a_status_field(app):
    """Admin forms (scaffolded or declared) and blueprint forms: a status changes by a named
    action, never by a field someone can post."""
    admin = app.extensions["admin"][0]
    with app.test_request_context():
        for view in fa.registered_views(admin):
            for build in ("get_create_form", "get_edit_form"):
                if hasattr(view, build):
                    getattr(view, build)()
            editable = set(getattr(view, "column_editable_list", None) or ())
            assert not editable & STATUS_FIELDS, f"{view.endpoint} edits a status in its list"

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    forms = list(every(Form))
    assert len(forms) > 30  # the app's forms were all built
    for form in forms:
        fields = {name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField)}
        assert not fields & STATUS_FIELDS, f"{form.__module__}.{form.__qualname__} has a status field"


# --- (2) every declared move succeeds, every other one is refused -------------------------------


@pytest.fixture
def rows(app, reference):
    """One row of every model that has a state machine."""
    college = factories.make_institution()
    learner = factories.make_learner()
    source = factories.make_catalogue("training")
    target = factories.make_catalogue("course", institution=college)
    achievement = factories.make_achievement(learner, source)
    return {
        Institution: factories.make_institution(),
        User: factories.make_user("learner"),
        CatalogueAchievement: factories.make_catalogue(),
        ConversionMethod: factories.make_method(factories.make_institution(), published=False),
        ConversionRule: factories.make_rule([source], [target], status=RuleStatus.DRAFT),
        LearnerAchievement: factories.make_achievement(learner),
        Application: Application.create(kind=ApplicationKind.RECOGNITION, learner=learner, achievement=achievement),
        Feedback: Feedback.create(learner=learner, achievement=achievement, institution=college, content="有误"),
        SmsOutbox: SmsOutbox.create(phone=learner.phone, body="通知", backend="console"),
        EmailOutbox: EmailOutbox.create(email="a@example.cn", subject="通知", body="正文"),
        ActivationRequest: ActivationRequest.create(user=learner, email="a@example.cn", password_hash="x"),
        Job: Job.create(kind="import", user=learner, view="inst_learners"),
        Article: Article.create(kind=ArticleKind.NEWS, title="资讯", body="正文"),
    }


def _put(row, state):
    """Test set-up only: place the row in ``state`` behind the helper's back."""
    model = type(row)
    field = model._meta.fields[model.STATES.field]
    model.update({field: state}).where(model._meta.primary_key == row._pk).execute()


def _state(row):
    model = type(row)
    return getattr(model.get_by_id(row._pk), model.STATES.field)


def test_every_model_with_a_status_declares_its_machine():
    with_status = {m for m in MODELS if "status" in m._meta.fields or "recognition_status" in m._meta.fields}
    assert with_status == set(MACHINES)


def test_every_declared_move_succeeds_and_every_other_is_refused(rows):
    assert set(rows) == set(MACHINES)
    checked = refused = 0
    for model, row in rows.items():
        machine = model.STATES
        states = machine.states()
        for source in states:
            for target in states:
                _put(row, source)
                fresh = model.get_by_id(row._pk)
                if machine.allows(source, target):
                    assert transitions.move(fresh, target, audit="test_move") == 1
                    assert _state(row) == target and getattr(fresh, machine.field) == target
                    checked += 1
                    continue
                with pytest.raises((transitions.TransitionRefused, ValueError)):
                    transitions.move(fresh, target, audit="test_move")
                if any(target in targets for targets in machine.moves.values()):
                    # The set-based form refuses the same move silently.
                    assert transitions.move(model, target, where=[model._meta.primary_key == row._pk]) == 0
                assert _state(row) == source, f"{model.__name__}: {source} → {target} was not refused"
                refused += 1
    assert checked == sum(len(t) for m in MACHINES for t in m.STATES.moves.values())
    assert refused > checked
    assert AuditLog.select().where(AuditLog.action == "test_move").count() == checked


def test_expected_states_must_be_declared_ones(rows):
    application = rows[Application]
    with pytest.raises(ValueError):
        transitions.move(application, ApplicationStatus.PASSED, expected=(ApplicationStatus.REFUSED,))
    with pytest.raises(transitions.TransitionRefused):  # declared, but the row is elsewhere
        transitions.move(application, ApplicationStatus.PASSED, expected=(ApplicationStatus.INITIAL_PASSED,))
    assert _state(application) == ApplicationStatus.PENDING


def test_initial_state_only_for_unsaved_rows(rows):
    assert transitions.initial(User(), AccountStatus.INACTIVE).status == AccountStatus.INACTIVE
    with pytest.raises(ValueError):
        transitions.initial(rows[User], AccountStatus.INACTIVE)
    with pytest.raises(ValueError):
        transitions.initial(User(), "nonsense")


# --- (3) two moves from the same state: exactly one wins ------------------------------------


@pytest.mark.parametrize("targets", [
    (AccountStatus.DISABLED, AccountStatus.DISABLED),  # the same move twice
    (AccountStatus.ACTIVE, AccountStatus.DISABLED),  # two different moves out of inactive
])
def test_two_moves_from_the_same_state_one_wins(app, reference, targets):
    user = factories.make_learner(status=AccountStatus.INACTIVE)
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def attempt(target):
        with app.app_context(), db.connection_context():
            row = User.get_by_id(user.id)
            barrier.wait()
            try:
                transitions.move(row, target, expected=(AccountStatus.INACTIVE,), audit="test_race")
                outcomes.append(target)
            except transitions.TransitionRefused:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 1, outcomes
    winner = next(o for o in outcomes if o != "refused")
    assert User.get_by_id(user.id).status == winner
    assert AuditLog.select().where(AuditLog.action == "test_race", AuditLog.object_id == user.id).count() == 1
