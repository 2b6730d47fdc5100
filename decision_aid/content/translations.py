"""Content per language: a version's translations, loaded beside its English and checked against it.

A translation is the folder ``versions/<version>/translations/<lang>/``: ``translation.yaml``
(``schema.TranslationMeta``) and a full copy of each file in ``TRANSLATED_FILES`` in which only
prose (``schema.Prose``) is translated: ``meta.yaml`` among them, for its sentences a patient
reads (the no-recommendation line, the review status, the certainty levels' meanings) while its
version, rules and dates stay the English ones. The other files (references, assessment, IPDAS)
are the English ones. The comparison check (``comparison_problems``) runs at start-up, before
the translated files are validated and checked like any content, and refuses a translation
whose structure, ids, enums, numbers or reference ids differ from its English.

Check one folder by hand::

    .venv/bin/python -m decision_aid.content.translations decision_aid/content/versions/2026.2/translations/pl
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import sys
from pathlib import Path

from pydantic import BaseModel

from . import schema
from .loader import FILES, OPTIONAL_FILES, Content, ContentError, assemble, load_version, read_yaml, validate
from .prose import differences, map_prose

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = "translations"
TRANSLATION_FILE = "translation.yaml"
TRANSLATED_FILES: dict[str, type[BaseModel]] = {
    name: FILES[name] for name in ("meta.yaml", "condition.yaml", "options.yaml", "comparison.yaml",
                                   "outcomes.yaml", "home_programme.yaml", "consultation.yaml")}
# Files a translation folder may hold besides its translated files (notes for translators).
ALLOWED_EXTRA = {"README.md", "NOTES.md"}


class StaleTranslation(ContentError):
    """The English files changed after the translation was made (``translated_from_hash``)."""


@dataclasses.dataclass(frozen=True)
class Language:
    """A language the content can be shown in, as the language chooser lists it."""

    code: str           # BCP 47
    name: str           # in the language itself ("Polski")
    english_name: str
    direction: str      # "ltr" or "rtl"


ENGLISH = Language("en", "English", "English", "ltr")


def language_of(content: Content) -> Language:
    if content.translation is None:
        return ENGLISH
    meta = content.translation
    return Language(meta.language, meta.name, meta.english_name, meta.direction)


def translation_hash(english_hash: str, folder: Path) -> str:
    """A translation's content hash: the English files' hash and every file of the translation."""
    digest = hashlib.sha256(b"english\0" + english_hash.encode() + b"\0")
    for name in sorted([TRANSLATION_FILE, *TRANSLATED_FILES]):
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()


def read_meta(folder: Path) -> schema.TranslationMeta:
    meta = validate(folder / TRANSLATION_FILE, read_yaml(folder / TRANSLATION_FILE), schema.TranslationMeta)
    if meta.language != folder.name:
        raise ContentError(f"{folder / TRANSLATION_FILE}: field 'language': is '{meta.language}' "
                           f"but the folder is named '{folder.name}'")
    if meta.language == "en":
        raise ContentError(f"{folder / TRANSLATION_FILE}: field 'language': English is the source, "
                           f"not a translation")
    return meta


def read_files(folder: Path) -> dict[str, object]:
    """The data of each translated file in ``folder``, or the ContentError that reading it raised."""
    found: dict[str, object] = {}
    for name in TRANSLATED_FILES:
        try:
            found[name] = read_yaml(folder / name)
        except ContentError as error:
            found[name] = error
    return found


def comparison_problems(english_folder: Path, folder: Path, english_data: dict | None = None,
                        translated_data: dict | None = None) -> list[str]:
    """Every way the translation in ``folder`` is not a faithful copy of its English, as
    "file: field 'where': what is wrong" (empty when it is whole). The files' data may be given
    (``read_files``) when the caller has read them already."""
    english_data = english_data if english_data is not None else read_files(english_folder)
    translated_data = translated_data if translated_data is not None else read_files(folder)
    found: list[str] = []
    try:
        read_meta(folder)
    except ContentError as error:
        found.append(str(error))
    known = {TRANSLATION_FILE, *TRANSLATED_FILES, *ALLOWED_EXTRA}
    for path in sorted(folder.iterdir()):
        if path.name not in known:
            found.append(f"{path}: not a file a translation has: {sorted(TRANSLATED_FILES)} are translated; "
                         f"references, assessment and IPDAS are always the English ones")
    for name, model in TRANSLATED_FILES.items():
        english, translated = english_data[name], translated_data[name]
        unreadable = [str(data) for data in (english, translated) if isinstance(data, ContentError)]
        if unreadable:
            found += unreadable
            continue
        found += [f"{folder / name}: field '{where or '(top level)'}': {message}"
                  for where, message in differences(model, english, translated)]
    return found


def stale_problem(folder: Path, meta: schema.TranslationMeta, english_hash: str) -> str | None:
    if meta.translated_from_hash == english_hash:
        return None
    return (f"{folder / TRANSLATION_FILE}: field 'translated_from_hash': is {meta.translated_from_hash} but the "
            f"English of this version is now {english_hash}: the English changed after translating; bring the "
            f"translation up to date, then set translated_from_hash to the new hash")


def _untranslated(english: Content) -> dict[str, BaseModel]:
    """The files a translation takes from its English as they are (already checked there)."""
    parsed: dict[str, BaseModel] = {
        "references.yaml": schema.References(references=list(english.references.values()))}
    for name in OPTIONAL_FILES:
        document = getattr(english, Path(name).stem)
        if document is not None:
            parsed[name] = document
    return parsed


def load_translation(english: Content, english_folder: Path, folder: Path, static_root: Path | None = None,
                     refuse_stale: bool = True, english_data: dict | None = None) -> Content:
    """The translated Content of ``folder``; ContentError naming file and field when it is broken.

    A stale translation (the English changed since) raises StaleTranslation with
    ``refuse_stale`` (tests, development) and is loaded with a warning without it (production).
    """
    translated_data = read_files(folder)  # each file read once: YAML parsing is most of the time
    broken = comparison_problems(english_folder, folder, english_data, translated_data)
    if broken:
        raise ContentError("; ".join(broken))
    meta = read_meta(folder)
    stale = stale_problem(folder, meta, english.content_hash)
    if stale and refuse_stale:
        raise StaleTranslation(stale)
    if stale:
        log.warning("Stale translation, not offered for new discussions or pages; discussions already "
                    "held in it still show and reprint it: %s", stale)
    parsed = _untranslated(english)
    parsed.update({name: validate(folder / name, translated_data[name], model)
                   for name, model in TRANSLATED_FILES.items()})
    paths = {name: (folder if name in TRANSLATED_FILES else english_folder) / name for name in parsed}
    return assemble(parsed, paths, translation_hash(english.content_hash, folder), static_root,
                    language=meta.language, direction=meta.direction,
                    english_content_hash=english.content_hash, translation=meta)


def load_translations(english: Content, english_folder: Path, static_root: Path | None = None,
                      refuse_stale: bool = True) -> dict[str, Content]:
    """Every translation of one version, by language code in code order."""
    root = english_folder / TRANSLATIONS_DIR
    if not root.is_dir():
        return {}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    english_data = read_files(english_folder) if folders else {}
    return {folder.name: load_translation(english, english_folder, folder, static_root, refuse_stale, english_data)
            for folder in folders}


# --- The pseudo translation (tests) ----------------------------------------------------------

PSEUDO = "x-pseudo"


def pseudo_mark(text: str) -> str:
    return f"⟦{text}⟧"


def pseudo_translation(english: Content, english_folder: Path, static_root: Path | None = None) -> Content:
    """A translation into a pseudo language: every prose string of the translated files marked
    ⟦…⟧, everything else as in English. A page in it that shows content text without the marks
    has let that text escape translation (the pseudo-locale test, with ``PSEUDO_TRANSLATION``)."""
    meta = schema.TranslationMeta(language=PSEUDO, name="⟦Pseudo⟧", english_name="Pseudo language (tests)",
                                  direction="ltr", translated_from_hash=english.content_hash,
                                  translator="decision_aid.content.translations.pseudo_translation")
    parsed = _untranslated(english)
    paths = {name: english_folder / name for name in parsed}
    for name, model in TRANSLATED_FILES.items():
        paths[name] = english_folder / TRANSLATIONS_DIR / PSEUDO / name  # named in messages only
        parsed[name] = validate(paths[name], map_prose(model, read_yaml(english_folder / name), pseudo_mark), model)
    hash_ = hashlib.sha256(f"english\0{english.content_hash}\0{PSEUDO}".encode()).hexdigest()
    return assemble(parsed, paths, hash_, static_root, language=PSEUDO, direction="ltr",
                    english_content_hash=english.content_hash, translation=meta)


# --- The check of one folder, by hand ---------------------------------------------------------

def check_folder(folder: Path, static_root: Path | None = None) -> list[str]:
    """Every problem of the translation in ``folder`` (versions/<v>/translations/<lang>), stale included."""
    folder = folder.resolve()
    english_folder = folder.parent.parent
    english = load_version(english_folder, static_root)
    found = comparison_problems(english_folder, folder)
    try:
        stale = stale_problem(folder, read_meta(folder), english.content_hash)
    except ContentError:
        stale = None  # already among the comparison's problems
    if stale:
        found.append(stale)
    if not found:
        try:
            load_translation(english, english_folder, folder, static_root)
        except ContentError as error:
            found.append(str(error))
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m decision_aid.content.translations FOLDER...  "
              "(FOLDER: versions/<version>/translations/<lang>)", file=sys.stderr)
        return 2
    static = Path(__file__).resolve().parents[2] / "static"
    failed = False
    for argument in argv:
        folder = Path(argument)
        if not (folder / TRANSLATION_FILE).is_file():
            print(f"{folder}: no {TRANSLATION_FILE} here: give a folder versions/<version>/translations/<lang>")
            failed = True
            continue
        english_hash = load_version(folder.resolve().parent.parent).content_hash
        found = check_folder(folder, static if static.is_dir() else None)
        for problem in found:
            print(problem)
        print(f"{folder}: {len(found)} problem(s); the English hash is {english_hash}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover - the command line
    sys.exit(main(sys.argv[1:]))
