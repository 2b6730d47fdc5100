"""The content library kept on the app: every content version, its translations, and which one
is current. A translation is a Content of the same shape in another language (content/translations.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from flask import Flask, current_app

from .content import Content, ContentError, load_all
from .content.loader import VERSIONS_DIR
from .content.translations import ENGLISH, PSEUDO, Language, language_of, load_translations, pseudo_translation
from .signoff import latest, translation_notice

EXTENSION_KEY = "decision_aid.content"
TRANSLATIONS_KEY = "decision_aid.translations"  # {version: {language: Content}}, English not among them


def init_app(app: Flask) -> None:
    """Load and check every content version; a broken file stops start-up here."""
    versions_dir = Path(app.config.get("CONTENT_DIR") or VERSIONS_DIR)
    versions, translations = _checked_library(app, versions_dir)
    wanted = app.config.get("CONTENT_VERSION") or list(versions)[-1]
    if wanted not in versions:
        raise ContentError(f"CONTENT_VERSION={wanted!r} is not one of {sorted(versions)}")
    app.config["CONTENT_VERSION"] = wanted
    app.extensions[EXTENSION_KEY] = versions
    app.extensions[TRANSLATIONS_KEY] = translations
    app.add_template_global(translation_notice)

    @app.context_processor
    def _content_in_templates() -> dict:
        content = _page_content()
        return {"content": content, "content_due_for_review": due_for_review(content),
                "content_signoff": latest(content.version, content.english_hash)}


# The library as loaded and checked, by what it was loaded from: a process that makes many apps
# (the test suite makes one or more per test; a CLI command one per run) reads and checks the
# same files once. Content objects are frozen, so apps can share them (not the dicts holding them). The key holds every file's
# bytes (any edit, in any folder, loads afresh) and every setting the loading reads.
_CHECKED: dict[tuple, tuple[dict[str, Content], dict[str, dict[str, Content]]]] = {}


def _checked_library(app: Flask, versions_dir: Path) -> tuple[dict[str, Content], dict[str, dict[str, Content]]]:
    static_root = Path(app.static_folder)
    key = (str(versions_dir.resolve()), str(static_root.resolve()), _fingerprint(versions_dir),
           app.config.get("REFUSE_STALE_TRANSLATIONS", True), bool(app.config.get("PSEUDO_TRANSLATION")))
    if key not in _CHECKED:
        versions = load_all(versions_dir, static_root=static_root)
        while len(_CHECKED) >= 4:  # tests' edited copies do not pile up
            del _CHECKED[next(iter(_CHECKED))]
        _CHECKED[key] = versions, _load_translations(app, versions, versions_dir)
    versions, translations = _CHECKED[key]
    # Each app its own dicts (a test may replace a translation in its app); the Content is shared.
    return dict(versions), {version: dict(languages) for version, languages in translations.items()}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _load_translations(app: Flask, versions: dict[str, Content], versions_dir: Path) -> dict[str, dict[str, Content]]:
    """Every version's translations, checked against its English; a broken one stops start-up.

    A stale one (the English changed after translating) too, unless REFUSE_STALE_TRANSLATIONS
    is off (production): then it is logged once, here, and loaded for the discussions already
    held in it, but not offered (``languages``)."""
    static_root = Path(app.static_folder)
    refuse_stale = app.config.get("REFUSE_STALE_TRANSLATIONS", True)
    found = {}
    for version, english in versions.items():
        found[version] = load_translations(english, versions_dir / version, static_root, refuse_stale)
        if app.config.get("PSEUDO_TRANSLATION"):  # tests only: see translations.pseudo_translation
            found[version][PSEUDO] = pseudo_translation(english, versions_dir / version, static_root)
    return found


def current_content(language: str = "en") -> Content:
    return content_version(current_app.config["CONTENT_VERSION"], language)


def _page_content() -> Content:
    """The current content in the page's language (Flask-Babel's locale), English where the
    current version has no translation into it (a clinician's page)."""
    from flask_babel import get_locale  # here: Babel is set up after the library

    locale = get_locale()
    code = locale.language if locale is not None else "en"
    try:
        return current_content(code)
    except KeyError:
        return current_content()


def all_versions() -> dict[str, Content]:
    """Every loaded content version, oldest first."""
    return current_app.extensions[EXTENSION_KEY]


def content_version(version: str, language: str = "en") -> Content:
    """An exact content version in one language, so a saved discussion reprints as it was shown.

    KeyError when there is no such version, or no such translation of it."""
    english = current_app.extensions[EXTENSION_KEY][version]
    if language == "en":
        return english
    try:
        return current_app.extensions[TRANSLATIONS_KEY][version][language]
    except KeyError:
        raise KeyError(f"content {version} has no translation {language!r}") from None


def content_for_record(version: str, content_hash: str, language: str = "en") -> Content:
    """The content a saved discussion was shown: ``content_hash`` and ``language`` as recorded.

    Published versions and their translations must never change: a changed hash is logged as
    an error. The English of a discussion held in a translation (the clinical record) is
    unchanged when the recorded hash is that translation's: it covers the English files too.
    """
    try:
        content = content_version(version, language)
    except KeyError:
        if version not in all_versions():
            raise
        current_app.logger.error("Content version %s has no %s translation any more; a discussion "
                                 "held in it is shown in English", version, language)
        return content_version(version)
    translated_hashes = {t.content_hash for t in current_app.extensions[TRANSLATIONS_KEY][version].values()}
    # A discussion records the English hash it was begun under (its language can change on the
    # link page): a translation is checked against that English at start-up (translated_from_hash).
    recorded = {content.content_hash, content.english_hash}
    if content_hash not in recorded and not (language == "en" and content_hash in translated_hashes):
        current_app.logger.error("Content version %s (%s) has changed since a discussion was saved "
                                 "with it; reprints will differ from what was shown", version, language)
    return content


def languages(version: str | None = None, with_stale: bool = False) -> list[Language]:
    """The languages a version (default: the current one) is offered in, for new discussions and
    pages: English first, then by code. A stale translation (production only) is not offered; with
    ``with_stale`` it is listed too, for the discussions already held in it."""
    translated = current_app.extensions[TRANSLATIONS_KEY][version or current_app.config["CONTENT_VERSION"]]
    return [ENGLISH, *(language_of(translated[code]) for code in sorted(translated)
                       if with_stale or not translated[code].stale)]


def due_for_review(content: Content, today: dt.date | None = None) -> bool:
    return (today or dt.date.today()) > content.meta.next_review
