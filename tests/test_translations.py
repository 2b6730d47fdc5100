"""Content per language (issue #14 item 2): a translation folder is checked against its English.

Each test copies the current content version to a temporary folder, writes a translation into
it (the English files with some prose changed by hand, as a translator would), breaks one thing
and checks that the comparison names the file and the field. No database.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from decision_aid.content import ContentError, load_version, schema
from decision_aid.content.loader import VERSIONS_DIR
from decision_aid.content.prose import field_type, fields_by_key, resolve
from decision_aid.content.translations import (PSEUDO, TRANSLATED_FILES, StaleTranslation, check_folder,
                                               comparison_problems, load_translation, load_translations, main,
                                               pseudo_translation)
from translation_folders import edit, english_copy, make_translation, write_yaml

VERSION = "2026.2"
STATIC = Path(__file__).resolve().parents[1] / "static"


@pytest.fixture
def english(tmp_path) -> Path:
    return english_copy(tmp_path)


REAL_TRANSLATIONS = sorted(p for p in VERSIONS_DIR.glob("*/translations/*") if p.is_dir())


@pytest.mark.parametrize("folder", REAL_TRANSLATIONS, ids=lambda p: f"{p.parent.parent.name}-{p.name}")
def test_every_translation_in_the_code_passes_the_check(folder):
    assert check_folder(folder, STATIC) == []


def only_problem(english: Path, folder: Path) -> str:
    found = comparison_problems(english, folder)
    assert len(found) == 1, found
    return found[0]


def test_a_whole_translation_passes_and_loads_as_content_of_the_same_shape(english):
    folder = make_translation(english)
    assert comparison_problems(english, folder) == []
    source = load_version(english, STATIC)
    polish = load_translation(source, english, folder, STATIC)
    assert type(polish) is type(source)
    assert (polish.language, polish.direction, polish.version) == ("pl", "ltr", VERSION)
    assert (source.language, source.direction) == ("en", "ltr")
    assert polish.content_hash != source.content_hash and polish.english_hash == source.content_hash
    assert polish.consultation.durations[0].label == "Mniej niż 6 tygodni"
    assert polish.option("conservative").short_name == "Leczenie zachowawcze"
    # Untranslated files are the English ones; ids and numbers are the same objects' values.
    assert polish.references == source.references and polish.assessment == source.assessment
    assert polish.ipdas == source.ipdas
    # meta.yaml is translated for its sentences; its version, rules and dates are the English ones.
    assert polish.meta.no_recommendation.endswith("Nie mówi, którą metodę leczenia wybrać.")
    assert polish.meta.model_dump(include={"version", "rules", "produced", "next_review"}) == \
        source.meta.model_dump(include={"version", "rules", "produced", "next_review"})
    assert [o.id for o in polish.options] == [o.id for o in source.options]
    assert polish.outcomes.outcomes[0].chances == source.outcomes.outcomes[0].chances
    # Practical statements get their source words, as in English.
    assert polish.options[0].sections[0].statements[0].source_label == \
        source.options[0].sections[0].statements[0].source_label


def test_the_translations_own_hash_changes_with_any_of_its_files(english):
    folder = make_translation(english)
    source = load_version(english)
    before = load_translation(source, english, folder).content_hash
    text = (folder / "condition.yaml").read_text(encoding="utf-8")
    (folder / "condition.yaml").write_text(text.replace("name: \"Runner's knee\"", "name: Kolano biegacza", 1),
                                           encoding="utf-8")
    assert load_translation(source, english, folder).content_hash != before


@pytest.mark.parametrize("name, change, field, message", [
    ("consultation.yaml", lambda d: d["durations"][0].pop("label"), "durations.0.label", "is missing"),
    ("consultation.yaml", lambda d: d["durations"][0].update(label="Mniej niż 5 tygodni"),
     "durations.0.label", "missing 6; not in the English 5"),
    ("consultation.yaml", lambda d: d["knees"][0].update(id="lewy"), "knees.0.id",
     "must be the same as in the English file ('left'), not 'lewy'"),
    ("options.yaml", lambda d: d["options"][1]["sections"][0]["statements"][0]["refs"].__setitem__(0, 1),
     "options.1.sections.0.statements.0.refs.0", "must be the same as in the English file"),
    ("consultation.yaml", lambda d: d["knees"][1].update(label="  "), "knees.1.label", "is empty"),
    ("consultation.yaml", lambda d: d["knees"].pop(), "knees", "has 2 items but the English has 3"),
    ("consultation.yaml", lambda d: d["durations"][0].update(label="أقل من 6 أسابيع (٦)"),
     "durations.0.label", "write numbers in Western digits 0-9"),
    ("consultation.yaml", lambda d: d["durations"][0].update(etykieta="x"), "durations.0.etykieta",
     "is not in the English file (keys are never translated)"),
    ("outcomes.yaml", lambda d: d["outcomes"][0].update(out_of=1000), "outcomes.0.out_of",
     "must be the same as in the English file (100), not 1000"),
    ("consultation.yaml", lambda d: d["quiz"][0].update(answer=not d["quiz"][0]["answer"]),
     "quiz.0.answer", "must be the same as in the English file"),
])
def test_each_rule_fails_when_broken_naming_file_and_field(english, name, change, field, message):
    folder = make_translation(english)
    edit(folder, name, change)
    problem = only_problem(english, folder)
    assert problem.startswith(f"{folder / name}: field '{field}': "), problem
    assert message in problem
    with pytest.raises(ContentError, match="field '" + field.replace(".", r"\.")):
        load_translation(load_version(english), english, folder)


def test_a_changed_certainty_is_refused(english):
    folder = make_translation(english)
    rows = yaml.safe_load((folder / "comparison.yaml").read_text(encoding="utf-8"))["rows"]
    where, graded = next((f"rows.{i}.cells.{option}.{j}", statement) for i, row in enumerate(rows)
                         for option, cell in row["cells"].items() for j, statement in enumerate(cell)
                         if statement.get("certainty") not in (None, "high"))
    _, i, _, option, j = where.split(".")
    edit(folder, "comparison.yaml", lambda d: d["rows"][int(i)]["cells"][option][int(j)].update(certainty="high"))
    assert f"field '{where}.certainty': must be the same as in the English file ('{graded['certainty']}'), " \
           f"not 'high'" in only_problem(english, folder)


def test_keys_in_another_order_are_refused(english):
    folder = make_translation(english)
    edit(folder, "consultation.yaml", lambda d: d["knees"].__setitem__(0, {"label": "Lewe kolano", "id": "left"}))
    assert "keys in another order than the English: ['label', 'id']" in only_problem(english, folder)


def test_a_translated_file_is_also_checked_by_the_schema(english):
    folder = make_translation(english)
    edit(folder, "consultation.yaml",
         lambda d: d["safety_questions"][0].update(topic="Infekcja albo złe samopoczucie, gorączka, dreszcze"))
    assert comparison_problems(english, folder) == []  # prose may change: the schema's limits still hold
    with pytest.raises(ContentError, match=r"consultation.yaml: field 'safety_questions\.0\.topic'"):
        load_translation(load_version(english), english, folder)


def test_a_stale_translation_is_refused_or_with_refuse_stale_off_loaded(english, caplog):
    folder = make_translation(english, translated_from_hash="ab" * 32)
    source = load_version(english)
    with pytest.raises(StaleTranslation, match=f"field 'translated_from_hash': is {'ab' * 32} but the English "
                                               f"of this version is now {source.content_hash}"):
        load_translation(source, english, folder)
    with caplog.at_level("WARNING", logger="decision_aid.content.translations"):
        loaded = load_translation(source, english, folder, refuse_stale=False)
    assert loaded.language == "pl" and loaded.stale
    assert "Stale translation, not offered for new discussions" in caplog.text and "translated_from_hash" in caplog.text


@pytest.mark.parametrize("meta, message", [
    ({"language": "de"}, "field 'language': is 'de' but the folder is named 'pl'"),
    ({"language": "en"}, "field 'language': is 'en' but the folder is named 'pl'"),
    ({"direction": "up"}, "field 'direction'"),
    ({"translated_from_hash": "not a hash"}, "field 'translated_from_hash'"),
    ({"name": ""}, "field 'name'"),
])
def test_translation_yaml_is_checked(english, meta, message):
    folder = make_translation(english)
    write_yaml(folder / "translation.yaml", {**yaml.safe_load((folder / "translation.yaml").read_text()), **meta})
    assert message in only_problem(english, folder)


def test_references_and_the_assessment_are_never_translated(english):
    folder = make_translation(english)
    shutil.copy(english / "references.yaml", folder / "references.yaml")
    assert "references.yaml: not a file a translation has" in only_problem(english, folder)
    (folder / "references.yaml").unlink()
    (folder / "options.yaml").unlink()
    assert only_problem(english, folder) == f"{folder / 'options.yaml'}: file is missing"


def test_every_translation_of_a_version_loads_in_code_order(english):
    make_translation(english, "pl")
    arabic = make_translation(english, "ar", "rtl")
    loaded = load_translations(load_version(english), english)
    assert list(loaded) == ["ar", "pl"] and loaded["ar"].direction == "rtl"
    edit(arabic, "options.yaml", lambda d: d["options"][0].update(id="tamarin"))
    with pytest.raises(ContentError, match=r"translations/ar/options.yaml: field 'options\.0\.id'"):
        load_translations(load_version(english), english)


def test_the_command_checks_a_folder_and_says_the_english_hash(english, capsys):
    folder = make_translation(english)
    source_hash = load_version(english).content_hash
    assert main([str(folder)]) == 0
    assert f"0 problem(s); the English hash is {source_hash}" in capsys.readouterr().out
    edit(folder, "consultation.yaml", lambda d: d["knees"][0].update(id="lewy"))
    write_yaml(folder / "translation.yaml", {**yaml.safe_load((folder / "translation.yaml").read_text()),
                                              "translated_from_hash": "cd" * 32})
    assert main([str(folder)]) == 1
    out = capsys.readouterr().out
    assert "field 'knees.0.id'" in out and "field 'translated_from_hash'" in out and "2 problem(s)" in out
    assert check_folder(folder) == out.splitlines()[:2]


def _model_strings(value, field=""):
    """(field name, text) for every string in a tree of validated models, in order."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, schema.BaseModel):
        for name in type(value).model_fields:
            yield from _model_strings(getattr(value, name), name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _model_strings(item, field)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _model_strings(item, field)


def _translated_documents(content):
    return [content.meta, content.condition, content.options, content.comparison, content.outcomes,
            content.home_programme, content.consultation]


# Every string of a translated file that is not prose, by field name: ids and enum-like tokens.
# A new string field must be marked Prose in schema.py or be added here on purpose.
NOT_PROSE = {"id", "kind", "certainty", "qualifier", "unit", "drawing", "options", "when", "version"}


@pytest.mark.parametrize("version", ["2026.1", "2026.2"])
def test_the_pseudo_translation_marks_every_prose_string_and_nothing_else(tmp_path, version):
    english = english_copy(tmp_path, version)
    source = load_version(english, STATIC)
    pseudo = pseudo_translation(source, english, STATIC)
    assert (pseudo.language, pseudo.english_hash, pseudo.version) == (PSEUDO, source.content_hash, version)
    assert pseudo.content_hash != source.content_hash
    assert pseudo.consultation.durations[0].label == f"⟦{source.consultation.durations[0].label}⟧"
    before = list(_model_strings(_translated_documents(source)))
    after = list(_model_strings(_translated_documents(pseudo)))
    assert len(before) == len(after) > 500
    for (field, text), (_, marked) in zip(before, after):
        assert marked == (text if field in NOT_PROSE else f"⟦{text}⟧"), (field, text, marked)
    assert pseudo.references == source.references and pseudo.assessment == source.assessment


def _strings(tp, value, field=""):
    """(field name, marked as prose) for every string of a file's data, by the schema."""
    tp, prose = resolve(tp, value)
    if isinstance(value, str):
        yield field, prose
    elif isinstance(value, dict) and isinstance(tp, type) and issubclass(tp, schema.BaseModel):
        fields = fields_by_key(tp)
        for key, item in value.items():
            yield from _strings(field_type(fields[key]), item, key)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(tp.__args__[1], item, field)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(tp.__args__[0], item, field)


@pytest.mark.parametrize("version", ["2026.1", "2026.2"])
def test_the_schema_marks_every_string_a_person_reads_as_prose(version):
    marks: dict[str, set[bool]] = {}
    for name, model in TRANSLATED_FILES.items():
        data = yaml.safe_load((VERSIONS_DIR / version / name).read_text(encoding="utf-8"))
        for field, prose in _strings(model, data):
            marks.setdefault(field, set()).add(prose)
    assert {field for field, seen in marks.items() if False in seen} == NOT_PROSE & set(marks)
    assert {"text", "label", "question", "steps", "is", "heading", "time_frame"} <= set(marks)
    assert version == "2026.1" or marks["short"] == {True}
