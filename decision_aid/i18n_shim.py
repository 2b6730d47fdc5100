"""SHIM – to be replaced at merge by `i18n-content`'s API (see /work/wt/I18N-CONTRACT.md).

`i18n-ui` calls the contract's functions through this module until `i18n-content` lands:
`languages()`, `current_content(language=...)` and `translation_notice(content)`. It knows the
three languages of the interface's catalogs and returns the ENGLISH content for every one of
them (no translated content exists on this branch). The integrator points the imports of
`decision_aid/i18n.py` at `library` / `signoff` and deletes this file.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from . import library
from .content import Content


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language's own name, shown in the chooser
    english_name: str
    direction: str  # "ltr" or "rtl"


_LANGUAGES = (Language("en", "English", "English", "ltr"),
              Language("pl", "Polski", "Polish", "ltr"),
              Language("ar", "العربية", "Arabic", "rtl"))


def languages(version: str | None = None) -> list[Language]:
    """English first, then by code (the contract's order)."""
    return [_LANGUAGES[0], *sorted(_LANGUAGES[1:], key=lambda language: language.code)]


def current_content(language: str = "en") -> Content:
    return library.current_content()  # SHIM: English content whatever the language


def content_version(version: str, language: str = "en") -> Content:
    return library.content_version(version)  # SHIM: English content whatever the language


def translation_notice(content: Content) -> str | None:
    """SHIM: no translation is signed off, so every page not in English carries the notice."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return None
    from flask_babel import gettext
    return gettext("Translation awaiting review by a qualified medical translator")
