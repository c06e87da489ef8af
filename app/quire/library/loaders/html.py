"""Saved web pages (.html/.htm): the text under its headings, without scripts, styles, forms or
navigation. The standard library's parser: it runs nothing, fetches nothing and expands only
HTML's own named characters. E-book chapters (XHTML) are read by the same code."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import LoadedDocument, Section
from quire.library.loaders.text import decode_text

# Elements whose content is never the page's text: code, styling, navigation, forms, embedded media.
_SKIPPED = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "footer",
    "form",
    "button",
    "select",
    "option",
    "textarea",
    "iframe",
    "object",
    "svg",
    "math",
    "canvas",
    "audio",
    "video",
    "head",
    "menu",
}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "figure",
    "figcaption",
    "address",
    "hr",
    "br",
    "body",
    "caption",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_ROLES_SKIPPED = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "toolbar"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
MAX_DEPTH = 2_000  # deeper than this is not a page a person saved
# An open element that a new tag closes (<p>one<p>two, <li>a<li>b, <tr><td>1<tr>), as browsers do,
# unless an element it cannot cross is open nearer: tag → (what it closes, where the search stops).
_CELLS = frozenset({"td", "th"})
_CONTAINERS = frozenset({"div", "section", "article", "body", "td", "th", "li", "blockquote", "table"})
_IMPLIED_END = {
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (_CELLS, frozenset({"tr", "table"})),
    "th": (_CELLS, frozenset({"tr", "table"})),
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "option": (frozenset({"option"}), frozenset({"select"})),
}
_CLOSES_P = {"p", "div", "ul", "ol", "dl", "table", "pre", "blockquote", "section", "article", "hr"}


class _PageText(HTMLParser):
    """Collects (heading path, text) blocks; skipped subtrees are tracked by depth, so a stray end
    tag or an unclosed element costs at most its own subtree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.title = ""
        self._path: list[tuple[int, str]] = []
        self._lines: list[str] = []
        self._line: list[str] = []
        self._stack: list[str] = []
        self._open: dict[str, int] = {}  # how many of each tag are open (membership in O(1))
        self._skip_depth = 0  # > 0 inside a skipped element: the depth it started at
        self._heading: list[str] | None = None
        self._heading_level = 0
        self._in_title = False
        self._pre = 0
        self._cells: list[str] | None = None

    # structure -------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                self._break()
            elif tag == "img" and not self._skip_depth:
                alt = dict(attrs).get("alt")
                if alt and alt.strip():
                    self._line.append(f" {alt.strip()} ")
            return
        self._close_implied(tag)
        if len(self._stack) >= MAX_DEPTH:
            return  # deeper than any real page: read as text, not tracked (stays linear)
        self._stack.append(tag)
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag == "title":
            self._in_title = True
        attributes = dict(attrs)
        hidden = "hidden" in attributes or (attributes.get("aria-hidden") or "").lower() == "true"
        if not self._skip_depth and (
            tag in _SKIPPED or hidden or (attributes.get("role") or "").lower() in _ROLES_SKIPPED
        ):
            self._skip_depth = len(self._stack)
            return
        if self._skip_depth:
            return
        if tag in _HEADINGS:
            self._flush()
            self._heading, self._heading_level = [], _HEADINGS[tag]
        elif tag in _BLOCK or tag == "li":
            self._break()
            if tag == "li":
                self._line.append("• ")
            elif tag == "pre":
                self._pre += 1
            elif tag == "tr":
                self._cells = []
        elif tag in ("td", "th") and self._cells is not None:
            self._cells.append("")

    def _close_implied(self, tag: str) -> None:
        if tag in _IMPLIED_END:
            targets, stops = _IMPLIED_END[tag]
        elif tag in _CLOSES_P or tag in _HEADINGS:
            targets, stops = frozenset({"p"}), _CONTAINERS
        else:
            return
        for open_tag in reversed(self._stack[-64:]):  # near the top: a real page's nesting
            if open_tag in targets:
                self.handle_endtag(open_tag)
                return
            if open_tag in stops:
                return

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self._open.get(tag):
            return  # a stray end tag
        while self._stack:  # close what was left open inside it, as browsers do
            open_tag = self._stack.pop()
            self._open[open_tag] -= 1
            self._closed(open_tag)
            if open_tag == tag:
                break

    def _closed(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skip_depth:
            if len(self._stack) < self._skip_depth:
                self._skip_depth = 0
            return
        if tag in _HEADINGS and self._heading is not None:
            title = " ".join("".join(self._heading).split())
            self._heading = None
            if title:
                level = self._heading_level
                self._path = [(lvl, t) for lvl, t in self._path if lvl < level]
                self._path.append((level, title))
                self._lines.append(title)  # the heading's words stay searchable in its section
        elif tag == "tr" and self._cells is not None:
            cells = [" ".join(c.split()) for c in self._cells]
            self._cells = None
            if any(cells):
                self._lines.append(" | ".join(cells))
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self._break()
        elif tag in _BLOCK or tag == "li":
            self._break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skip_depth:
            return
        if self._heading is not None:
            self._heading.append(data)
        elif self._cells is not None and self._cells:
            self._cells[-1] += data
        elif self._pre:
            parts = data.split("\n")
            self._line.append(parts[0])
            for part in parts[1:]:
                self._break()
                self._line.append(part)
        else:
            self._line.append(data)

    # text -------------------------------------------------------------------------------------

    def _break(self) -> None:
        text = "".join(self._line)
        text = text.rstrip() if self._pre else " ".join(text.split())
        if text.strip():
            self._lines.append(text)
        self._line = []

    def _flush(self) -> None:
        self._break()
        body = "\n".join(self._lines).strip()
        if body:
            heading = " > ".join(title for _, title in self._path) or None
            self.sections.append(Section(text=body, heading=heading))
        self._lines = []

    def finish(self) -> list[Section]:
        self.close()
        while self._stack:
            self._closed(self._stack.pop())
        self._flush()
        return self.sections


def html_sections(markup: str) -> tuple[list[Section], str]:
    """The text of an HTML or XHTML document in sections under its headings, and its <title>."""
    parser = _PageText()
    parser.feed(markup)
    sections = parser.finish()
    return sections, " ".join(parser.title.split())[:300]


def decode_html(path: Path, data: bytes) -> str:
    """HTML's own encoding rules in short: a byte-order mark, then <meta charset>, then a guess."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        match = _CHARSET.search(data[:4096])
        if match:
            try:
                return data.decode(match.group(1).decode("ascii"), errors="replace")
            except LookupError:
                pass  # an encoding Python does not know: guess instead
    return decode_text(path, data)


def load_html(path: Path) -> LoadedDocument:
    sections, title = html_sections(decode_html(path, path.read_bytes()))
    if not sections:
        raise LoaderError(path, "no text in the page (scripts and navigation only?)")
    if title and sections[0].heading is None:  # the page's title names its opening text
        sections[0] = Section(text=sections[0].text, heading=title)
    return LoadedDocument(str(path), "web", sections, 0, [])
