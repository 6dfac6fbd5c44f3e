"""成果转换办法（模板） and 转换规则（模板） (seed 004): the forms that upload a stamped method or
rule link to a model document, which downloads as a PDF with its Chinese name (and an ASCII
one for clients that ignore it) and reads as the model it is."""
import subprocess

import pytest

from tests import factories


@pytest.mark.parametrize("name, words", [
    ("conversion-method", ["成果转换办法（模板）", "第一章 总则", "第四章 申请与审核程序", "（院校名称）"]),
    ("conversion-rule", ["转换规则（模板）", "规则编码", "源成果", "免考模块", "解释权"]),
])
def test_the_model_documents_download_as_readable_pdfs(client, tmp_path, name, words):
    response = client.get(f"/templates/{name}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="{name}-template.pdf"' in disposition and "filename*=UTF-8''" in disposition
    path = tmp_path / "doc.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode()
    compact = text.replace(" ", "").replace("\n", "")
    for word in words:
        assert word.replace(" ", "") in compact, word


def test_an_unknown_template_is_not_found(client):
    assert client.get("/templates/other.pdf").status_code == 404


@pytest.mark.usefixtures("reference")
def test_the_upload_forms_link_to_their_model(client_as):
    college = factories.make_institution(name="模板学院")
    account = client_as(factories.make_user("institution", institution=college, username="mobanxy"))
    method_form = account.get("/admin/inst_methods/new/").get_data(as_text=True)
    assert 'data-document-template="conversion-method"' in method_form and "成果转换办法（模板）" in method_form
    factories.make_method(college)
    rule_form = account.get("/admin/inst_rules/new/").get_data(as_text=True)
    assert 'data-document-template="conversion-rule"' in rule_form and "转换规则（模板）" in rule_form
