"""Translations: the zh_CN catalogue is kept as fragments ``i18n/*.po`` (one per area,
so parallel work never edits the same file) and compiled into the instance folder's
``translations/`` (build output, outside the code) when a fragment is newer than the compiled catalogue. Babel resolves ``zh_CN`` to the locale
``zh_Hans_CN``, the folder name it looks up (Flask-Admin ships its catalogue the same way)."""
import glob
import os
import weakref

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask_babel import get_translations, gettext
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAGMENTS = os.path.join(ROOT, "i18n")
LOCALE = "zh_CN"


def fragment_paths():
    return sorted(glob.glob(os.path.join(FRAGMENTS, "*.po")))


def merged_catalog():
    """All fragments as one catalog; a msgid defined twice with different texts is an error."""
    catalog = Catalog(locale=LOCALE, domain="messages")
    for path in fragment_paths():
        with open(path, "rb") as handle:
            for message in read_po(handle, locale=LOCALE):
                if not message.id:
                    continue
                existing = catalog.get(message.id)
                if existing is not None and existing.string != message.string:
                    raise ValueError(f"{path}: {message.id!r} translated differently elsewhere")
                catalog.add(message.id, message.string)
    return catalog


def _compile(catalog, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    with open(tmp, "wb") as handle:
        write_mo(handle, catalog)
    os.replace(tmp, target)


# Flask-Admin's own strings (domain "admin"): its zh_Hans_CN catalogue, with the texts of
# i18n/admin_ui.po winning (its "选中的", "请选择模型"… are not the manuals' words, and it
# lacks some strings, e.g. the page sizes). admin/__init__.py points Flask-Admin here.
ADMIN_OVERRIDES = os.path.join(FRAGMENTS, "admin_ui.po")


def _flask_admin_po():
    import flask_admin.translations

    return os.path.join(flask_admin.translations.__path__[0], str(Locale.parse(LOCALE)), "LC_MESSAGES", "admin.po")


def admin_catalog():
    catalog = Catalog(locale=LOCALE, domain="admin")
    for path in (_flask_admin_po(), ADMIN_OVERRIDES):
        if os.path.exists(path):
            with open(path, "rb") as handle:
                for message in read_po(handle, locale=LOCALE):
                    strings = message.string if isinstance(message.string, tuple) else (message.string,)
                    if message.id and all(strings):
                        # Catalog.__setitem__ would keep the earlier text: replace it.
                        catalog.delete(message.id)
                        catalog[message.id] = message
    return catalog


def ensure_compiled(output):
    """Compile the catalogues into ``output`` where a fragment is newer; returns ``output``."""
    target_dir = os.path.join(output, str(Locale.parse(LOCALE)), "LC_MESSAGES")
    sources = fragment_paths()
    newest = max((os.path.getmtime(p) for p in sources), default=0)
    for name, build in (("messages.mo", merged_catalog), ("admin.mo", admin_catalog)):
        target = os.path.join(target_dir, name)
        if not os.path.exists(target) or os.path.getmtime(target) < newest:
            _compile(build(), target)
    return output


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "_n": (1, 2)}
METHODS = [
    ("**/.venv/**", "ignore"),
    ("**/tests/**", "ignore"),
    ("**/bench/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
]


def extract_messages(root=ROOT):
    """Every user-facing msgid in the code and templates under ``root``: ``{msgid: [(file, line)]}``."""
    from babel.messages.extract import extract_from_dir

    found = {}
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root, METHODS, options_map=options, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append((filename, lineno))
    return found


def untranslated(root=ROOT):
    """msgids that have no zh_CN text: ``[(msgid, first place)]`` (the i18n test uses it)."""
    catalog = merged_catalog()
    return sorted(
        (msgid, places[0])
        for msgid, places in extract_messages(root).items()
        if not (catalog.get(msgid) and catalog.get(msgid).string)
    )


if __name__ == "__main__":  # python -m web.i18n: list what still needs a translation
    for msgid, (filename, lineno) in untranslated():
        print(f"{filename}:{lineno}\t{msgid!r}")


def _babel_state():
    """Flask-Babel's state on ``g``, or None outside an application context. Through the
    proxy's object once: each attribute read on the ``g`` proxy looks its context up again
    (0.85 µs; a page asks 70–150 times)."""
    try:
        return getattr(g._get_current_object(), "_flask_babel", None)
    except RuntimeError:
        return None


def _request_translations():
    """The current catalogue, looked up once per locale and context: Flask-Babel finds its
    context, domain and locale again on every call, and a page asks for 100–150 words.
    Kept beside Flask-Babel's own locale, so ``force_locale`` still switches it."""
    state = _babel_state()
    cached = getattr(state, "cb_translations", None)
    if cached is not None and cached[0] is getattr(state, "babel_locale", None):
        return cached[1]
    translations = get_translations()
    state = _babel_state()
    if state is not None:
        state.cb_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def lazy_text(label):
    """A ``lazy_gettext`` label (the enums' ``Choice.label``) as this request's text, through
    the catalogue looked up once per request: a list shows two or three labels a row, and
    each lazy string would otherwise find Flask-Babel's context, domain and locale again.
    Reads the message of a plain ``lazy_gettext`` from the lazy string (Flask-Babel keeps
    it as ``_func``/``_args``); any other lazy string is simply made a string."""
    if isinstance(label, LazyString) and label._func is gettext and len(label._args) == 1 and not label._kwargs:
        return _request_translations().ugettext(label._args[0])
    return str(label)


# {catalogue: {(msgid, autoescaped): text}}: a word without variables reads the same
# every time in a catalogue, and a page shows 60–120 of them (each otherwise looked up,
# wrapped as Markup and %-formatted again). Weak keys: a catalogue dropped goes too.
_WORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@pass_context
def template_gettext(context, string, **variables):
    """``_()``/``gettext()`` in templates, as Jinja's newstyle gettext does it: the text is
    Markup when autoescaping and always %-formatted (so ``%%`` reads ``%``)."""
    translations = _request_translations()
    autoescape = context.eval_ctx.autoescape
    if not variables:
        words = _WORDS.get(translations)
        if words is None:
            words = _WORDS[translations] = {}
        text = words.get((string, autoescape))
        if text is None:
            text = words[(string, autoescape)] = _formatted(translations.ugettext(string), autoescape, {})
        return text
    return _formatted(translations.ugettext(string), autoescape, variables)


def _formatted(text, autoescape, variables):
    return (Markup(text) if autoescape else text) % variables


def install_template_gettext(app):
    """Templates translate through ``_request_translations`` (call after Babel's init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )
    # ``_`` straight to it, not through Jinja's alias that looks ``gettext`` up by name.
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)
