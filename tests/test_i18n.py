"""The zh_CN catalogue is complete: every user-facing string has a translation."""
from services import i18n


def test_every_user_facing_string_has_a_zh_cn_translation():
    missing = i18n.untranslated()
    assert not missing, "untranslated: " + "; ".join(f"{m!r} ({f}:{n})" for m, (f, n) in missing[:20])


def test_a_planted_untranslated_string_is_reported(tmp_path):
    """Test of the test: a msgid in a planted module and one in a planted template, with no
    zh_CN text in i18n/*.po, are both listed; a translated one is not."""
    (tmp_path / "planted.py").write_text('from flask_babel import gettext as _\n\n\ndef f():\n'
                                         '    return _("A planted sentence nobody translated"), _("Log in")\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "planted.html").write_text("<p>{{ _('A planted template line') }}</p>\n")
    missing = {msgid for msgid, _place in i18n.untranslated(tmp_path)}
    assert missing == {"A planted sentence nobody translated", "A planted template line"}
