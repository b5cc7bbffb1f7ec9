"""Find English UI text in a rendered admin page.

A text counts as English when it holds a word that Wagtail's or Django's English messages use and that is not
also a Vietnamese syllable written without its marks (the admin's Vietnamese always carries them, so an
unmarked word there is suspect). Content typed by people (page titles, names) is Vietnamese in the demo, so
what is left is interface text that nobody translated, or data with English names.
"""

import json
import re
from functools import cache
from html.parser import HTMLParser
from importlib.util import find_spec
from pathlib import Path

import polib

# Words allowed anywhere, with the reason.
ALLOWED = {
    # Names of products and formats (not translated in Vietnamese either).
    "wagtail",
    "draftail",
    "streamfield",
    "vneid",
    "zalo",
    "html",
    "json",
    "csv",
    "xlsx",
    "pdf",
    "svg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "avif",
    "url",
    "urls",
    "id",
    "api",
    "oembed",
    "embedly",
    "email",
    "sms",
    "ok",
    "markdown",
    "unicode",
    "utf",
    "https",
    "http",
    "www",
    "qr",
    "ctrl",
    "shift",
    "alt",
    "enter",
    "esc",
    "tab",
    # Short Vietnamese words that are also English words (all syllables are written with marks in the UI,
    # but these exist unmarked too).
    "an",
    "anh",
    "ba",
    "ban",
    "bang",
    "bat",
    "binh",
    "cha",
    "chi",
    "cho",
    "con",
    "dan",
    "do",
    "gia",
    "ha",
    "hay",
    "hoa",
    "in",
    "la",
    "lan",
    "le",
    "long",
    "me",
    "minh",
    "nam",
    "no",
    "phi",
    "so",
    "tai",
    "tam",
    "tan",
    "tin",
    "to",
    "trung",
    "van",
    "vi",
    "xa",
    "lam",
    "tu",
    "hi",
    "ca",
    "ma",
    "thi",
    "ten",
    "hang",
    "dung",
    "thu",
    # Loanwords of everyday Vietnamese ("trang web") and the one technical term editors meet as it is, always
    # explained beside it ("Đường dẫn (slug)").
    "web",
    "slug",
    # Language names are shown in their own language, so that a person finds theirs (Django's name_local).
    "english",
}

_VIETNAMESE_MARKED = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_CODE_LIKE = re.compile(r"[/_@=#\\%{}]|\.[a-z]|[a-z][A-Z]|^-|\d")
_SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "svg", "noscript"}
# Wagtail's side-panel counter holds Python's "None" until its script writes a number (it is hidden till then).
_SKIP_ATTRIBUTES = {"data-side-panel-toggle-counter"}
_TEXT_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description", "data-w-tooltip-content-value"}


@cache
def english_words() -> frozenset[str]:
    words: set[str] = set()
    for package in ("wagtail", "django"):
        spec = find_spec(package)
        root = Path(spec.origin).parent
        for path in root.rglob("locale/en/LC_MESSAGES/*.po"):
            for entry in polib.pofile(str(path)):
                text = re.sub(r"%\([^)]*\)[sd]|%[sd]|<[^>]+>|\{[^}]*\}", " ", entry.msgid + " " + entry.msgid_plural)
                words.update(word.lower() for word in _WORD.findall(text) if len(word) > 1)
    return frozenset(words - ALLOWED)


def english_in(text: str) -> list[str]:
    """The English words of one text node (empty when it reads as Vietnamese, code or a name we allow)."""
    vocabulary = english_words()
    found = []
    for token in text.split():
        if _CODE_LIKE.search(token) or _VIETNAMESE_MARKED.search(token):
            continue
        for word in _WORD.findall(token):
            if word.lower() in vocabulary and not (word.isupper() and len(word) <= 5):
                found.append(word)
    return found


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._skipping: list[str] = []
        self._json = False
        self._textarea = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # The admin's strings for its scripts (wagtailConfig.STRINGS, the sidebar's menu): shown, so read.
        self._json = tag == "script" and attributes.get("type") == "application/json"
        # What people typed (a message template's English version) is content, not interface.
        self._textarea = tag == "textarea"
        for name in ("href", "data-chooser-url", "data-w-swap-src-value"):
            if attributes.get(name):
                self.links.append(attributes[name])
        if tag in _SKIP_TAGS or attributes.get("translate") == "no" or _SKIP_ATTRIBUTES & set(attributes):
            self._skipping.append(tag)
        for name, value in attrs:
            if value and (
                name in _TEXT_ATTRIBUTES
                or (tag == "input" and name == "value" and attributes.get("type") in ("submit", "button"))
            ):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = False
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if self._json:
            self._json = False
            self._read_json(json.loads(data))
        if not self._skipping and not self._textarea and data.strip():
            self.texts.append(" ".join(data.split()))

    def _read_json(self, value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                self._read_json(item, "text" if key == "STRINGS" else name)
        elif isinstance(value, list):
            for item in value:
                self._read_json(item, key)
        elif isinstance(value, str):
            if key in _JSON_TEXT_KEYS:
                self.texts.append(value)
            elif key == "url":
                self.links.append(value)


_JSON_TEXT_KEYS = {"text", "label", "sublabel", "footer_text", "title", "help_text", "description"}


def read_page(html: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The page's texts that hold English (each with its English words), and the addresses it links to.

    Texts are text nodes, readable attributes (title, aria-label, placeholder, alt, a button's value) and the
    labels in the admin's JSON for its scripts; links are ``href``s, chooser URLs and the sidebar menu's URLs.
    """
    parser = _Texts()
    parser.feed(html)
    found = []
    for text in parser.texts:
        words = english_in(text)
        if words:
            found.append((text[:120], words))
    return found, parser.links


def english_texts(html: str) -> list[tuple[str, list[str]]]:
    return read_page(html)[0]
