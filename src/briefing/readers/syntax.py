"""The line syntax every reader shares: pipe-table rows, takeaway lines, caption lines.

The plain-text and Markdown readers apply these same rules, so an article reads to the
same model in either format.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing.errors import Diagnostic, InputError
from briefing.model import Alignment
from briefing.report import warn

__all__ = [
    "CAPTION_HEAD",
    "CAPTION_LINE",
    "KEYWORDS",
    "LABEL_COLON",
    "MONTH_NAMES",
    "SEPARATOR_ROW",
    "check_row",
    "keyword_pattern",
    "keywords",
    "split_row",
    "split_takeaway",
    "table_alignments",
]

#: The words plain-text articles use for their labelled lines, one table per language,
#: so every rule reads them from one place (lower-case except ``by``, written as is):
#:
#: - ``by``: a byline's first word (``By Jane Smith``), no colon;
#: - ``author``: a labelled byline (``Автор: Анна Петрова``);
#: - ``date``, ``source``, ``table``, ``figure``: ``Date: ...``, ``Source: ...`` lines,
#:   ``Sources:`` over a list, ``Table: caption``, ``Figure: caption [image]``;
#: - ``takeaways``: headings whose lists are the key takeaways;
#: - ``months``: month names (and their inflected forms) in a written date.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "by": ("By", "BY"),
        "author": ("author", "authors"),
        "date": ("date", "dated", "published", "updated", "last updated", "sent"),
        "source": ("source", "sources", "references"),
        "table": ("table",),
        "figure": ("figure",),
        "takeaways": (
            "key takeaways",
            "key findings",
            "key points",
            "key judgments",
            "key judgements",
            "summary of findings",
        ),
    },
    "ru": {
        "author": ("автор", "авторы"),
        "date": ("дата",),
        "source": ("источник", "источники", "литература"),
        "table": ("таблица",),
        "figure": ("рисунок",),
        "takeaways": ("основные выводы", "ключевые выводы"),
        "months": (
            "январь января",
            "февраль февраля",
            "март марта",
            "апрель апреля",
            "май мая",
            "июнь июня",
            "июль июля",
            "август августа",
            "сентябрь сентября",
            "октябрь октября",
            "ноябрь ноября",
            "декабрь декабря",
        ),
    },
    "uk": {
        "author": ("автор", "автори"),
        "date": ("дата",),
        "source": ("джерело", "джерела"),
        "table": ("таблиця",),
        "figure": ("рисунок",),
        "takeaways": ("основні висновки", "ключові висновки"),
        "months": (
            "січень січня",
            "лютий лютого",
            "березень березня",
            "квітень квітня",
            "травень травня",
            "червень червня",
            "липень липня",
            "серпень серпня",
            "вересень вересня",
            "жовтень жовтня",
            "листопад листопада",
            "грудень грудня",
        ),
    },
    "fr": {
        "by": ("Par", "PAR"),
        "author": ("auteur", "auteurs", "auteure"),
        "date": ("date", "publié le", "mis à jour le"),
        "source": ("source", "sources", "références"),
        "table": ("tableau",),
        "figure": ("figure", "graphique"),
        "takeaways": ("points clés", "principales conclusions", "à retenir", "l'essentiel"),
        "months": (
            "janvier janv",
            "février févr fevrier",
            "mars",
            "avril avr",
            "mai",
            "juin",
            "juillet juil",
            "août aout",
            "septembre sept",
            "octobre oct",
            "novembre nov",
            "décembre déc decembre",
        ),
    },
    "de": {
        "by": ("Von", "VON"),
        "author": ("autor", "autorin", "autoren"),
        "date": ("datum", "veröffentlicht"),
        "source": ("quelle", "quellen", "literatur"),
        "table": ("tabelle",),
        "figure": ("abbildung", "grafik"),
        "takeaways": ("kernaussagen", "wichtigste ergebnisse", "das wichtigste", "kernpunkte"),
        "months": (
            "januar jan jänner",
            "februar feb",
            "märz mär maerz",
            "april apr",
            "mai",
            "juni jun",
            "juli jul",
            "august aug",
            "september sep sept",
            "oktober okt",
            "november nov",
            "dezember dez",
        ),
    },
    "es": {
        "by": ("Por", "POR"),
        "author": ("autor", "autora", "autores"),
        "date": ("fecha",),
        "source": ("fuente", "fuentes", "referencias"),
        "table": ("tabla", "cuadro"),
        "figure": ("figura", "gráfico"),
        "takeaways": ("conclusiones clave", "puntos clave", "principales conclusiones"),
        "months": (
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre setiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ),
    },
    "zh": {
        "author": ("作者",),
        "date": ("日期",),
        "source": ("来源", "资料来源", "数据来源", "出处"),
        "table": ("表",),
        "figure": ("图",),
        "takeaways": ("主要结论", "要点", "关键要点", "核心要点"),
    },
    "ja": {
        "author": ("著者", "筆者", "執筆者"),
        "date": ("日付",),
        "source": ("出典", "出所"),
        "table": ("表",),
        "figure": ("図",),
        "takeaways": ("要点", "主なポイント", "主な結論"),
    },
    "ar": {
        "author": ("بقلم", "الكاتب", "المؤلف"),
        "date": ("التاريخ",),
        "source": ("المصدر", "المصادر", "المراجع"),
        "table": ("جدول", "الجدول"),
        "figure": ("شكل", "الشكل"),
        "takeaways": ("الاستنتاجات الرئيسية", "النقاط الرئيسية", "أهم النتائج"),
    },
}


def keywords(kind: str) -> tuple[str, ...]:
    """Every language's words for ``kind`` (``"date"``, ``"table"`` ...), longest first."""
    words = {word for table in KEYWORDS.values() for word in table.get(kind, ())}
    return tuple(sorted(words, key=lambda word: (-len(word), word)))


def keyword_pattern(kind: str) -> str:
    """A regular expression alternative matching any language's word for ``kind``."""
    return "(?:" + "|".join(re.escape(word) for word in keywords(kind)) + ")"


#: A label's separator: ``:``, with space before it (French) or full-width ``：``.
LABEL_COLON = r"\s*[:：]"

#: Month number for each month name of every language (lower-case).
MONTH_NAMES: dict[str, int] = {
    name: number
    for table in KEYWORDS.values()
    for number, names in enumerate(table.get("months", ()), 1)
    for name in names.split()
}

#: The head of a table caption in any language: ``Table:`` (Pandoc), ``Table 2:``,
#: ``Table 2.``, ``Таблица 2:``, ``Tableau :``, ``表1：``; ``number`` is the author's.
CAPTION_HEAD = re.compile(
    rf"^{keyword_pattern('table')}"
    rf"(?:\s*(?P<number>[A-Z]?\d{{1,3}}(?:\.\d{{1,3}})*)\s*[:.：]|{LABEL_COLON})\s*",
    re.IGNORECASE,
)

#: A caption line next to a table gives its caption (and is never a heading).
CAPTION_LINE = re.compile(CAPTION_HEAD.pattern + r"(?P<caption>\S.*)$", re.IGNORECASE)

SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def split_row(line: str) -> list[str]:
    """The cells of a pipe-table row; outer pipes are optional and ``\\|`` is a literal pipe."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(text)]


def check_row(cells: list[str], width: int, *, path: Path, line: int, header_line: int) -> None:
    """Check a table row's cell count against its header's (every reader): fewer cells
    are filled with empty ones, as GitHub and Pandoc do, with a warning; more would be
    lost, so they are refused.

    :raises InputError: naming the row's line and the header's.
    """
    if len(cells) > width:
        raise InputError(
            f"this table row has {len(cells)} cells but the header (line {header_line}) "
            f"has {width}",
            path=path,
            line=line,
            hint="give every row the same number of |-separated cells",
        )
    if len(cells) < width:
        missing = width - len(cells)
        empty = "its last cell is" if missing == 1 else f"its last {missing} cells are"
        warn(
            Diagnostic(
                f"this table row has {len(cells)} cells but the header (line {header_line}) "
                f"has {width}: {empty} left empty",
                path,
                line,
                "give every row the same number of |-separated cells",
            )
        )


def table_alignments(separator: str) -> tuple[Alignment, ...]:
    """Column alignments from a separator row such as ``|:---|---:|``."""
    result: list[Alignment] = []
    for cell in split_row(separator):
        left, right = cell.startswith(":"), cell.endswith(":")
        result.append(
            "center" if left and right else "right" if right else "left" if left else None
        )
    return tuple(result)


_TAKEAWAY = re.compile(r"^(?P<label>[^:：]{1,80}?)(?::\s+|：\s*)(?P<text>\S.*)$", re.DOTALL)


def split_takeaway(text: str) -> tuple[str, str] | None:
    """Split ``"Label: text"`` (or ``"标签：text"``) into its parts when the label looks
    like a label.

    A label is at most eight words, has no sentence punctuation at its end, and is not a
    URL scheme, so ``"Note: see https://x"`` qualifies and ``"In short, yes: ..."`` does not.
    """
    match = _TAKEAWAY.match(text.strip())
    if not match:
        return None
    label = match.group("label").strip()
    if not label or len(label.split()) > 8 or label[-1] in ".,;!?" or "," in label:
        return None
    return label, match.group("text").strip()
