"""Our own words — the report's, the e-mail's, the exports' headings — in the report's language,
from gettext catalogs: English is written in the code and the templates, each other language is
one file, `locales/<language>/LC_MESSAGES/messages.po`. `make messages` extracts the English
(Babel) and updates the catalogs; a language is added by adding its catalog (see
docs/development.md). Customers' words are never translated."""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (a table of labels); it is translated
    where it prints, with `translations(language).gettext(message)`."""
    return message


def languages() -> tuple[str, ...]:
    """The report languages: English and every language with a catalog."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *found)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalog, compiled in memory from its `.po` (no build step, no `.mo` to keep
    in step); English, the source, translates to itself. Fuzzy entries are left out, as msgfmt
    does, so an unreviewed translation prints in English rather than wrong."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        raise ValueError(f"no catalog for language {language!r}: expected {path}")
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)
