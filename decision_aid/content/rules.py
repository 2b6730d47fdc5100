"""The strict checks of rules level 2, run at start-up on versions whose meta says ``rules: 2``.

Rules 1 (content 2026.1) is what the schema alone checks. Rules 2 adds:

- every reference says what kind of source it is and whom it studied;
- every patient-facing clinical text is a statement (cited and graded, or practical, or a gap),
  where rules 1 allowed plain strings;
- the certainty ceiling: no statement is graded above what its references allow (``ceiling``);
- the About page facts (how the evidence was chosen, user testing) and the IPDAS self-assessment.

Each problem names the file and the field, like the schema's own messages.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Iterator

from babel.lists import format_list
from flask_babel import get_locale, npgettext
from pydantic import BaseModel

from .schema import Certainty, Reference, Statement

LEVELS: tuple[Certainty, ...] = ("very low", "low", "moderate", "high")

# The best certainty each kind of source can support (the written rubric on the About page).
KIND_CEILING: dict[str, Certainty] = {
    "trial": "high", "review": "high", "guideline": "moderate", "observational": "low",
    "expert": "very low", "leaflet": "very low", "commercial": "very low", "instrument": "very low",
}

# How a practical statement's source is named, by kind of reference and how many of that kind it
# cites ("patient leaflets"), in the page's language through the catalogs. ngettext's plural
# forms, because Polish has three and Arabic six; the number itself is not shown, so a
# translation gives each form the words that read right on their own. Outside a request (the
# content checks) they are the English.
KIND_WORDS: dict[str, Callable[[int], str]] = {
    "trial": lambda n: npgettext("kind of source", "trial", "trials", n),
    "review": lambda n: npgettext("kind of source", "research review", "research reviews", n),
    "observational": lambda n: npgettext("kind of source", "study", "studies", n),
    "guideline": lambda n: npgettext("kind of source", "guideline", "guidelines", n),
    "expert": lambda n: npgettext("kind of source", "expert advice", "expert advice", n),
    "leaflet": lambda n: npgettext("kind of source", "patient leaflet", "patient leaflets", n),
    "commercial": lambda n: npgettext("kind of source", "clinic web page", "clinic web pages", n),
    "instrument": lambda n: npgettext("kind of source", "questionnaire", "questionnaires", n),
}


@dataclasses.dataclass(frozen=True)
class SourceWords:
    """The kinds of source a practical statement cites, each with how many, in the order first
    cited. Read as text it is words in the page's language, joined by the locale's list pattern:
    "patient leaflets and clinic web page", "ulotki dla pacjentów i strona internetowa kliniki"."""

    counts: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        return format_list([KIND_WORDS[kind](n) for kind, n in self.counts], locale=list_locale())


def list_locale() -> str:
    locale = get_locale()
    if locale is None or locale.language == "en":
        return "en_GB"  # the content's British English: "a, b and c", no comma before "and"
    return str(locale)

# Files whose absence is a problem under rules 2 (other optional files stay optional).
REQUIRED_FILES = ("ipdas.yaml", "assessment.yaml")


def ceiling(references: Iterable[Reference]) -> Certainty:
    """The highest certainty a statement citing ``references`` may carry.

    Take the best kind of source cited; then go one level down (indirectness) when none of them
    studied runner's knee, never below very low.
    """
    references = list(references)
    if not references or any(r.kind is None for r in references):
        return "very low"
    best = max(LEVELS.index(KIND_CEILING[r.kind]) for r in references)
    if not any(r.population == "pfp" for r in references):
        best = max(best - 1, 0)
    return LEVELS[best]


def source_words(references: Iterable[Reference]) -> SourceWords | None:
    """The kinds of source cited, read as words such as "patient leaflets and clinic web page"."""
    counts: dict[str, int] = {}
    for ref in references:
        if ref.kind is None:
            return None
        counts[ref.kind] = counts.get(ref.kind, 0) + 1
    return SourceWords(tuple(counts.items())) if counts else None


def name_sources(document: Any, references: dict[int, Reference]) -> None:
    """Give every practical statement in ``document`` its source words (see Statement)."""
    for _where, item in _all_statements(document, ""):
        if item.kind == "practical":
            item._source = source_words(references[i] for i in item.refs if i in references)


def above_ceiling(certainty: Certainty, references: Iterable[Reference]) -> Certainty | None:
    """The ceiling, when ``certainty`` is above it; None when the grade is allowed."""
    limit = ceiling(references)
    return limit if LEVELS.index(certainty) > LEVELS.index(limit) else None


def graded(value: Any, where: str = "") -> Iterator[tuple[str, BaseModel]]:
    """Yield (field path, object) for every object that carries both refs and a certainty."""
    if isinstance(value, BaseModel):
        if isinstance(getattr(value, "refs", None), list) and getattr(value, "certainty", None):
            yield where, value
        for name in type(value).model_fields:
            yield from graded(getattr(value, name), f"{where}.{name}" if where else name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from graded(item, f"{where}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from graded(item, f"{where}.{key}")


def reference_problems(references: dict[int, Reference]) -> Iterator[tuple[str, str]]:
    for index, ref in enumerate(references.values()):
        for field in ("kind", "population"):
            if getattr(ref, field) is None:
                yield (f"references.{index}.{field}",
                       f"reference {ref.id} needs a '{field}' under rules 2")


def ceiling_problems(document: Any, references: dict[int, Reference]) -> Iterator[tuple[str, str]]:
    for where, item in graded(document):
        cited = [references[i] for i in item.refs if i in references]
        if any(ref.kind is None for ref in cited):
            continue  # reported once by reference_problems, not again at every statement
        limit = above_ceiling(item.certainty, cited)
        if limit:
            yield (f"{where}.certainty",
                   f"is '{item.certainty}' but its references {item.refs} allow at most '{limit}'")


def _statements_not_strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str) or (isinstance(value, list) and any(isinstance(v, str) for v in value)):
        yield where, "must be a list of statements (text, refs, certainty or kind) under rules 2"


def shape_problems(options: Iterable[Any], condition: Any, home: Any) -> Iterator[tuple[str, str, str]]:
    """(file, field, message) for each plain string where rules 2 needs statements."""
    for index, option in enumerate(options):
        for where, message in _statements_not_strings(option.summary, f"options.{index}.summary"):
            yield "options.yaml", where, message
    for where, message in _statements_not_strings(condition.decision, "decision"):
        yield "condition.yaml", where, message
    for where, message in _statements_not_strings(home.see_clinician_if, "see_clinician_if"):
        yield "home_programme.yaml", where, message
    for index, exercise in enumerate(home.exercises):
        if exercise.source is None:
            yield ("home_programme.yaml", f"exercises.{index}.source",
                   "each exercise needs a 'source' statement for its steps, dose and cues under rules 2")


def gap_problems(document: Any) -> Iterator[tuple[str, str]]:
    for where, item in _all_statements(document, ""):
        if item.kind == "gap" and item.certainty is not None:
            yield f"{where}.certainty", "a gap has nothing to grade: leave out 'certainty'"


def _all_statements(value: Any, where: str) -> Iterator[tuple[str, Statement]]:
    if isinstance(value, Statement):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _all_statements(getattr(value, name), f"{where}.{name}" if where else name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _all_statements(item, f"{where}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _all_statements(item, f"{where}.{key}")


def meta_problems(meta: Any) -> Iterator[tuple[str, str]]:
    for field in ("evidence_method", "user_testing"):
        if not getattr(meta, field):
            yield field, f"'{field}' is shown on the About page and is required under rules 2"


def problems(parsed: dict[str, Any], references: dict[int, Reference]) -> list[tuple[str, str, str]]:
    """Every rules-2 problem of one version, as (file, field, message)."""
    found: list[tuple[str, str, str]] = []
    found += [("references.yaml", where, msg) for where, msg in reference_problems(references)]
    found += [("meta.yaml", where, msg) for where, msg in meta_problems(parsed["meta.yaml"])]
    found += list(shape_problems(parsed["options.yaml"].options, parsed["condition.yaml"],
                                 parsed["home_programme.yaml"]))
    for file_name, document in parsed.items():
        found += [(file_name, where, msg) for where, msg in gap_problems(document)]
        found += [(file_name, where, msg) for where, msg in ceiling_problems(document, references)]
    for file_name in REQUIRED_FILES:
        if file_name not in parsed:
            found.append((file_name, "(file)", "is required under rules 2"))
    return found
