"""Names of downloaded files for every client. Werkzeug sends a Chinese name as
``filename*=UTF-8''…`` plus an ASCII ``filename`` made by dropping every non-ASCII letter:
"学员账户导入模板.xlsx" falls back to ".xlsx" in clients that ignore the UTF-8 name. The
fallback here is a readable ASCII name of our own instead; the UTF-8 name stays."""
import re

FALLBACK = re.compile(r'filename="?([^";]*)"?(;|$)')


def ascii_fallback(response, name):
    """Give ``response``'s Content-Disposition the ASCII file name ``name`` when its own
    fallback lost the name (no letter or digit left but the extension: ".xlsx", "().pdf")."""
    header = response.headers.get("Content-Disposition", "")
    match = FALLBACK.search(header)
    if match is None or re.search(r"[A-Za-z0-9]", re.sub(r"\.[A-Za-z0-9]+$", "", match.group(1))):
        return response  # an ASCII name of its own (a letter or digit besides the extension): kept
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "download"
    response.headers["Content-Disposition"] = header[:match.start()] + f'filename="{safe}"' + match.group(2) + \
        header[match.end():]
    return response
