"""The interface in the patient's language (issue #14): Polish and Arabic beside English."""
import re

import pytest

from conftest import pdf_text


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_guide_page_in_arabic_is_right_to_left_and_says_the_translation_awaits_review(client):
    html = html_of(client, "/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "ما هي ركبة العدّاء؟" in html  # "What is runner's knee?" from the Arabic catalog
    assert "الترجمة بانتظار المراجعة من مترجم طبي مؤهل" in html
    # The English beside it, marked as English for screen readers.
    assert '<span lang="en" dir="ltr">(Translation awaiting review by a qualified medical translator)</span>' in html


def test_a_guide_page_in_polish_is_left_to_right_in_polish(client):
    html = html_of(client, "/comparison?lang=pl")
    assert '<html lang="pl" dir="ltr">' in html
    assert "<h1>Porównaj możliwości</h1>" in html
    assert "Tłumaczenie czeka na sprawdzenie" in html


def test_english_pages_carry_no_translation_notice(client):
    html = html_of(client, "/comparison")
    assert '<html lang="en" dir="ltr">' in html
    assert "awaiting review by a qualified medical translator" not in html


def test_links_between_guide_pages_keep_the_language(client):
    html = html_of(client, "/?lang=pl")
    assert 'href="/comparison?lang=pl"' in html
    assert 'href="/options/conservative?lang=pl"' in html


def test_clinician_pages_stay_in_the_clinics_language(client):
    html = html_of(client, "/discussions/?lang=ar")
    assert '<html lang="en" dir="ltr">' in html
    assert "Saved discussions" in html


def test_an_unknown_language_is_a_404_not_a_page_in_english(client):
    assert client.get("/comparison?lang=xx").status_code == 404
    assert client.get("/handouts/all-options.pdf?lang=../../etc").status_code == 404


def test_a_404_for_an_arabic_address_is_in_arabic(client):
    response = client.get("/options/surgery?lang=ar")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "الصفحة غير موجودة" in html


def test_the_handout_list_offers_each_handout_in_each_language_by_its_own_name(client):
    html = html_of(client, "/handouts/")
    for code, name, query in (("en", "English", ""), ("pl", "Polski", "?lang=pl"), ("ar", "العربية", "?lang=ar")):
        direction = "rtl" if code == "ar" else "ltr"
        for path in ("all-options", "conservative", "prp"):
            assert (f'<a href="/handouts/{path}.pdf{query}" hreflang="{code}" lang="{code}" dir="{direction}">'
                    f'{name}</a>') in html


# --- The discussion's language -------------------------------------------------------------------

def discussion_row(app, discussion_id):
    import uuid

    from decision_aid.extensions import db
    from decision_aid.models import Discussion
    with app.app_context():
        discussion = db.session.get(Discussion, uuid.UUID(discussion_id))
        return discussion.language, [(r.number, r.language) for r in discussion.revisions]


def test_the_start_step_offers_each_language_by_its_own_name(client):
    html = html_of(client, "/discussions/new")
    select = re.search(r'<select[^>]*name="language".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w+)"[^>]*>([^<]+)</option>', select) == [
        ("en", "English"), ("ar", "العربية"), ("pl", "Polski")]


def test_a_discussion_keeps_the_language_chosen_at_the_start_and_its_revision_records_it(app, consultation):
    visit = consultation().start(language="ar").fill_all(app)
    assert discussion_row(app, visit.id) == ("ar", [])
    visit.finish()
    assert discussion_row(app, visit.id) == ("ar", [(1, "ar")])


def test_a_discussion_started_without_a_language_is_in_english(app, consultation):
    visit = consultation().start()
    assert discussion_row(app, visit.id) == ("en", [])


def test_a_language_not_offered_is_refused_on_the_start_step_and_nothing_is_saved(client, db_rows):
    before = db_rows()
    response = client.post("/discussions/new", data={
        "patient_ref": "RK-1", "clinician": "Dr A", "discussion_date": "2026-12-01", "knees": "left",
        "language": "xx", "action": "next"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db_rows() == before


def test_the_link_page_changes_the_language_and_a_saved_revision_keeps_its_own(app, client, consultation):
    visit = consultation().start(language="pl").fill_all(app)
    visit.finish()
    page = html_of(client, f"{visit.url}/patient-link")
    assert re.search(r'<option selected value="pl">Polski</option>|<option value="pl" selected>Polski</option>', page)
    response = client.post(f"{visit.url}/language", data={"language": "ar"})
    assert response.status_code == 303
    # The discussion follows the new choice (the patient's pages from now on); revision 1 was
    # shown in Polish and reprints in Polish.
    assert discussion_row(app, visit.id) == ("ar", [(1, "pl")])
    assert client.post(f"{visit.url}/language", data={"language": "klingon"}).status_code == 400
    assert discussion_row(app, visit.id) == ("ar", [(1, "pl")])


def test_another_clinics_discussion_language_cannot_be_changed(app, consultation, sign_in):
    visit = consultation().start(language="pl")
    other = sign_in("clinician@b.example")
    assert other.post(f"{visit.url}/language", data={"language": "ar"}).status_code == 404
    assert discussion_row(app, visit.id) == ("pl", [])
