"""Rules level 2 (issue #10): reference kinds, the certainty ceiling, statements everywhere,
balanced pictures, plain words by sentence and the IPDAS self-assessment.

Each check runs on the current content version, and is shown to refuse the matching problem
of content 2026.1 (loaded under rules 2 in a temporary copy).
"""
from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from conftest import signed_in_client
from decision_aid.content import ContentError, load_all, load_version
from decision_aid.content import checks
from decision_aid.content.ipdas import CRITERIA
from decision_aid.content.loader import VERSIONS_DIR, content_hash
from decision_aid.content.rules import ceiling
from decision_aid.content.schema import Reference
from rules2 import as_rules_2, copy_2026_1, read, write

# The hash 2026.1 has on main: a saved 2026.1 discussion must reprint with exactly these files.
HASH_2026_1 = "484777b672260e6ef15d38b20561482596660bde41f0c285c17c2f10ab065f25"


@pytest.fixture(scope="module")
def versions():
    return load_all()


@pytest.fixture(scope="module")
def current(versions):
    return list(versions.values())[-1]


@pytest.fixture(scope="module")
def old_under_rules_2(tmp_path_factory):
    """2026.1 with its references' kinds, loaded under rules 2: every problem it has."""
    folder = copy_2026_1(tmp_path_factory.mktemp("old") / "2026.1")
    with pytest.raises(ContentError) as caught:
        load_version(folder)
    return str(caught.value)


@pytest.fixture(scope="module")
def old(versions):
    return versions["2026.1"]


# --- The hash and the optional files ------------------------------------------------------------

def test_2026_1_keeps_its_hash_and_rules_1(old):
    assert old.content_hash == HASH_2026_1
    assert old.rules == 1 and old.ipdas is None


def test_an_optional_file_is_hashed_when_present_and_checked(tmp_path):
    folder = tmp_path / "2026.1"
    shutil.copytree(VERSIONS_DIR / "2026.1", folder)
    assert content_hash(folder) == HASH_2026_1
    shutil.copy(VERSIONS_DIR / "2026.2" / "ipdas.yaml", folder / "ipdas.yaml")
    assert content_hash(folder) != HASH_2026_1
    assert load_version(folder).ipdas is not None
    ipdas = read(folder, "ipdas.yaml")
    ipdas["criteria"] = [c for c in ipdas["criteria"] if c["id"] != "C5"]
    write(folder, "ipdas.yaml", ipdas)
    with pytest.raises(ContentError, match=r"ipdas\.yaml: field 'criteria'.*missing: \['C5'\]"):
        load_version(folder)


# --- The ceiling (the written rubric) ----------------------------------------------------------

def _ref(kind, population="pfp", id=1):
    return Reference(id=id, citation="x", kind=kind, population=population)


@pytest.mark.parametrize("refs, expected", [
    ([_ref("trial")], "high"),
    ([_ref("review", "arthritis")], "moderate"),            # indirect: one level down
    ([_ref("guideline")], "moderate"),
    ([_ref("guideline", "arthritis")], "low"),
    ([_ref("observational")], "low"),
    ([_ref("expert")], "very low"),
    ([_ref("leaflet", "other")], "very low"),               # never below very low
    ([_ref("commercial"), _ref("trial", "arthritis", 2)], "high"),  # one source is in runner's knee
])
def test_ceiling_follows_the_rubric(refs, expected):
    assert ceiling(refs) == expected


def test_2026_1_certainties_above_their_ceiling_are_refused(old_under_rules_2):
    # TREK, expert guidance only, was labelled "low" throughout the running advice
    assert "home_programme.yaml: field 'pain_rule.0.certainty': is 'low' but its references [30] " \
           "allow at most 'very low'" in old_under_rules_2
    # a knee-arthritis guideline (NICE NG226) was labelled "moderate" for steroid injections
    assert "options.yaml: field 'options.1.sections.1.statements.4.certainty': is 'moderate' but its " \
           "references [18] allow at most 'low'" in old_under_rules_2


def test_current_version_is_graded_within_the_ceiling(current):
    assert current.rules == 2, "the current content version must be written to rules 2"
    assert checks.ceiling_problems(current) == []


# --- Every patient-facing clinical statement cited ---------------------------------------------

def test_2026_1_uncited_summaries_and_lists_are_refused(old_under_rules_2):
    for field in ("options.yaml: field 'options.0.summary'", "condition.yaml: field 'decision'",
                  "home_programme.yaml: field 'see_clinician_if'",
                  "home_programme.yaml: field 'exercises.0.source'",
                  "meta.yaml: field 'evidence_method'", "ipdas.yaml"):
        assert field in old_under_rules_2


def test_references_without_a_kind_are_refused_under_rules_2(tmp_path):
    folder = copy_2026_1(tmp_path / "2026.1", kinds=False)
    with pytest.raises(ContentError, match=r"references\.yaml: field 'references\.0\.kind'"):
        load_version(folder)


def test_current_version_cites_every_clinical_statement(current):
    assert checks.citation_problems(current) == []


# --- Broken rules-2 copies name the file and the field -----------------------------------------

def _practical_with_certainty(folder):
    data = read(folder, "home_programme.yaml")
    data["exercises"][0]["source"]["certainty"] = "low"
    return "home_programme.yaml", data, "exercises.0.source"


def _practical_without_refs(folder):
    data = read(folder, "home_programme.yaml")
    data["see_clinician_if"][0]["refs"] = []
    return "home_programme.yaml", data, "see_clinician_if"


def _overall_without_label(folder):
    data = read(folder, "outcomes.yaml")
    del data["outcomes"][0]["overall_label"]
    return "outcomes.yaml", data, "outcomes.0"


def _overall_other_denominator(folder):
    data = read(folder, "outcomes.yaml")
    data["outcomes"][0]["overall"]["out_of"] = 50
    return "outcomes.yaml", data, "outcomes.0"


def _unknown_kind(folder):
    data = read(folder, "references.yaml")
    data["references"][0]["kind"] = "blog"
    return "references.yaml", data, "references.0.kind"


def _gap_with_certainty(folder):
    data = read(folder, "options.yaml")
    data["options"][1]["evidence_base"]["certainty"] = "low"  # a gap: nothing to grade
    return "options.yaml", data, "options.1.evidence_base.certainty"


def _ipdas_place_not_a_path(folder):
    data = read(folder, "ipdas.yaml")
    data["criteria"][0]["where"] = ["the start page"]
    return "ipdas.yaml", data, "criteria.0.where"


RULES_2_BREAKAGES = [_practical_with_certainty, _practical_without_refs, _overall_without_label,
                     _overall_other_denominator, _unknown_kind, _gap_with_certainty, _ipdas_place_not_a_path]


@pytest.mark.parametrize("breaker", RULES_2_BREAKAGES, ids=[b.__name__.strip("_") for b in RULES_2_BREAKAGES])
def test_broken_rules_2_copy_is_rejected_naming_file_and_field(tmp_path, breaker):
    folder = as_rules_2(tmp_path / "2026.5", "2026.5")
    load_version(folder)  # the unbroken copy loads
    name, data, field = breaker(folder)
    write(folder, name, data)
    with pytest.raises(ContentError) as caught:
        load_version(folder)
    assert name in str(caught.value) and field in str(caught.value)


# --- Balanced pictures -------------------------------------------------------------------------

def test_2026_1_pictures_that_do_not_compare_like_with_like_are_found(old):
    problems = checks.picture_problems(old)
    assert any(p.startswith("outcomes: recovered_12_months.chances.conservative: shows the course of "
                            "everyone in the trials") for p in problems)
    assert any(p.startswith("outcomes: flare_after_treatment.chances.hyaluronic_acid: counts injections")
               for p in problems)


def test_current_version_pictures_compare_like_with_like(current):
    assert checks.picture_problems(current) == []
    for outcome in current.outcomes.outcomes:
        for chance in outcome.chances.values():
            assert chance.count is not None or chance.no_number


# --- Plain words by sentence --------------------------------------------------------------------

def test_2026_1_hard_sentences_are_found(old):
    hard = checks.hard_sentences(old)
    assert any("grade 12.1: In a trial in knee arthritis, a steroid injection every 3 months" in h for h in hard)
    assert any("grade 13.0: In a trial of 86 people with runner's knee" in h for h in hard)
    assert len(hard) > 20  # the review counted 27 above grade 10


def test_current_version_has_no_sentence_above_grade_10_and_no_section_above_8(current):
    assert checks.hard_sentences(current) == []
    assert checks.hard_sections(current) == []


def test_sentences_are_split_where_a_new_sentence_starts():
    assert checks.sentences("About 1 in 50 people. Then 2.5 points! Is it so? Yes: it is.") == [
        "About 1 in 50 people.", "Then 2.5 points!", "Is it so?", "Yes: it is."]


# --- The IPDAS self-assessment -------------------------------------------------------------------

def test_current_version_answers_every_ipdas_criterion_with_a_status_and_a_place(current):
    assert current.ipdas is not None
    answered = {c.id: c for c in current.ipdas.criteria}
    assert set(answered) == set(CRITERIA)
    for criterion in answered.values():
        assert criterion.status in ("met", "partly", "not met", "n/a")
        assert criterion.note and criterion.where


def test_every_ipdas_place_is_a_page_of_the_aid(client, current):
    seen: dict[str, str] = {}
    for criterion in current.ipdas.criteria:
        for place in criterion.where:
            path, _, fragment = place.partition("#")
            if path not in seen:
                response = client.get(path)
                assert response.status_code == 200, f"{criterion.id}: {place} gives {response.status_code}"
                seen[path] = response.get_data(as_text=True)
            if fragment:
                assert f'id="{fragment}"' in seen[path], f"{criterion.id}: no #{fragment} on {path}"


def test_ipdas_page_shows_each_criterion_its_status_and_counts(client, current):
    html = unescape(client.get("/about/ipdas").get_data(as_text=True))
    for criterion in current.ipdas.criteria:
        row = re.search(rf'<tr id="ipdas-{re.escape(criterion.id)}">(.*?)</tr>', html, re.S).group(1)
        assert criterion.title in row
        label = {"met": "Met", "partly": "In part", "not met": "Not met", "n/a": "Does not apply"}[criterion.status]
        assert f">{label}</td>" in row
    counts = current.ipdas.counts("qualifying")
    assert f"Met: {counts['met']}. In part: {counts['partly']}. Not met: {counts['not met']}." in html


def test_a_version_without_a_self_assessment_has_no_ipdas_page(make_app, content_copy):
    shutil.rmtree(content_copy / "2026.2")
    client = signed_in_client(make_app(CONTENT_DIR=str(content_copy)))
    assert client.get("/about/ipdas").status_code == 404
    assert "/about/ipdas" not in client.get("/about").get_data(as_text=True)


def test_rules_2_copy_passes_the_checks(tmp_path):
    content = load_version(as_rules_2(tmp_path / "2026.5", "2026.5"))
    assert checks.picture_problems(content) == [] and checks.citation_problems(content) == []
    assert checks.ceiling_problems(content) == []


def test_loader_names_the_file_when_ipdas_yaml_is_not_yaml(tmp_path):
    folder = as_rules_2(tmp_path / "2026.5", "2026.5")
    (folder / "ipdas.yaml").write_text("criteria: [", encoding="utf-8")
    with pytest.raises(ContentError, match=r"ipdas\.yaml: not valid YAML"):
        load_version(folder)


def test_meta_yaml_rules_level_must_be_known(tmp_path):
    folder = copy_2026_1(tmp_path / "2026.1", rules=3)
    with pytest.raises(ContentError, match=r"meta\.yaml: field 'rules'"):
        load_version(folder)
