"""Application-wide behaviour: cookies, languages, configuration defaults."""
from app.config import default_config
from tests import factories


def test_session_cookie_is_httponly_and_samesite(client):
    learner = factories.make_learner()
    response = factories.login(client, learner)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in english and "登录" not in english
    # The choice sticks for the session.
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_configuration_defaults(monkeypatch):
    for name in ("DATABASE_URL", "SMS_BACKEND", "UPLOAD_DIR", "BABEL_DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    config = default_config()
    assert config["DATABASE_URL"].startswith("sqlite:///") and config["DATABASE_URL"].endswith("instance/creditbank.db")
    assert config["SMS_BACKEND"] == "console" and config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert config["SMS_SHOW_CODES"] is False  # codes are never shown unless a developer asks
    assert config["UPLOAD_DIR"].endswith("uploads")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert default_config()["DATABASE_URL"] == "postgresql://u@h/db"


def test_stored_file_is_served_only_to_those_allowed(app, reference, client_as, tmp_path):
    """Evidence of one learner's achievement is not served to another learner."""
    import io

    from werkzeug.datastructures import FileStorage

    from services import storage

    owner = factories.make_learner()
    achievement = factories.make_achievement(owner)
    png = factories.png_bytes()
    attachment = storage.save_upload(
        FileStorage(io.BytesIO(png), filename="证书.png"), "learner_achievement", achievement.id, user=owner
    )
    stored = client_as(owner).get(f"/files/{attachment.id}").data
    assert stored.startswith(b"\x89PNG") and len(stored) == attachment.size
    assert client_as("learner").get(f"/files/{attachment.id}").status_code == 404
    assert client_as("institution").get(f"/files/{attachment.id}").status_code == 404
    assert client_as("center").get(f"/files/{attachment.id}").status_code == 200


def test_upload_checks_content_and_size(app):
    import io

    import pytest
    from werkzeug.datastructures import FileStorage

    from services import storage

    exe = FileStorage(io.BytesIO(b"MZ\x90\x00" + b"\0" * 100), filename="photo.jpg")
    with pytest.raises(storage.UploadError):
        storage.save_upload(exe, "learner_achievement")
    big = FileStorage(io.BytesIO(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)), filename="big.pdf")
    with pytest.raises(storage.UploadError):
        storage.save_upload(big, "learner_achievement")


def test_sub_user_files_follow_their_menus(app, reference, client_as):
    """A sub-user without 学员成果 cannot download a stored learner's evidence; with it, can."""
    import io

    from werkzeug.datastructures import FileStorage

    from models import Permission, UserPermission
    from services import storage

    college = factories.make_institution()
    stored = factories.make_achievement(factories.make_learner(), factories.make_catalogue(), stored_by=college)
    png = factories.png_bytes()
    evidence = storage.save_upload(FileStorage(io.BytesIO(png), filename="a.png"), "learner_achievement", stored.id)
    clerk = factories.make_user("subuser", institution=college)
    UserPermission.create(user=clerk, permission=Permission.ACHIEVEMENTS)
    client = client_as(clerk)
    assert client.get(f"/files/{evidence.id}").status_code == 404
    UserPermission.create(user=clerk, permission=Permission.LEARNER_ACHIEVEMENTS)
    assert client.get(f"/files/{evidence.id}").data.startswith(b"\x89PNG")
