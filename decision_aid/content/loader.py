"""Load and check every content version at start-up.

A content version is a folder under ``versions/`` named like ``2026.1`` holding the YAML files
below. Old versions stay here so that a saved discussion can be reprinted exactly as it was
shown. A broken file stops start-up with :class:`ContentError` naming the file and the field.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, Iterator

import yaml

try:  # libyaml's safe loader, as the PyYAML wheels have it: ten times faster at start-up
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader
from pydantic import BaseModel, ValidationError

from . import ipdas, rules, schema

VERSIONS_DIR = Path(__file__).parent / "versions"

FILES: dict[str, type[BaseModel]] = {
    "meta.yaml": schema.Meta,
    "references.yaml": schema.References,
    "condition.yaml": schema.Condition,
    "options.yaml": schema.Options,
    "comparison.yaml": schema.Comparison,
    "outcomes.yaml": schema.Outcomes,
    "home_programme.yaml": schema.HomeProgramme,
    "consultation.yaml": schema.Consultation,
}

# Files a version may have. Each is checked when present, hashed when present and skipped when
# absent (so an older version's hash never changes), and kept on Content under its stem
# ("ipdas.yaml" -> Content.ipdas, None when absent). rules.REQUIRED_FILES says which of them
# rules 2 requires.
OPTIONAL_FILES: dict[str, type[BaseModel]] = {
    "ipdas.yaml": ipdas.Ipdas,
    "assessment.yaml": schema.Assessment,
}


class ContentError(Exception):
    """The content files are broken; the message names the file and the field."""


@dataclasses.dataclass(frozen=True)
class Content:
    """One version of the clinical content, checked and ready to show."""

    meta: schema.Meta
    references: dict[int, schema.Reference]
    condition: schema.Condition
    options: tuple[schema.Option, ...]
    comparison: schema.Comparison
    outcomes: schema.Outcomes
    home_programme: schema.HomeProgramme
    consultation: schema.Consultation
    content_hash: str
    ipdas: ipdas.Ipdas | None = None
    assessment: schema.Assessment | None = None
    # A translation (translations.py) is a Content of the same shape in another language, with
    # its own hash (the English files and the translation's); English has these defaults.
    language: str = "en"
    direction: str = "ltr"
    english_content_hash: str | None = None
    translation: schema.TranslationMeta | None = None

    @property
    def english_hash(self) -> str:
        """The hash of the English files this content is (or was translated from): the clinical
        sign-off is of those files, whatever the language."""
        return self.english_content_hash or self.content_hash

    @property
    def stale(self) -> bool:
        """A translation made from other English than this version's (its ``translated_from_hash``
        differs): loaded only where stale translations are not refused, and not offered."""
        return self.translation is not None and self.translation.translated_from_hash != self.english_hash

    @property
    def rules(self) -> int:
        return self.meta.rules

    @property
    def version(self) -> str:
        return self.meta.version

    def option(self, option_id: str) -> schema.Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


def _field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None


def _parse(path: Path, model: type[BaseModel]) -> BaseModel:
    return validate(path, read_yaml(path), model)


def validate(path: Path, raw: Any, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"field '{_field_path(e['loc'])}': {e['msg']}" for e in exc.errors())
        raise ContentError(f"{path}: {problems}") from None


def cited_refs(value: Any, where: str) -> Iterator[tuple[str, list[int]]]:
    """Yield (field path, refs) for every object in the tree that cites references."""
    if isinstance(value, BaseModel):
        refs = getattr(value, "refs", None)
        if isinstance(refs, list):
            yield where, refs
        for name in type(value).model_fields:
            yield from cited_refs(getattr(value, name), f"{where}.{name}" if where else name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from cited_refs(item, f"{where}.{index}")
    elif isinstance(value, dict):
        # Plain dicts built from the content (such as the summary's points to discuss) cite too.
        if isinstance(value.get("refs"), list):
            yield where, value["refs"]
        for key, item in value.items():
            yield from cited_refs(item, f"{where}.{key}")


def content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in sorted(FILES | OPTIONAL_FILES):
        if name in OPTIONAL_FILES and not (folder / name).is_file():
            continue
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()


def load_version(folder: Path, static_root: Path | None = None) -> Content:
    parsed = {name: _parse(folder / name, model) for name, model in FILES.items()}
    parsed.update({name: _parse(folder / name, model) for name, model in OPTIONAL_FILES.items()
                   if (folder / name).is_file()})
    meta: schema.Meta = parsed["meta.yaml"]
    if meta.version != folder.name:
        raise ContentError(f"{folder / 'meta.yaml'}: field 'version': is '{meta.version}' "
                           f"but the folder is named '{folder.name}'")
    return assemble(parsed, {name: folder / name for name in parsed}, content_hash(folder), static_root)


def assemble(parsed: dict[str, BaseModel], paths: dict[str, Path], hash_: str,
             static_root: Path | None = None, **language: Any) -> Content:
    """The cross-file checks of one version's parsed files, then its Content.

    ``paths`` names each file in messages (a translation's own files, or the English ones it
    takes as they are); ``language`` is a translation's language fields on Content.
    """
    meta: schema.Meta = parsed["meta.yaml"]
    references = {ref.id: ref for ref in parsed["references.yaml"].references}
    for name, document in parsed.items():
        for where, refs in cited_refs(document, ""):
            unknown = sorted(set(refs) - set(references))
            if unknown:
                raise ContentError(f"{paths[name]}: field '{where}.refs': reference id(s) "
                                   f"{unknown} not in references.yaml")
    for document in parsed.values():
        rules.name_sources(document, references)
    if meta.rules >= 2:
        broken = rules.problems(parsed, references)
        if broken:
            raise ContentError("; ".join(f"{paths.get(name, name)}: field '{where}': {message}"
                                         for name, where, message in broken))
    home = parsed["home_programme.yaml"]
    for index, exercise in enumerate(home.exercises):
        if static_root is not None and not (static_root / exercise.drawing).is_file():
            raise ContentError(f"{paths['home_programme.yaml']}: field 'exercises.{index}.drawing': "
                               f"no file static/{exercise.drawing}")
    return Content(
        meta=meta,
        references=references,
        condition=parsed["condition.yaml"],
        options=tuple(parsed["options.yaml"].options),
        comparison=parsed["comparison.yaml"],
        outcomes=parsed["outcomes.yaml"],
        home_programme=home,
        consultation=parsed["consultation.yaml"],
        content_hash=hash_,
        **{Path(name).stem: parsed[name] for name in OPTIONAL_FILES if name in parsed},
        **language,
    )


def _version_key(name: str) -> tuple[int, int]:
    year, number = name.split(".")
    return int(year), int(number)


def load_all(versions_dir: Path = VERSIONS_DIR, static_root: Path | None = None) -> dict[str, Content]:
    """Every content version, oldest first. Raises ContentError on the first broken file.

    With ``static_root``, the exercise drawings the content names must exist there.
    """
    folders = [p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    if not folders:
        raise ContentError(f"{versions_dir}: no content versions found")
    folders.sort(key=lambda p: _version_key(p.name))
    return {folder.name: load_version(folder, static_root) for folder in folders}
