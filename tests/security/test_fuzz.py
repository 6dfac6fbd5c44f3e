"""Property-based fuzzing (hypothesis) of what strangers and users type: the public forms,
the learner's achievement form, searches and import files. Whatever arrives, the answer
is never a server error. Each test is bounded (a few dozen examples, no shrinking
marathons) so the suite stays within its time budget."""
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Category
from tests import factories

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text with what breaks parsers: other scripts, control characters, huge and negative
# numbers, dates out of range, SQL and markup fragments.
NASTY = st.sampled_from(["9" * 30, "-1", "0", "1e309", "NaN", "2024-02-30", "9999-12-31", "0000-00-00",
                         "' OR 1=1 --", "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "\x00", "１２３",
                         "44010619900307123X", "13800138000", "%", "_", "\\", "../../etc/passwd", "ｘ" * 300])
VALUE = st.one_of(NASTY, st.text(max_size=80), st.integers(min_value=-(10**30), max_value=10**30).map(str))


def form_names(page):
    """The names of a page's form fields (inputs, selects, text areas)."""
    return sorted(set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', page)) - {"csrf_token"})


def fuzz_post(client, url, names, values):
    response = client.post(url, data=dict(zip(names, values, strict=False)))
    assert response.status_code < 500, (url, dict(zip(names, values, strict=False)))


@pytest.fixture
def quiet_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500, which the tests look for
    return app


@pytest.mark.parametrize("url", ["/login", "/register?agree=1", "/activate", "/forgot-password",
                                 "/institution/register"])
def test_public_forms(quiet_app, reference, url):
    factories.make_teaching_point()
    client = quiet_app.test_client()
    names = form_names(client.get(url).get_data(as_text=True)) + ["agree", "identity", "send_code"]

    @FUZZ
    @given(st.lists(VALUE, min_size=len(names), max_size=len(names)), st.randoms())
    def run(values, rnd):
        fuzz_post(client, url, names, values)
        assert client.post("/sms/send", data={"purpose": rnd.choice(["register", "login", "reset_password",
                                                                     "activate", "x"]),
                                             "phone": values[0], "identifier": values[-1]}).status_code < 500

    run()


def test_learner_achievement_form(quiet_app, reference, client_as):
    client = client_as(factories.make_learner(teaching_point=factories.make_teaching_point()))
    leaves = [c.id for c in Category.select().where(Category.parent.is_null(False))]

    @FUZZ
    @given(st.sampled_from(leaves), st.sampled_from(["", "manual"]), st.data())
    def run(category, mode, data):
        url = f"/me/achievements/new?category={category}&mode={mode}"
        page = client.get(url)
        assert page.status_code < 500
        names = form_names(page.get_data(as_text=True))
        values = data.draw(st.lists(VALUE, min_size=len(names), max_size=len(names)))
        fuzz_post(client, url, names, values)

    run()


def test_searches(quiet_app, reference, client_as):
    clients = [quiet_app.test_client(), client_as("center"), client_as("institution"),
               client_as(factories.make_learner())]
    urls = ["/rules?q={v}&page={v}&sort={v}", "/me/catalogue?q={v}&category={v}", "/admin/users/?search={v}&page={v}",
            "/admin/learners/?search={v}&sort={v}&desc={v}", "/admin/audit_log/?search={v}&flt0_0={v}",
            "/admin/sms_outbox/?search={v}", "/admin/inst_learners/?search={v}&flt0_0={v}&flt1_1={v}",
            "/verify/{v}"]

    @FUZZ
    @given(st.sampled_from(urls), VALUE, st.sampled_from(clients))
    def run(url, value, client):
        from urllib.parse import quote

        response = client.get(url.replace("{v}", quote(value, safe="")))
        assert response.status_code < 500, (url, value)

    run()


def xlsx_bytes(rows):
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook()
    for row in rows:
        # openpyxl itself refuses control characters in cells.
        workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CELL = st.one_of(VALUE, st.integers(min_value=-(10**15), max_value=10**15), st.floats(allow_nan=False),
                 st.dates(), st.none())


def test_import_files(quiet_app, reference, client_as):
    center = client_as("center")
    header = ["学员姓名", "身份证号", "手机号码", "电子邮箱", "民族", "联系地址"]

    @FUZZ
    @given(st.one_of(
        st.binary(max_size=2000),
        st.lists(st.lists(CELL, max_size=8), max_size=6).map(lambda rows: xlsx_bytes([header, *rows])),
        st.lists(st.lists(CELL, max_size=8), max_size=4).map(xlsx_bytes),
    ), st.sampled_from(["a.xlsx", "b.xls", "c.csv"]))
    def run(content, name):
        response = center.post("/admin/learners/import/?kind=learner_accounts",
                               data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        assert response.status_code < 500

    run()
