"""Portal article bodies: Markdown rendered to HTML, then sanitised (nh3) so that an
article can never carry script, event handlers or styles into the public pages."""
import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with tables and strikethrough; raw HTML in the source is escaped, not kept.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def render_markdown(text):
    """Safe HTML for ``text`` written in Markdown (links get rel=noopener noreferrer)."""
    rendered = _markdown.render(text or "")
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Tables scroll inside their own box on a phone instead of widening the page.
    cleaned = cleaned.replace("<table>", '<div class="table-responsive"><table class="table table-sm">').replace(
        "</table>", "</table></div>"
    )
    return Markup(cleaned)


def summary(text, length=80):
    """A plain-text excerpt of a Markdown body for lists."""
    plain = nh3.clean(_markdown.render(text or ""), tags=set())
    plain = " ".join(html.unescape(plain).split())
    return plain if len(plain) <= length else plain[:length] + "…"
