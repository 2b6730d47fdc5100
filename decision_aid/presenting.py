"""Plain dicts built from the content, shared by the web pages and the PDFs.

Nothing here knows about Flask or the request: the same dict feeds a page and its PDF, so
the two cannot drift apart. Options are always listed in the content's fixed order.
"""
from __future__ import annotations

from typing import Any, Iterable

from .content import Content
from .content.loader import cited_refs
from .content.rules import KIND_CEILING, LEVELS, list_locale
from babel.lists import format_list
from flask_babel import gettext

from .pictograph import N_, chance_sentence, icon_array, no_number_panel

NO_NUMBER = N_("No number available")  # in the page's language (English outside a request)


def _picture(chance, event: str, unit: str, element_id: str) -> dict[str, Any]:
    """A chance with its picture: an icon array, or a no-number panel of the same size."""
    item = chance.model_dump()
    # Every key the ``chance`` and ``labels`` macros read, so a strict template finds each one.
    item.update(kind="evidence", source_label=None, sentence=None, svg=None, panel=None)
    if chance.count is not None:
        sentence = chance_sentence(chance.count, chance.out_of, event, chance.time_frame,
                                   chance.qualifier, unit)
        item.update(sentence=sentence,
                    svg=icon_array(chance.count, chance.out_of, sentence, element_id))
    else:
        item.update(panel=no_number_panel(chance.out_of, gettext(NO_NUMBER), element_id))
    return item


def _chance(chance, option, event: str, unit: str, element_id: str) -> dict[str, Any]:
    item = _picture(chance, event, unit, element_id)
    item.update(option_id=option.id, option_name=option.short_name)
    return item


def outcomes(content: Content, id_prefix: str = "chance") -> list[dict[str, Any]]:
    """Each row of chances: the overall yardstick (when given) first, then the four options."""
    result = []
    for outcome in content.outcomes.outcomes:
        prefix = f"{id_prefix}-{outcome.id}"
        chances = [_chance(outcome.chances[o.id], o, outcome.event, outcome.unit, f"{prefix}-{o.id}")
                   for o in content.options]
        overall = None
        if outcome.overall is not None:
            overall = {**_picture(outcome.overall, outcome.event, outcome.unit, f"{prefix}-overall"),
                       "label": outcome.overall_label}
        result.append({"id": outcome.id, "label": outcome.label, "time_frame": outcome.time_frame,
                       "out_of": outcome.out_of, "unit": outcome.unit, "overall": overall,
                       "chances": chances})
    return result


def natural_course(content: Content, id_prefix: str = "course") -> dict[str, Any]:
    course = content.condition.natural_course
    chances = []
    for index, chance in enumerate(course.chances):
        item = chance.model_dump()
        item.update(kind="evidence", source_label=None)
        sentence = chance_sentence(chance.count, chance.out_of, course.event, chance.time_frame,
                                   chance.qualifier)
        item.update(sentence=sentence, svg=icon_array(chance.count, chance.out_of, sentence,
                                                       f"{id_prefix}-{index}"))
        chances.append(item)
    return {"statements": course.statements, "chances": chances}


def cited_references(content: Content, *documents: Any) -> list[dict[str, Any]]:
    """The references the given parts of the content cite, in id order."""
    ids: set[int] = set()
    for document in documents:
        for _where, refs in cited_refs(document, ""):
            ids.update(refs)
    return [content.references[i].model_dump() for i in sorted(ids)]


def options_list(content: Content) -> list[dict[str, str]]:
    return [{"id": o.id, "name": o.name, "short_name": o.short_name} for o in content.options]


CERTAINTY_ORDER = ("very low", "low", "moderate", "high")


def cell_labels(statements: list[Any]) -> list[dict[str, Any]]:
    """The badges of a cell's short answer, shaped like statements for the ``labels`` macro.

    A short answer is only as sure as its least sure statement: the lowest certainty of the
    cell's graded statements. A cell with none shows what it has instead: "Evidence gap" and/or
    its practical statements' kinds of source. "Not yet verified" goes on the last badge when
    any statement carries it, so a summary never hides it.
    """
    def badge(kind: str, certainty: str | None = None, source_label: str | None = None) -> dict[str, Any]:
        # Every key the macro reads, so a strict template finds each one.
        return {"kind": kind, "certainty": certainty, "source_label": source_label, "unverified": False}

    graded = [s.certainty for s in statements if s.kind == "evidence" and s.certainty]
    if graded:
        found = [badge("evidence", certainty=min(graded, key=CERTAINTY_ORDER.index))]
    else:
        found = [badge("gap")] if any(s.kind == "gap" for s in statements) else []
        sources = dict.fromkeys(s.source_label for s in statements if s.kind == "practical" and s.source_label)
        found += [badge("practical", source_label=label) for label in sources]
    if found and any(s.unverified for s in statements):
        found[-1]["unverified"] = True
    return found


def comparison(content: Content, id_prefix: str = "chance") -> dict[str, Any]:
    rows = [{"id": row.id, "question": row.question, "yardstick": row.yardstick,
             "cells": [{"option_id": o.id, "option_name": o.short_name, "statements": row.cells[o.id],
                        "short": row.short.get(o.id), "labels": cell_labels(row.cells[o.id])}
                       for o in content.options]}
            for row in content.comparison.rows]
    return {
        "options": options_list(content),
        "rows": rows,
        "outcomes": outcomes(content, id_prefix),
        "references": cited_references(content, content.comparison, content.outcomes,
                                       [o.evidence_base for o in content.options]),
        "evidence_bases": [{"option_id": o.id, "option_name": o.short_name,
                            "statement": o.evidence_base} for o in content.options],
    }


def programme_with_every_option(content: Content) -> bool:
    """Under rules 2 the home programme goes with every option: every injection study in this
    condition also gave exercise. Rules 1 content (2026.1) offered it with conservative care only,
    and keeps showing exactly what it showed."""
    return content.rules >= 2


def option_detail(content: Content, option_id: str) -> dict[str, Any]:
    option = content.option(option_id)
    parts: list[Any] = [option]
    detail = {"option": option, "outcomes": [], "home_programme": None}
    for outcome in outcomes(content, id_prefix=f"opt-{option_id}"):
        chance = next(c for c in outcome["chances"] if c["option_id"] == option_id)
        detail["outcomes"].append({**outcome, "chance": chance})
    parts.append([o.chances[option_id] for o in content.outcomes.outcomes])
    parts.append([o.overall for o in content.outcomes.outcomes if o.overall is not None])
    if option_id == "conservative" or programme_with_every_option(content):
        detail["home_programme"] = content.home_programme
        parts.append(content.home_programme)
    detail["references"] = cited_references(content, *parts)
    return detail


def all_options_handout(content: Content) -> dict[str, Any]:
    with_every_option = programme_with_every_option(content)
    return {
        "comparison": comparison(content, id_prefix="pdf"),
        "details": [option_detail(content, o.id) for o in content.options],
        # Once, after the four options, when it goes with every option.
        "programme_for_all": content.home_programme if with_every_option else None,
        "references": cited_references(content, content.comparison, content.outcomes,
                                       list(content.options),
                                       content.home_programme if with_every_option else []),
        "meta": meta(content),
    }


def meta(content: Content) -> dict[str, Any]:
    return {**content.meta.model_dump(), "content_hash": content.content_hash,
            # a translation's own language; the clinical sign-off is of the English files' hash
            "language": content.language, "direction": content.direction, "english_hash": content.english_hash}


def all_references(content: Content) -> Iterable[dict[str, Any]]:
    return [ref.model_dump() for ref in sorted(content.references.values(), key=lambda r: r.id)]


# The rubric in plain words (About page): what each kind of source can support at best.
RUBRIC_WORDS = {
    "trial": N_("trials"), "review": N_("reviews of trials and studies"), "guideline": N_("guidelines"),
    "observational": N_("studies that follow groups of people"), "expert": N_("expert advice"),
    "leaflet": N_("patient leaflets"), "commercial": N_("clinic and company web pages"),
    "instrument": N_("questionnaires"),
}


def rubric() -> list[dict[str, Any]]:
    """The certainty ceiling of each kind of source, best first, built from the rule itself; the
    kinds in the page's language, joined by its list pattern for a plain list ("trials, guidelines")."""
    return [{"level": level, "sources": format_list([gettext(RUBRIC_WORDS[k]) for k, top in KIND_CEILING.items()
                                                      if top == level], style="unit", locale=list_locale())}
            for level in reversed(LEVELS) if level in KIND_CEILING.values()]


def ipdas(content: Content) -> dict[str, Any] | None:
    """The IPDAS self-assessment by group, with counts, or None when the version has none."""
    if content.ipdas is None:
        return None
    groups = []
    for group, heading in (("qualifying", "Qualifying criteria"), ("certification", "Certification criteria"),
                           ("quality", "Quality criteria")):
        groups.append({"id": group, "heading": heading, "counts": content.ipdas.counts(group),
                       "criteria": [c for c in content.ipdas.criteria if c.group == group]})
    return {"standard": content.ipdas.standard, "assessed": content.ipdas.assessed,
            "assessed_by": content.ipdas.assessed_by, "groups": groups}


def quiz_feedback(quiz, answers: dict) -> list[dict[str, Any]]:
    """Each quiz item with what was answered and whether it was right: a right answer is
    confirmed and a wrong one explained, in the same neutral words for every item."""
    result = []
    for item in quiz:
        given = answers.get(f"quiz_{item.id}")
        verdict = None
        if given in ("true", "false"):
            verdict = "right" if (given == "true") == item.answer else "wrong"
        result.append({"item": item, "given": given if given in ("true", "false") else None,
                       "verdict": verdict})
    return result
