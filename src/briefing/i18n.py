"""Words the theme and the tool write (furniture), in the document's language.

Message ids are the English text, as with gettext: ``_("Key takeaways")`` gives the
catalogue's translation for the document's language, or the English text when there is
none. Templates get the function as ``_``; Python code calls :func:`messages_for`.
Placeholders use ``str.format`` names: ``_("Table {number}", number=2)``.

Catalogues ship as ``briefing/locales/<language>.toml`` (one ``"English id" = "text"``
line per message). A theme adds or overrides messages with ``messages/<language>.toml``
in any of its template folders (the first folder that has one wins, message by message,
over the shipped catalogue). A tag is looked up from the most specific form down:
``zh-Hans-CN``, ``zh-Hans``, ``zh``, then English.

Also here: the writing direction of a language, dates in its words (Babel), and the
digits it prints. Arabic-script languages print Latin digits (0-9) by default, as Babel's
CLDR data does for ``ar``; a theme that wants Arabic-Indic digits (٠-٩, or ۰-۹ for
Persian and Urdu) sets them with ``native_digits`` in ``messages/<language>.toml``::

    [options]
    native_digits = true
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.errors import ThemeError

if TYPE_CHECKING:
    from markupsafe import Markup

    from briefing.themes import Theme

__all__ = [
    "RTL_LANGUAGES",
    "Messages",
    "base_language",
    "catalogue_languages",
    "format_date",
    "is_rtl",
    "list_words",
    "messages_for",
    "page_css",
    "script_fonts",
    "shaped_for_svg",
]

_LOCALES = Path(__file__).resolve().parent / "locales"

#: Languages written right to left (by their primary subtag).
RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ps", "dv", "ckb", "sd", "ug"})

#: Native digit sets of the Arabic script, for themes that ask for them.
_NATIVE_DIGITS = {
    "ar": "٠١٢٣٤٥٦٧٨٩",
    "fa": "۰۱۲۳۴۵۶۷۸۹",
    "ur": "۰۱۲۳۴۵۶۷۸۹",
}


def base_language(language: str) -> str:
    """The primary subtag of a BCP 47 tag, lower case (``zh-Hans-CN`` -> ``zh``)."""
    return language.split("-")[0].split("_")[0].lower()


def is_rtl(language: str) -> bool:
    """Whether a language is written right to left."""
    return base_language(language) in RTL_LANGUAGES


def _candidates(language: str) -> list[str]:
    """``zh-Hans-CN`` -> ``["zh-hans-cn", "zh-hans", "zh"]``."""
    parts = language.replace("_", "-").lower().split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def catalogue_languages() -> list[str]:
    """The languages with a shipped catalogue (English, the ids themselves, included)."""
    return sorted({"en", *(p.stem for p in _LOCALES.glob("*.toml"))})


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"invalid message catalogue: {exc}", path=path) from None


@lru_cache(maxsize=64)
def _shipped(name: str) -> Mapping[str, str]:
    path = _LOCALES / f"{name}.toml"
    if not path.is_file():
        return {}
    return {k: v for k, v in _read_toml(path).items() if isinstance(v, str)}


@dataclass(frozen=True, slots=True)
class Messages:
    """A message catalogue for one language; call it to translate a message id.

    :param language: the document's language tag.
    :param catalogue: translations keyed by the English text.
    :param native_digits: print digits in the language's own script (Arabic-Indic).
    """

    language: str
    catalogue: Mapping[str, str] = field(default_factory=dict)
    native_digits: bool = False

    def __call__(self, msgid: str, /, **values: object) -> str:
        text = self.catalogue.get(msgid) or msgid
        if values:
            try:
                text = text.format(**{k: self._value(v) for k, v in values.items()})
            except (KeyError, IndexError, ValueError) as exc:
                raise ThemeError(
                    f"the {self.language} message for '{msgid}' has a placeholder the tool "
                    f"does not fill ({exc})",
                    hint=f"use only these placeholders: {', '.join(sorted(values))}",
                ) from None
        return text

    def _value(self, value: object) -> str:
        """A placeholder's value as text (native digits for numbers)."""
        return self.digits(value) if isinstance(value, int) else str(value)

    def markup(self, msgid: str, /, **values: object) -> Markup:
        """The message as HTML: each text value escaped and isolated in ``<bdi>``, so a
        Latin name inside an Arabic sentence (or the reverse) keeps its order.

        Unicode isolates (FSI ... PDI) would do the same in plain text, but WeasyPrint
        writes them as glyphs with an empty ToUnicode entry, which PDF/UA-1 refuses.
        """
        from markupsafe import Markup, escape

        wrapped = {
            k: v if isinstance(v, int) else Markup("<bdi>%s</bdi>") % escape(str(v))
            for k, v in values.items()
        }
        text = self(msgid, **{k: f"\x00{k}\x00" for k in values})
        parts = text.split("\x00")
        out = Markup("")
        for index, part in enumerate(parts):
            if index % 2 and part in wrapped:
                value = wrapped[part]
                out += value if isinstance(value, Markup) else escape(self.digits(value))
            else:
                out += escape(part)
        return out

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return is_rtl(self.language)

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr`` (for ``dir`` attributes and the EPUB spine)."""
        return "rtl" if self.rtl else "ltr"

    def digits(self, value: object) -> str:
        """A value as text, with native digits when the catalogue asks for them."""
        text = str(value)
        native = _NATIVE_DIGITS.get(base_language(self.language))
        if self.native_digits and native:
            text = text.translate(str.maketrans("0123456789", native))
        return text

    @property
    def counter_style(self) -> str:
        """The CSS counter style for page numbers (``decimal`` unless native digits)."""
        if self.native_digits and base_language(self.language) in _NATIVE_DIGITS:
            return "persian" if base_language(self.language) in ("fa", "ur") else "arabic-indic"
        return "decimal"


def _theme_catalogue(folders: tuple[Path, ...], name: str) -> tuple[dict[str, str], bool | None]:
    """A theme's own messages for one catalogue name, and its ``native_digits`` option."""
    messages: dict[str, str] = {}
    digits: bool | None = None
    for folder in reversed(folders):  # the first folder wins: apply it last
        path = folder / "messages" / f"{name}.toml"
        if not path.is_file():
            continue
        data = _read_toml(path)
        options = data.pop("options", {})
        if not isinstance(options, dict) or set(options) - {"native_digits"}:
            raise ThemeError(
                "a catalogue's [options] table takes only native_digits = true/false", path=path
            )
        if "native_digits" in options:
            if not isinstance(options["native_digits"], bool):
                raise ThemeError("native_digits is true or false", path=path)
            digits = options["native_digits"]
        for key, value in data.items():
            if not isinstance(value, str):
                raise ThemeError(f"the message '{key}' must be text", path=path)
            messages[key] = value
    return messages, digits


@lru_cache(maxsize=64)
def messages_for(language: str, theme: Theme | None = None) -> Messages:
    """The catalogue for a BCP 47 language tag (English text where none is known).

    :param theme: a theme whose ``messages/<language>.toml`` files add or override messages.
    """
    catalogue: dict[str, str] = {}
    native = False
    folders = theme.template_dirs if theme is not None else ()
    for name in reversed(_candidates(language)):  # the most specific tag wins: apply it last
        catalogue.update(_shipped(name))
        own, digits = _theme_catalogue(folders, name)
        catalogue.update(own)
        native = digits if digits is not None else native
    return Messages(language, catalogue, native)


def _babel_locale(language: str) -> str:
    """A Babel locale for a tag; plain ``en`` keeps the day-month-year order of the theme."""
    tag = language.replace("-", "_")
    return "en_GB" if tag.lower() == "en" else tag


def format_date(date: dt.date, messages: Messages) -> str:
    """A date in the document's language: ``20 August 2025``, ``20 августа 2025 г.``,
    ``2025年8月20日``, ``20 أغسطس 2025`` (or with native digits, see the module notes)."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date as babel_date

    language = messages.language
    for candidate in (_babel_locale(language), base_language(language), "en_GB"):
        try:
            Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
        return messages.digits(babel_date(date, format="long", locale=candidate))
    return date.isoformat()  # unreachable: "en_GB" always parses


#: The theme's font stack for furniture, by script (fonts.css declares these families).
_SCRIPT_FONTS = {
    **dict.fromkeys(("ar", "fa", "ur"), '"Noto Naskh Arabic", "Inter", sans-serif'),
    **dict.fromkeys(("zh", "ja", "ko"), '"Noto Sans CJK", "Inter", sans-serif'),
    **dict.fromkeys(("he", "yi"), '"Noto Serif Hebrew", "Inter", sans-serif'),
}


def script_fonts(language: str) -> str:
    """The CSS font stack for furniture in a language (``"Inter", sans-serif`` for Latin,
    Greek and Cyrillic)."""
    return _SCRIPT_FONTS.get(base_language(language), '"Inter", sans-serif')


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, every character outside printable ASCII escaped."""
    out = []
    for char in text:
        if char in '"\\' or not (" " <= char <= "~"):
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _page_content(messages: Messages) -> str:
    """The CSS ``content`` of "Page X of Y" in the document's language."""
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(messages("Page {page} of {pages}")):
        if literal:
            parts.append(css_string(literal))
        if name in ("page", "pages"):
            parts.append(f"counter({name}, {messages.counter_style})")
    return " ".join(parts) or "none"


def page_css(messages: Messages) -> str:
    """Page furniture in the document's language and direction (after briefing.css).

    The page number's words are translated; in a right-to-left document the margin boxes
    are mirrored: the running title at the top right, the recipient at the top left, the
    footer at the bottom right and the page number at the bottom left.
    """
    number = _page_content(messages)
    font = f"400 7.5pt/1.2 {script_fonts(messages.language)}"
    if not messages.rtl:
        return f"@page {{ @bottom-right {{ content: {number}; font: {font}; }} }}\n"
    return (
        "@page {\n"
        "  @top-right { content: element(running-title); vertical-align: bottom;"
        " padding-bottom: 3mm; width: 40%; text-align: right; }\n"
        "  @top-left { content: element(running-recipient); vertical-align: bottom;"
        " padding-bottom: 3mm; width: 30%; text-align: left; }\n"
        "  @bottom-right { content: element(running-footer); vertical-align: top;"
        f" padding-top: 3mm; width: 40%; text-align: right; font: {font}; }}\n"
        f"  @bottom-left {{ content: {number}; font: {font}; color: #5f6b7a;"
        " vertical-align: top; padding-top: 3mm; width: 30%; text-align: left; }\n"
        "}\n"
        "@page :first {\n"
        "  @top-right { content: none; }\n"
        "  @top-left { content: element(running-recipient); }\n"
        "}\n"
    )


@lru_cache(maxsize=1)
def _arabic_forms() -> dict[tuple[str, str], str]:
    """(letter, form) -> its Arabic presentation form, from Unicode's own decompositions."""
    forms: dict[tuple[str, str], str] = {}
    for code in range(0xFE70, 0xFEFF):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and parts[0] in ("<isolated>", "<final>", "<initial>", "<medial>"):
            forms.setdefault((chr(int(parts[1], 16)), parts[0][1:-1]), chr(code))
    return forms


def shaped_for_svg(text: str, language: str) -> str:
    """Furniture text for a renderer that places letters one by one (WeasyPrint's SVG
    ``<text>``, used for the draft watermark), which neither joins Arabic letters nor
    reorders right-to-left text: Arabic letters become their joined presentation forms and
    a right-to-left text is reversed into visual order. Other text is returned as is.
    """
    if not is_rtl(language):
        return text
    forms = _arabic_forms()

    def joins_left(char: str) -> bool:  # connects to the letter after it
        return (char, "initial") in forms

    def joins_right(char: str) -> bool:  # connects to the letter before it
        return (char, "final") in forms

    shaped = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        prev = bool(before) and joins_left(before) and joins_right(char)
        nxt = bool(after) and joins_left(char) and joins_right(after)
        form = {(True, True): "medial", (True, False): "final", (False, True): "initial"}.get(
            (prev, nxt), "isolated"
        )
        shaped.append(forms.get((char, form)) or forms.get((char, "isolated")) or char)
    return "".join(reversed(shaped))


@dataclass(frozen=True, slots=True)
class ListWords:
    """How a language joins names into a phrase (generated table captions).

    :param separator: between names but the last two (``", "``, ``"、"``).
    :param conjunction: before the last name, with its spaces (``" and "``, ``"和"``).
    :param lower_later: lower-case the initial of later names ("Outcome and impact"); off
        where capitals carry meaning (German nouns) or scripts have no case.
    :param table: the caption of a table whose header has no names.
    """

    separator: str
    conjunction: str
    lower_later: bool
    table: str


def list_words(language: str) -> ListWords:
    """The :class:`ListWords` of a language, from its catalogue."""
    messages = messages_for(language)
    base = base_language(language)
    word = messages("and")
    if base in ("zh", "ja", "ko"):
        return ListWords("、", word, False, messages("Table"))
    separator = "، " if base in ("ar", "fa", "ur") else ", "
    # Arabic and Hebrew write "and" joined to the next word (و, ו).
    conjunction = f" {word}" if base in ("ar", "fa", "he") and len(word) == 1 else f" {word} "
    return ListWords(separator, conjunction, base not in ("de", "lb"), messages("Table"))
