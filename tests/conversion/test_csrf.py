"""With CSRF protection on (as in production), the conversion POSTs need their token."""
from models import Application, ApplicationStatus, ConversionBatch
from services import ledger
from tests import factories
from tests.conversion.conftest import holders
from tests.institution.conftest import make_space
from tests.institution.test_lists import login_with_token


def test_conversion_posts_without_token_are_refused(csrf_app, reference):
    a, b = make_space("A"), make_space("B")
    course = factories.make_catalogue("course", institution=a.institution)
    rule = factories.make_rule([b.catalogue_achievement], [course], institution=a.institution)
    held = holders(b, 2, "B学员")
    batch = ledger.submit_batch(b.institution, rule, held, b.admin)
    b_client, a_client = csrf_app.test_client(), csrf_app.test_client()
    login_with_token(b_client, b.admin)
    login_with_token(a_client, a.admin)
    assert b_client.post(f"/admin/inst_batch/apply/{rule.id}/", data={}).status_code == 400
    assert ConversionBatch.select().count() == 1
    for url in (f"/admin/inst_conv_batches/review/{batch.id}/decide/", "/admin/inst_conv_review/decide/"):
        assert a_client.post(url, data={"result": "pass"}).status_code in (200, 400)
    assert all(a.status == ApplicationStatus.PENDING for a in Application.select())
    # With the page's token the same POST goes through.
    page = b_client.get(f"/admin/inst_batch/apply/{rule.id}/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    b_client.post(f"/admin/inst_batch/apply/{rule.id}/", data={"csrf_token": token})
    newest = ConversionBatch.select().order_by(ConversionBatch.id.desc()).first()
    assert newest.id != batch.id  # B's one learner not in the first batch
    assert [a.learner_id for a in Application.select().where(Application.batch == newest)] == [b.learner.id]
