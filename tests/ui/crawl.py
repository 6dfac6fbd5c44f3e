"""Crawl every page a role reaches by links from its home (and the public pages) and find
text in the wrong language.

How the language check decides (the allow-list mechanism):
- Only text a person reads is checked: text nodes outside <script>/<style>, and the
  ``placeholder``, ``title``, ``aria-label``, ``alt`` and button ``value`` attributes.
- A word that is DATA is never flagged: every string stored in the database (names,
  usernames, e-mails, file names, codes, category schemas…) plus the 省/市/区 table forms a
  corpus, and a run of text found in it is data.
- ``ALLOWED_ENGLISH`` lists the words that are right in a Chinese page (brand and format
  names such as PDF or Excel); ``ALLOWED_CHINESE`` the Chinese that is right in an English
  page (the language switch itself). Add a word there, with a reason, when a new page
  shows a name that is neither data nor a translatable string.
- Pages are found by following links, so pages added later are crawled too; links that
  act or download (log out, files, exports, language switches) are not followed, and
  one URL per shape (digits replaced) is enough.
"""
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from peewee import CharField, TextField

import models
from services.portal.articles import summary
from services.records import regions

ALLOWED_ENGLISH = {
    "PDF", "Excel", "xlsx", "xls", "jpg", "png", "gif", "jpeg", "JPG", "PNG", "GIF", "JPEG",  # file formats
    "English",  # the language switch names its language in that language
    "DEV",  # the development-only SMS code notice (never shown in production)
    "MB", "KB", "IP", "ID", "CSV", "SMS", "USCC", "OK",  # units and standard abbreviations
    "Markdown",  # the article editor's syntax
    "OpenAPI", "Authorization", "Bearer",  # the API's standard and its HTTP header (接口令牌)
}
ALLOWED_CHINESE = {"中文"}  # the language switch in an English page
SKIP_LINK = re.compile(
    r"(/logout|/files/|[?&]lang=|/export|download=|/static/|^mailto:|^javascript:|^tel:|"
    r"/admin/[^/]+/(delete|action)/|/favicon)"
)
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
CHINESE_RUN = re.compile(r"[\u3400-\u9fff]+")
CHECKED_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _hidden(tag, attrs):
    """Elements nobody reads: scripts, data holders (hidden, d-none, display:none)."""
    classes = (attrs.get("class") or "").split()
    style = (attrs.get("style") or "").replace(" ", "")
    return tag in ("script", "style", "template") or "hidden" in attrs or "d-none" in classes or "display:none" in style


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.links, self._stack = [], [], []

    @property
    def _skip(self):
        return any(hidden for _tag, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in VOID:
            self._stack.append((tag, _hidden(tag, attrs)))
        if self._skip or (tag in VOID and "hidden" in attrs):
            return
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in CHECKED_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        # Pop to the matching open tag (browsers forgive unclosed <li>, <p>, <option>…).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def parse(html):
    page = _Page()
    page.feed(html)
    return page


def data_vocabularies():
    """Fixed lists whose Chinese is data in every language: values stored verbatim (school
    types, 省/市/区) and the Chinese names of the import workbooks and their columns (the
    spec's file formats)."""
    from forms.institution import SCHOOL_TYPES
    from services import excel

    words = list(SCHOOL_TYPES) + [str(regions.tree())]
    for kind in excel.KINDS.values():
        words.append(str(kind.label))
        words.extend(str(column.header) for column in getattr(kind, "COLUMNS", ()) if hasattr(column, "header"))
    return words


def data_corpus():
    """Every text value stored in the database (Markdown bodies also as the plain text the
    pages show) and the fixed vocabularies: what is data."""
    parts = data_vocabularies()
    for model in models.MODELS:
        fields = [f for f in model._meta.sorted_fields if isinstance(f, (CharField, TextField))]
        if fields:
            for row in model.select(*fields).tuples():
                parts.extend(str(v) for v in row if v)
                parts.extend(summary(str(v), length=10_000) for v in row if v)
    return "\n".join(parts)


# Query arguments that change the rows shown, not the page's words.
LIST_ARGUMENTS = {"page", "page_size", "sort", "desc", "url", "search", "q"}


def shape(url):
    """One URL per shape: /admin/x/details/?id=3 and ?id=4, or a list sorted another way,
    are the same page."""
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)} - LIST_ARGUMENTS)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(client, starts, max_pages=80):
    """Breadth-first over same-site links from ``starts``: ``{url: html}`` of 200 pages."""
    seen, pages, queue = set(), {}, deque(starts)
    while queue and len(pages) < max_pages:
        url = queue.popleft()
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for href in parse(html).links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or SKIP_LINK.search(href) or parts.path in ("", "#"):
                continue
            local = parts.path + ("?" + parts.query if parts.query else "")
            if shape(local) not in seen:
                queue.append(local)
    return pages


def english_outside_data(texts, corpus):
    found = set()
    for text in texts:
        if text in corpus:
            continue
        for word in ENGLISH_WORD.findall(text):
            if word not in ALLOWED_ENGLISH and word not in corpus:
                found.add(word)
    return found


def chinese_outside_data(texts, corpus):
    found = set()
    for text in texts:
        if text in corpus:
            continue
        for run in CHINESE_RUN.findall(text):
            if run not in ALLOWED_CHINESE and run not in corpus:
                found.add(run)
    return found
