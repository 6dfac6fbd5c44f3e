"""学习档案 and share links through the learner's and a visitor's requests: what the
statement states, that its QR code leads to /verify, that the presentation checks, that a
link shows only what was chosen, live, and that links are refused when they must be."""
import datetime as dt
import re

from models import Application, AuditLog, LearnerAchievement, RecordStatement, ShareLink
from services import ledger
from services.learning_record import sharing
from tests import factories
from tests.ledger.conftest import convert
from tests.records import pdfs


def _learner(world, client_as):
    passed = Application.get_by_id(convert(world, world.stored, world.rule).id)
    target = LearnerAchievement.get(LearnerAchievement.granted_by == passed.id)
    return client_as(world.learner), passed, target


def test_statement_pdf_states_every_item_and_its_qr_leads_to_verify(ledger_world, client_as, tmp_path):
    """Does the downloaded statement list each recognised achievement and passed conversion,
    its credits, and carry a QR code of its /verify address that shows every item?"""
    client, passed, target = _learner(ledger_world, client_as)
    response = client.post("/me/record/statements")
    statement = RecordStatement.get(RecordStatement.learner == ledger_world.learner.id)
    assert response.status_code == 302 and response.location.endswith(f"/me/record/statements/{statement.id}.pdf")
    download = client.get(response.location)
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    path = tmp_path / "record.pdf"
    path.write_bytes(download.data)
    text = pdfs.text_of(path)
    for words in ("学习档案", statement.code, "A学院经济学毕业证书", "B学院统计学", "4", "440106", "名录成果", "审核通过"):
        assert words in text, words
    assert ledger_world.learner.id_number not in text  # masked
    assert {(i["type"], i["id"]) for i in statement.items} == {
        ("achievement", ledger_world.stored.id), ("achievement", target.id), ("conversion", passed.id)}
    assert statement.totals["total"] == 7.0  # 4 (certificate) + 3 (the course it became)
    [url] = pdfs.qr_codes(path, tmp_path)
    assert url == f"http://localhost/verify/{statement.code}"
    page = factories_client(client).get(url.replace("http://localhost", ""))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-statement-state="valid"' in body
    assert body.count("data-item=") == 3 and "data-fallen" not in body
    assert AuditLog.get(AuditLog.action == "record_statement_issued").object_id == statement.id


def factories_client(client):
    """A visitor: a client without the learner's session."""
    return client.application.test_client()


def test_verify_marks_items_revoked_since(ledger_world, client_as):
    """After the center revokes the conversion, does /verify/<code> still show the
    statement as issued, and mark the conversion and the course it granted 已撤销?"""
    client, passed, target = _learner(ledger_world, client_as)
    client.post("/me/record/statements")
    statement = RecordStatement.get(RecordStatement.learner == ledger_world.learner.id)
    ledger.revoke_conversion(passed, ledger_world.center, "证书有误")
    body = factories_client(client).get(f"/verify/{statement.code}").get_data(as_text=True)
    assert 'data-statement-state="changed"' in body
    fallen = re.findall(r'data-item="(\w+:\d+)" class="table-danger"', body)
    assert sorted(fallen) == sorted([f"conversion:{passed.id}", f"achievement:{target.id}"])
    assert "证书有误" in body and body.count("data-item=") == 3
    assert RecordStatement.get_by_id(statement.id).items == statement.items  # as issued, unchanged


def test_presentation_holds_each_credential_and_verify_checks_them(ledger_world, client_as):
    """Is the statement's presentation signed, does /verify check each credential in it, and
    does a revocation since show there too?"""
    client, passed, _target = _learner(ledger_world, client_as)
    client.post("/me/record/statements")
    statement = RecordStatement.get(RecordStatement.learner == ledger_world.learner.id)
    token = client.get(f"/me/record/statements/{statement.id}.jwt").get_data(as_text=True)
    visitor = factories_client(client)
    body = visitor.post("/verify", data={"jwt": token}).get_data(as_text=True)
    assert 'data-presentation-state="valid"' in body and body.count('data-credential-state="valid"') == 3
    assert statement.code in body
    ledger.revoke_conversion(passed, ledger_world.center, "证书有误")
    body = visitor.post("/verify", data={"jwt": token}).get_data(as_text=True)
    assert 'data-presentation-state="revoked"' in body and body.count('data-credential-state="revoked"') == 2
    head, payload, signature = token.split(".")
    forged = visitor.post("/verify", data={"jwt": f"{head}.{payload[:-4]}AAAA.{signature}"}).get_data(as_text=True)
    assert 'data-presentation-state="invalid"' in forged


def _link_token(response):
    return re.search(r'data-share-url value="http://localhost/s/([\w-]+)"|value="http://localhost/s/([\w-]+)"',
                     response.get_data(as_text=True)).group(0).rsplit("/", 1)[1].rstrip('"')


def test_a_link_shows_only_what_was_chosen_live_and_counts_visits(ledger_world, client_as):
    """Does a visitor without login see the chosen record (masked ID, state now), nothing
    else, and is each visit counted; is only the token's hash kept?"""
    client, passed, target = _learner(ledger_world, client_as)
    response = client.post("/me/record/links", data={"items": [f"conversion:{passed.id}"], "days": "7",
                                                      "label": "某公司人事"})
    assert response.status_code == 200 and "<svg" in response.get_data(as_text=True)
    token = _link_token(response)
    assert len(token) >= 43  # 32 random bytes
    link = ShareLink.get(ShareLink.learner == ledger_world.learner.id)
    assert link.token_hash == sharing.token_hash(token) and token not in str(link.__data__)
    assert link.items == [["conversion", passed.id]] and link.label == "某公司人事"
    assert dt.timedelta(days=6, hours=23) < link.expires_at - link.created_at <= dt.timedelta(days=7)
    visitor = factories_client(client)
    for _ in range(2):
        page = visitor.get(f"/s/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and '<meta name="referrer" content="no-referrer">' in body
    assert "data-shared-verified" in body and "B学院统计学" in body and "陈晓明" in body
    assert ledger_world.learner.id_number not in body and "440106" in body  # masked
    assert "A学院经济学毕业证书</td>" not in body  # the source achievement was not chosen
    assert ShareLink.get_by_id(link.id).visits == 2
    ledger.revoke_conversion(passed, ledger_world.center, "证书有误")
    body = visitor.get(f"/s/{token}").get_data(as_text=True)
    assert "data-fallen" in body and "证书有误" in body


def test_learner_extends_and_revokes_and_the_visitor_is_told(ledger_world, client_as):
    client, _passed, _target = _learner(ledger_world, client_as)
    token = _link_token(client.post("/me/record/links", data={"everything": "1", "days": "30"}))
    link = ShareLink.get(ShareLink.learner == ledger_world.learner.id)
    assert len(link.items) == 3
    listing = client.get("/me/record").get_data(as_text=True)
    assert f'data-link="{link.id}" data-link-state="active"' in listing and token not in listing
    client.post(f"/me/record/links/{link.id}/extend", data={"days": "90"})
    assert ShareLink.get_by_id(link.id).expires_at - link.created_at > dt.timedelta(days=89)
    other = client_as(factories.make_learner())
    assert other.post(f"/me/record/links/{link.id}/revoke").status_code == 404
    assert other.post(f"/me/record/links/{link.id}/extend", data={"days": "7"}).status_code == 404
    assert other.get(f"/me/record/statements/{link.id}.pdf").status_code == 404
    client.post(f"/me/record/links/{link.id}/revoke")
    assert ShareLink.get_by_id(link.id).revoked_at is not None
    page = factories_client(client).get(f"/s/{token}")
    assert page.status_code == 410 and 'data-shared-state="revoked"' in page.get_data(as_text=True)
    assert "B学院统计学" not in page.get_data(as_text=True)
    assert ShareLink.get_by_id(link.id).visits == 0
    client.post(f"/me/record/links/{link.id}/extend", data={"days": "7"})
    assert ShareLink.get_by_id(link.id).revoked_at is not None  # a revoked link stays revoked


def test_expired_and_unknown_links(ledger_world, client_as):
    client, _passed, _target = _learner(ledger_world, client_as)
    token = _link_token(client.post("/me/record/links", data={"everything": "1", "days": "7"}))
    ShareLink.update(expires_at=dt.datetime.now() - dt.timedelta(minutes=1)).execute()
    visitor = factories_client(client)
    page = visitor.get(f"/s/{token}")
    assert page.status_code == 410 and 'data-shared-state="expired"' in page.get_data(as_text=True)
    page = visitor.get(f"/s/{token[:-2]}xy")
    assert page.status_code == 404 and 'data-shared-state="unknown"' in page.get_data(as_text=True)


def test_nothing_is_shared_that_is_not_the_learners_standing_record(ledger_world, client_as):
    """Another learner's id, a withdrawn record or a bad expiry: refused, nothing made."""
    client, _passed, _target = _learner(ledger_world, client_as)
    stranger = factories.make_learner()
    theirs = factories.make_achievement(stranger, ledger_world.certificate)
    pending = factories.make_achievement(ledger_world.learner)  # 未申请: not recognised
    for data in ({"items": [f"achievement:{theirs.id}"], "days": "7"},
                 {"items": [f"achievement:{pending.id}"], "days": "7"},
                 {"items": [f"achievement:{ledger_world.stored.id}"], "days": "365"},
                 {"days": "7"}):
        response = client.post("/me/record/links", data=data)
        assert response.status_code == 400 and 'class="invalid-feedback' in response.get_data(as_text=True) \
            or 'data-error="items"' in response.get_data(as_text=True)
    assert ShareLink.select().count() == 0


def test_posts_without_csrf_token_are_refused(csrf_app, reference):
    learner = factories.make_learner()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"identity": "person", "identifier": learner.username, "password": factories.PASSWORD,
                                "csrf_token": token})
    assert client.get("/me/record").status_code == 200
    assert client.post("/me/record/statements").status_code == 400
    assert client.post("/me/record/links", data={"everything": "1", "days": "7"}).status_code == 400
    assert RecordStatement.select().count() == 0 and ShareLink.select().count() == 0
    page = client.get("/me/record").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/me/record/statements", data={"csrf_token": token}).status_code == 302
    assert RecordStatement.select().count() == 1


def test_record_totals_are_the_credit_accounts(ledger_world, client_as, reference):
    """Do the statement's credits by framework level and kind equal 学分账户's, for a
    learner holding achievements of several levels, kinds and states?"""
    from models import AchievementStatus, FrameworkLevel
    from services.learning_record import items as record
    from services.ledger import pathways

    _learner(ledger_world, client_as)
    learner = ledger_world.learner
    levels = list(FrameworkLevel.select().order_by(FrameworkLevel.level))
    for code, level, status in (("qualification", levels[2], AchievementStatus.RECOGNISED),
                                ("course", levels[4], AchievementStatus.CATALOGUE),
                                ("course", levels[4], AchievementStatus.WITHDRAWN),
                                ("qualification", None, AchievementStatus.NOT_APPLIED)):
        catalogue_achievement = factories.make_catalogue(code, framework_level=level)
        factories.make_achievement(learner, catalogue_achievement, status=status)
    factories.make_achievement(learner, status=AchievementStatus.RECOGNISED)  # 非名录: no credits
    account = pathways.credit_account(learner.id)
    totals = record.totals(record.record_items(learner.id))
    assert totals["total"] == float(account["total"]) and totals["count"] == account["count"]
    assert totals["by_level"] == [[str(name), count, float(credits)] for _l, name, count, credits in account["by_level"]]
    assert totals["by_kind"] == [[str(label), count, float(credits)] for _k, label, count, credits in account["by_kind"]]


def test_the_record_page_costs_a_few_queries(ledger_world, client_as):
    from tests.queries import count_queries

    client, _passed, _target = _learner(ledger_world, client_as)
    client.post("/me/record/links", data={"everything": "1", "days": "7"})
    client.post("/me/record/statements")
    with count_queries() as counter:
        assert client.get("/me/record").status_code == 200
    assert counter["n"] <= 8, counter["n"]


def test_a_long_shared_record_is_paged_and_a_visit_counted_once(ledger_world, client_as, monkeypatch):
    """Does a link to many records show them a page at a time, reading only that page, and
    count a visit when its first page is opened (not each page turned)?"""
    from views import shared

    monkeypatch.setattr(shared, "PAGE_SIZE", 2)
    client, _passed, _target = _learner(ledger_world, client_as)
    token = _link_token(client.post("/me/record/links", data={"everything": "1", "days": "7"}))
    visitor = factories_client(client)
    first = visitor.get(f"/s/{token}").get_data(as_text=True)
    second = visitor.get(f"/s/{token}?page=2").get_data(as_text=True)
    assert first.count("data-item=") == 2 and second.count("data-item=") == 1
    assert set(re.findall(r'data-item="([\w:]+)"', first)).isdisjoint(re.findall(r'data-item="([\w:]+)"', second))
    assert ShareLink.get(ShareLink.learner == ledger_world.learner.id).visits == 1
