"""Test helpers: content 2026.1 given the rules-2 shape, to test the rules and their display.

``REFERENCE_KINDS`` is what 2026.1's references are (kind of source, population studied), as
its reference notes say. ``as_rules_2`` writes a copy of 2026.1 that passes rules 2 by the
smallest changes (certainties lowered to their ceiling, plain strings made statements, the
12-month recovery moved to the overall yardstick, ...), so the pages can be tested on rules-2
content whatever text the current version holds.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from decision_aid.content.loader import VERSIONS_DIR
from decision_aid.content.rules import LEVELS, ceiling
from decision_aid.content.schema import Reference

OLD = VERSIONS_DIR / "2026.1"

REFERENCE_KINDS: dict[int, tuple[str, str]] = {
    1: ("guideline", "pfp"), 2: ("guideline", "pfp"), 3: ("guideline", "pfp"), 5: ("review", "pfp"),
    7: ("observational", "pfp"), 8: ("observational", "pfp"), 9: ("trial", "pfp"),
    10: ("observational", "other"), 11: ("observational", "other"), 12: ("observational", "other"),
    13: ("observational", "pfp"), 14: ("observational", "pfp"), 16: ("review", "arthritis"),
    17: ("trial", "arthritis"), 18: ("guideline", "arthritis"), 19: ("trial", "arthritis"),
    20: ("guideline", "arthritis"), 21: ("review", "pfp"), 22: ("observational", "pfp"),
    23: ("review", "other"), 24: ("trial", "pfp"), 25: ("trial", "pfp"), 26: ("review", "arthritis"),
    27: ("guideline", "arthritis"), 28: ("guideline", "arthritis"), 29: ("review", "arthritis"),
    30: ("expert", "pfp"), 31: ("commercial", "other"), 32: ("leaflet", "other"),
    33: ("observational", "arthritis"), 34: ("observational", "arthritis"),
    35: ("observational", "arthritis"), 36: ("observational", "other"), 37: ("commercial", "other"),
    38: ("commercial", "other"), 39: ("review", "arthritis"), 40: ("commercial", "other"),
    41: ("observational", "arthritis"), 42: ("observational", "arthritis"),
    43: ("observational", "arthritis"), 44: ("guideline", "arthritis"), 45: ("instrument", "other"),
    46: ("expert", "other"), 47: ("instrument", "other"),
}
OVERALL_LABEL = "Everyone in the two trials, whatever care they had"
YARDSTICK = "The smallest change in pain that people notice is about 2 points out of 10."
PRICE_SENTENCE = "Private physio costs about"  # conservative care's price statement, made practical


def read(folder: Path, name: str) -> Any:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def write(folder: Path, name: str, data: Any) -> None:
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def copy_2026_1(target: Path, version: str = "2026.1", rules: int = 2, kinds: bool = True) -> Path:
    """2026.1's files as they are, under ``rules`` and (with ``kinds``) with reference kinds."""
    shutil.copytree(OLD, target)
    meta = read(target, "meta.yaml")
    meta.update(version=version, rules=rules)
    write(target, "meta.yaml", meta)
    if kinds:
        refs = read(target, "references.yaml")
        for ref in refs["references"]:
            ref["kind"], ref["population"] = REFERENCE_KINDS[ref["id"]]
        write(target, "references.yaml", refs)
    return target


def _references(folder: Path) -> dict[int, Reference]:
    return {r["id"]: Reference.model_validate(r) for r in read(folder, "references.yaml")["references"]}


def _clamp(value: Any, refs: dict[int, Reference]) -> None:
    """Lower every certainty to its ceiling, and drop certainties from gaps, in place."""
    if isinstance(value, dict):
        if value.get("kind") == "gap":
            value.pop("certainty", None)
        elif value.get("certainty") and value.get("refs"):
            top = ceiling(refs[i] for i in value["refs"])
            if LEVELS.index(value["certainty"]) > LEVELS.index(top):
                value["certainty"] = top
        for item in value.values():
            _clamp(item, refs)
    elif isinstance(value, list):
        for item in value:
            _clamp(item, refs)


def as_rules_2(target: Path, version: str) -> Path:
    """A copy of 2026.1 named ``version`` that passes rules 2 (see the module docstring)."""
    copy_2026_1(target, version)
    meta = read(target, "meta.yaml")
    meta.update(evidence_method="We used a summary of the research, written for this aid.",
                user_testing="This aid has not been tested with patients or clinicians yet.")
    write(target, "meta.yaml", meta)
    refs = _references(target)

    options = read(target, "options.yaml")
    for option in options["options"]:
        option["summary"] = [{"text": option["summary"], "refs": [1, 2, 3], "certainty": "low"}]
        for section in option["sections"]:
            for statement in section["statements"]:
                if statement["text"].startswith(PRICE_SENTENCE):
                    statement.update(kind="practical")
                    statement.pop("certainty")
    write(target, "options.yaml", options)

    condition = read(target, "condition.yaml")
    condition["decision"] = [{"text": text, "refs": [1, 2, 3], "certainty": "low"} for text in condition["decision"]]
    write(target, "condition.yaml", condition)

    home = read(target, "home_programme.yaml")
    home["see_clinician_if"] = [{"text": text, "refs": [1, 3], "kind": "practical"} for text in home["see_clinician_if"]]
    for exercise in home["exercises"]:
        # [27] is cited nowhere else: pages that show the programme must list it.
        exercise["source"] = {"text": "These steps and doses are common advice in clinics.", "refs": [30, 27],
                              "kind": "practical"}
    write(target, "home_programme.yaml", home)

    outcomes = read(target, "outcomes.yaml")
    recovered, flare = outcomes["outcomes"]
    recovered["overall"] = recovered["chances"]["conservative"]
    recovered["overall_label"] = OVERALL_LABEL
    recovered["chances"]["conservative"] = {
        "out_of": 100, "time_frame": recovered["time_frame"],
        "no_number": "No trial has counted who recovered with this care alone. So no number can be given."}
    flare["unit"] = "injections"
    write(target, "outcomes.yaml", outcomes)

    comparison = read(target, "comparison.yaml")
    pain_row = next(row for row in comparison["rows"] if row["id"] == "pain_function")
    pain_row["yardstick"] = [{"text": YARDSTICK, "refs": [5], "certainty": "low"}]
    write(target, "comparison.yaml", comparison)

    for name in ("options.yaml", "condition.yaml", "comparison.yaml", "outcomes.yaml",
                 "home_programme.yaml", "consultation.yaml"):
        data = read(target, name)
        _clamp(data, refs)
        write(target, name, data)
    shutil.copy(VERSIONS_DIR / "2026.2" / "ipdas.yaml", target / "ipdas.yaml")
    # The assessment step is required under rules 2: take 2026.2's, with the sources it cites
    # that 2026.1 does not have.
    shutil.copy(VERSIONS_DIR / "2026.2" / "assessment.yaml", target / "assessment.yaml")
    references = read(target, "references.yaml")
    have = {r["id"] for r in references["references"]}
    newer = read(VERSIONS_DIR / "2026.2", "references.yaml")["references"]
    references["references"] += [r for r in newer if r["id"] not in have]
    write(target, "references.yaml", references)
    return target
