"""Translations: the zh_CN catalogue is kept as fragments ``i18n/*.po`` (one per area,
so parallel work never edits the same file) and compiled into ``instance/translations/``
(build output, outside the source tree) when a fragment is newer than the compiled catalogue. Babel resolves ``zh_CN`` to the locale
``zh_Hans_CN``, the folder name it looks up (Flask-Admin ships its catalogue the same way)."""
import glob
import os

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAGMENTS = os.path.join(ROOT, "i18n")
OUTPUT = os.path.join(ROOT, "instance", "translations")
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


def ensure_compiled():
    target_dir = os.path.join(OUTPUT, str(Locale.parse(LOCALE)), "LC_MESSAGES")
    messages_mo = os.path.join(target_dir, "messages.mo")
    sources = fragment_paths()
    newest = max((os.path.getmtime(p) for p in sources), default=0)
    if not os.path.exists(messages_mo) or os.path.getmtime(messages_mo) < newest:
        _compile(merged_catalog(), messages_mo)
    return OUTPUT


KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "_n": (1, 2)}
METHODS = [
    ("**/.venv/**", "ignore"),
    ("**/tests/**", "ignore"),
    ("**/bench/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
]


def extract_messages():
    """Every user-facing msgid in the code and templates: ``{msgid: [(file, line)]}``."""
    from babel.messages.extract import extract_from_dir

    found = {}
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, options_map=options, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append((filename, lineno))
    return found


def untranslated():
    """msgids that have no zh_CN text: ``[(msgid, first place)]`` (the i18n test uses it)."""
    catalog = merged_catalog()
    return sorted(
        (msgid, places[0])
        for msgid, places in extract_messages().items()
        if not (catalog.get(msgid) and catalog.get(msgid).string)
    )


if __name__ == "__main__":  # python -m services.i18n: list what still needs a translation
    for msgid, (filename, lineno) in untranslated():
        print(f"{filename}:{lineno}\t{msgid!r}")
