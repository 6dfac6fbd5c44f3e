"""The zh_CN catalogue is complete: every user-facing string has a translation."""
from services import i18n


def test_every_user_facing_string_has_a_zh_cn_translation():
    missing = i18n.untranslated()
    assert not missing, "untranslated: " + "; ".join(f"{m!r} ({f}:{n})" for m, (f, n) in missing[:20])
