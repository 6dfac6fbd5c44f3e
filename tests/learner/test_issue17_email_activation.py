"""Issue 17 item 14: learners without a phone activate through the manual's (003)
alternative — e-mail address + the center's account review (审核通过 / 审核不通过)."""
import pytest

from models import (
    AccountStatus,
    ActivationRequest,
    ActivationStatus,
    AuditLog,
    EmailOutbox,
    Message,
    Role,
    User,
)
from services import activation, notify
from tests import factories


@pytest.fixture
def imported(app):
    return factories.make_learner(password=None, status=AccountStatus.INACTIVE, username=None, phone=None,
                                  real_name="赵导入")


def ask(client, imported, email="Zhao@Example.cn", password="Study2024"):
    lookup = client.post("/activate", data={"id_number": imported.id_number})
    assert lookup.status_code == 302 and lookup.location.endswith("/activate")
    assert "/activate/email" in client.get("/activate").get_data(as_text=True)  # the way on without a phone
    return client.post("/activate/email", data={"email": email, "password": password, "confirm": password})


def test_a_learner_without_a_phone_activates_after_the_account_review(client, client_as, imported):
    center = client_as("center")
    page = ask(client, imported).get_data(as_text=True)
    request = ActivationRequest.get(ActivationRequest.user == imported.id)
    assert request.status == ActivationStatus.PENDING and request.email == "zhao@example.cn"
    assert 'data-activation="received"' in page and "赵导入" not in page
    acknowledgement = EmailOutbox.get(EmailOutbox.email == "zhao@example.cn")
    assert acknowledgement.subject == "已收到激活申请" and "赵导入" not in acknowledgement.body
    assert Message.select().where(Message.user == center.user.id, Message.title == "账户审核").exists()
    assert User.get_by_id(imported.id).status == AccountStatus.INACTIVE  # nothing opens before the review
    # A second request while one waits changes nothing.
    with pytest.raises(activation.ActivationError):
        activation.request_activation(User.get_by_id(imported.id), "other@example.cn", "Study2024")

    listing = center.get("/admin/activation_requests/").get_data(as_text=True)
    assert "赵导入" in listing and imported.id_number not in listing  # the ID number is masked
    review = f"/admin/activation_requests/review/?id={request.id}"
    assert "赵导入" in center.get(review).get_data(as_text=True)
    refused = center.post(review, data={"decision": "refuse", "reason": ""}).get_data(as_text=True)
    assert "请填写不通过原因" in refused and ActivationRequest.get_by_id(request.id).status == ActivationStatus.PENDING
    center.post(review, data={"decision": "refuse", "reason": "证件信息与导入记录不一致"})
    assert ActivationRequest.get_by_id(request.id).status == ActivationStatus.REFUSED
    assert User.get_by_id(imported.id).status == AccountStatus.INACTIVE
    told = EmailOutbox.select().where(EmailOutbox.email == "zhao@example.cn").order_by(EmailOutbox.id.desc()).first()
    assert "证件信息与导入记录不一致" in told.body and Message.get(Message.user == imported.id).body == notify.inbox_text(told.body)
    assert AuditLog.get(AuditLog.action == "activation_refused").user_id == center.user.id

    # The learner read the reason in the e-mail, and applies again.
    client.get("/activate?restart=1")
    client.post("/activate", data={"id_number": imported.id_number})
    client.post("/activate/email", data={"email": "zhao2@example.cn", "password": "Study2025",
                                         "confirm": "Study2025"})
    second = ActivationRequest.get(ActivationRequest.user == imported.id, ActivationRequest.status == "pending")
    assert center.post(f"/admin/activation_requests/review/?id={second.id}",
                       data={"decision": "approve"}).status_code == 302
    user = User.get_by_id(imported.id)
    assert (user.status, user.email) == (AccountStatus.ACTIVE, "zhao2@example.cn")
    assert Message.select().where(Message.user == user.id, Message.title == "账号已激活").exists()
    # Decided once: a second decision is refused and changes nothing.
    with pytest.raises(activation.ActivationError, match="已由他人审核"):
        activation.decide(ActivationRequest.get_by_id(second.id), center.user, False, "迟到的决定")
    login = client.post("/login", data={"identity": "person", "identifier": "ZHAO2@example.cn",
                                        "password": "Study2025"})
    assert login.status_code == 302 and login.location.endswith("/me/")


def test_only_center_staff_review_account_requests(client_as, imported):
    request = activation.request_activation(imported, "zhao@example.cn", "Study2024")
    for role in (Role.REVIEWER, Role.INSTITUTION, Role.LEARNER):
        client = client_as(role)
        assert client.get("/admin/activation_requests/").status_code in (302, 403)
        client.post(f"/admin/activation_requests/review/?id={request.id}", data={"decision": "approve"})
        with pytest.raises(activation.ActivationError):
            activation.decide(request, client.user, True)
    assert ActivationRequest.get_by_id(request.id).status == ActivationStatus.PENDING


def test_the_email_route_is_only_for_accounts_without_a_phone(client, app):
    with_phone = factories.make_learner(password=None, status=AccountStatus.INACTIVE, phone="13700001111")
    assert client.get("/activate/email").location.endswith("/activate")  # an ID number first
    client.post("/activate", data={"id_number": with_phone.id_number})
    page = client.post("/activate/email", data={"email": "a@example.cn", "password": "Study2024",
                                                "confirm": "Study2024"}).get_data(as_text=True)
    assert 'data-activation="received"' in page  # the same answer, and nothing filed
    assert ActivationRequest.select().count() == 0
    with pytest.raises(activation.ActivationError):
        activation.request_activation(with_phone, "a@example.cn", "Study2024")
    factories.make_learner(email="taken@example.cn")
    no_phone = factories.make_learner(password=None, status=AccountStatus.INACTIVE, phone=None)
    with pytest.raises(activation.ActivationError, match="已注册"):
        activation.request_activation(no_phone, "TAKEN@example.cn", "Study2024")
    assert ActivationRequest.select().count() == 0


def test_the_email_route_answers_alike_for_every_id_number(client, imported):
    """Unknown, active, with a phone, without one; a free or a taken address: one page, one
    kind of e-mail (naming nobody); only the address owner of a taken one hears it is taken."""
    factories.make_learner(email="taken@example.cn")
    numbers = [imported.id_number, factories.valid_id_number(997), factories.make_learner().id_number]
    pages = set()
    for n, number in enumerate(numbers):
        client.get("/activate?restart=1")
        client.post("/activate", data={"id_number": number})
        page = client.post("/activate/email", data={"email": f"p{n}@example.cn", "password": "Study2024",
                                                    "confirm": "Study2024"})
        pages.add((page.status_code, page.get_data(as_text=True)))
    assert len(pages) == 1
    subjects = {row.subject for row in EmailOutbox.select()}
    assert subjects == {"已收到激活申请"} and all("赵导入" not in row.body for row in EmailOutbox.select())
    client.get("/activate?restart=1")
    client.post("/activate", data={"id_number": numbers[1]})
    client.post("/activate/email", data={"email": "TAKEN@example.cn", "password": "Study2024", "confirm": "Study2024"})
    assert EmailOutbox.select().order_by(EmailOutbox.id.desc()).first().subject == "激活申请未受理"
    assert ActivationRequest.select().count() == 1
