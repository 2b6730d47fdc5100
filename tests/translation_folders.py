"""Test helpers: translations of the current content version written into temporary folders.

``make_translation`` writes what a translator would: the English files with some prose changed
by hand (numbers kept, in Western digits) and a ``translation.yaml`` naming the English hash.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from decision_aid.content import load_version
from decision_aid.content.loader import VERSIONS_DIR
from decision_aid.content.translations import TRANSLATED_FILES

VERSION = "2026.2"
# Prose a translator changed, as in a real Polish file.
EDITS = {"consultation.yaml": [("label: Less than 6 weeks", "label: Mniej niż 6 tygodni"),
                               ("label: Left knee", "label: Lewe kolano")],
         "options.yaml": [("short_name: Conservative care", "short_name: Leczenie zachowawcze")],
         "meta.yaml": [("  It does not tell you which option to choose.",
                        "  Nie mówi, którą metodę leczenia wybrać.")]}


def write_yaml(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def english_copy(tmp_path: Path, version: str = VERSION) -> Path:
    """A writable copy of one English version, without the translations it has in the code."""
    folder = tmp_path / "content-versions" / version
    shutil.copytree(VERSIONS_DIR / version, folder, ignore=shutil.ignore_patterns("translations"))
    return folder


def make_translation(english: Path, language: str = "pl", direction: str = "ltr", **meta) -> Path:
    folder = english / "translations" / language
    folder.mkdir(parents=True)
    for name in TRANSLATED_FILES:
        text = (english / name).read_text(encoding="utf-8")
        for before, after in EDITS.get(name, []):
            assert before in text, (name, before)
            text = text.replace(before, after, 1)
        (folder / name).write_text(text, encoding="utf-8")
    write_yaml(folder / "translation.yaml", {
        "language": language, "name": "Polski", "english_name": "Polish", "direction": direction,
        "translated_from_hash": load_version(english).content_hash, "translator": "Test translator", **meta})
    return folder


def edit(folder: Path, name: str, change) -> None:
    """Load one translated file, let ``change`` alter the data, write it back."""
    data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
    change(data)
    write_yaml(folder / name, data)
