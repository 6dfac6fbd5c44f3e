"""The center's pages speak words, not the program's codes: the 审计日志 names each record
by its kind and name (never "用户 #32"), each detail by its label and each coded value by
its words (API endpoints, token scopes, import kinds, failure reasons, changed fields), and
the category pages show no category codes, field keys or field types. The check crawls
every page the center reaches from its home, with an audit entry of each such kind."""
import re

from flask import g

from models import ApiToken, Application, Attachment, Institution, User
from services import audit, seed
from tests.ui import crawl

# What a code looks like on a page: "#31", snake_case keys, CamelCase class names, dotted
# endpoints, and the schema's field types.
RAW = re.compile(r"#\d+|\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b|\b[a-z]+\.[a-z_]+\b"
                 r"|\b(?:text|date|enum|number|read|write)\b")


def people_data():
    """Values people chose that may look like codes: login accounts, e-mails, file names."""
    words = set()
    for user in User.select(User.username, User.email):
        words.update(filter(None, (user.username, user.email)))
    words.update(a.original_name for a in Attachment.select(Attachment.original_name))
    return words


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def raw_codes(texts, allowed):
    found = set()
    for text in (EMAIL.sub("", text) for text in texts):  # an address is written as it is
        for match in RAW.finditer(text):
            if not any(match.group() in word for word in allowed if match.group() in text and word in text):
                found.add(match.group())
    return found


def write_entries():
    """One entry of each kind the center used to read as codes, written as the code does."""
    center = User.get(User.username == "center")
    institution = Institution.get(Institution.name == "广东理工职业学院")
    token = ApiToken.create(institution=institution, name="教务系统同步", scope="read", token_hash="x" * 64,
                            hint="cbk_abc", created_by=center)
    audit.record("api_token_created", token, user=center, name=token.name, scope="read")
    audit.record("api_call", token, user=center, endpoint="api.applications", method="GET", status=200, count=3)
    audit.record("import", None, user=center, kind="learner_accounts", accepted=3, rejected=1)
    audit.record("login_failed", center, identity="institution", identifier="center", reason="AccountError")
    audit.record("institution_info_changed", institution, fields=["address", "business_scope"])
    audit.record("staff_changed", center, changed=["department", "phone", "real_name"])
    audit.record("export", None, user=center, view="learners", rows=2, filter={"search": "陈"}, selected=[], job=1)
    audit.record("certificate_printed", Application.select().first(), code="F55A2A5774F1648D")
    attachment = Attachment.select().first()
    if attachment:
        audit.record("import_result_downloaded", attachment)


def test_the_center_reads_words_not_codes(app):
    seed.seed_demo()
    write_entries()
    client = app.test_client()
    g.__dict__.clear()
    client.post("/login", data={"identity": "person", "identifier": "center", "password": seed.DEMO_PASSWORD})
    pages = crawl.crawl(client, ["/admin/", "/admin/audit_log/?page_size=100", "/admin/categories/?page_size=100"],
                        max_pages=120)
    assert "/admin/audit_log/?page_size=100" in pages and any("/admin/categories/details/" in url for url in pages)
    allowed = people_data()
    problems = []
    for url, html in pages.items():
        found = raw_codes(crawl.parse(html).texts, allowed)
        if found:
            problems.append(f"{url}: {sorted(found)[:12]}")
    assert not problems, "\n".join(problems)


def test_the_check_finds_codes():
    assert raw_codes(["对象：用户 #32", "endpoint：api.applications", "导入类型：learner_accounts",
                      "原因：AccountError", "text", "学员 learner01", "邮箱 support@example.cn"], {"learner01"}) == {
        "#32", "api.applications", "learner_accounts", "AccountError", "text"}
