"""A tiny HTML-to-markdown converter for competition pages (stdlib html.parser only)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "section", "article", "table", "tr", "br", "hr", "blockquote"}
_HEADINGS = {f"h{i}": "#" * i for i in range(1, 7)}
_SKIP = {"script", "style", "head"}
# Inline tags written as the same markdown marker on both sides.
_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _HEADINGS:
            self.out.append(f"\n\n{_HEADINGS[tag]} ")
        elif tag in _BLOCK:
            self.out.append("\n\n" if tag != "br" else "\n")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.out.append("\n")
        elif tag == "li":
            bullet = "1." if self.lists and self.lists[-1] == "ol" else "-"
            self.out.append("\n" + "  " * max(0, len(self.lists) - 1) + bullet + " ")
        else:
            self._inline_start(tag, dict(attrs))

    def _inline_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag in _MARKS and not (tag == "code" and self.pre):
            self.out.append(_MARKS[tag])
        elif tag == "pre":
            self.pre += 1
            self.out.append("\n\n```\n")
        elif tag == "a":
            self.links.append(attrs.get("href") or "")
            self.out.append("[")
        elif tag in ("td", "th"):
            self.out.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _HEADINGS or tag in _BLOCK:
            self.out.append("\n\n")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("\n\n")
        elif tag in _MARKS and not (tag == "code" and self.pre):
            self.out.append(_MARKS[tag])
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.out.append("\n```\n\n")
        elif tag == "a":
            href = self.links.pop() if self.links else ""
            self.out.append(f"]({href})" if href else "]")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> str:
    """Convert an HTML fragment to readable markdown (headings, lists, links, code, emphasis)."""
    conv = _Converter()
    conv.feed(html)
    conv.close()
    text = "".join(conv.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n[ \t]+(?=[^-\s1`])", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def page_to_markdown(content: str, mime_type: str | None) -> str:
    """Markdown for a page whose content is HTML or already markdown."""
    if "markdown" in (mime_type or "").lower():
        return content.strip() + "\n"
    looks_html = bool(re.search(r"<(p|div|h[1-6]|ul|ol|li|br|a|strong|em|table)\b", content, re.I))
    if (mime_type or "").lower().endswith("html") or looks_html:
        return html_to_markdown(content)
    return content.strip() + "\n"
