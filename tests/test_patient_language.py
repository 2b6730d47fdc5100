"""The patient's pages and the patient's summary in the patient's language (issue #14, second
pass); the clinician's pages and the clinical record stay in the clinic's language."""
import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import DECISION, Consultation
from decision_aid.library import content_version

NEXT_STEPS = "Ćwiczenia 3 razy w tygodniu przez 6 tygodni"  # typed text, kept as typed


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def opening_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def pdftotext(pdf: bytes) -> str:
    """The text as a reader's copy and paste gets it (poppler), in reading order."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return unicodedata.normalize("NFKC", done.stdout.decode())


def flat(text: str) -> str:
    return " ".join(text.split())


def link_for(client, visit) -> str:
    html = client.post(f"{visit.url}/patient-link").get_data(as_text=True)
    return re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def phone(app, token):
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert patient.get(f"/p/{token}").status_code == 303
    return patient


@pytest.fixture
def polish_link(app, client):
    visit = Consultation(client).start(language="pl")
    return visit, phone(app, link_for(client, visit))


def test_the_patients_link_pages_are_in_the_discussions_language(app, client, polish_link):
    visit, patient = polish_link
    with app.app_context():
        polish = content_version(app.config["CONTENT_VERSION"], "pl")
    about = html_of(patient, "/p/steps/about")
    assert 'lang="pl"' in opening_tag(about)
    assert "Co to jest kolano biegacza?" in about or "kolano biegacza" in about.lower()
    assert "Zacznij pytania" in about and "Start the questions" not in about
    assert polish.condition.name in about  # the content is the translated text
    assert "Tłumaczenie czeka na sprawdzenie" in about  # the notice: this translation awaits review
    situation = html_of(patient, "/p/steps/situation")
    assert "Zapisz i dalej" in situation and "Save and continue" not in situation
    assert "Strona 2 z 5" in situation
    # The clinician's own pages of the same discussion stay in English.
    clinician = html_of(client, f"{visit.url}/patient-link")
    assert 'lang="en"' in opening_tag(clinician) and "The patient's link" in clinician


def test_the_options_page_of_the_link_says_its_no_recommendation_line_and_sources_in_polish(app, polish_link):
    _visit, patient = polish_link
    with app.app_context():
        polish = content_version(app.config["CONTENT_VERSION"], "pl")
    options = html_of(patient, "/p/steps/options")
    assert f'<p class="small">{flat(polish.meta.no_recommendation)}</p>' in flat(options)  # no lang="en" now
    assert "It does not tell you which option" not in options
    assert "Źródło: strona internetowa kliniki" in options and "Source:" not in options


def test_the_tablets_patient_view_is_in_the_discussions_language(app, client):
    visit = Consultation(client).start(language="ar")
    assert client.post(f"{visit.url}/patient-view").status_code in (302, 303)
    page = html_of(client, f"{visit.url}/patient-view/about")
    assert re.search(r'lang="ar"', opening_tag(page)) and 'dir="rtl"' in opening_tag(page)
    assert "ابدأ الأسئلة" in page  # "Start the questions"
    unlock = html_of(client, f"{visit.url}/patient-view/end")
    assert "يرجى إعادة الجهاز اللوحي إلى طبيبك" in unlock
    # The password box is the clinician's: in English, and marked so.
    assert re.search(r'data-audience="clinician" lang="en"', unlock) and "type your password" in unlock
    # Its errors too, summary and "Error:" word alike (they were Arabic and English mixed inside
    # the English block); the page's title stays the patient's.
    refused = client.post(f"{visit.url}/patient-view/end", data={"password": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    block = html[html.index('data-audience="clinician" lang="en"'):html.index("</form>")]
    assert "There is a problem" in block and '<span class="visually-hidden">Error:</span>' in block
    assert "توجد مشكلة" not in html and "خطأ:" not in block and "<title>خطأ: " in html


def test_a_closed_link_says_so_in_the_patients_language(app, client, polish_link):
    visit, patient = polish_link
    client.post(f"{visit.url}/patient-link/withdraw")
    page = html_of(patient, "/p/steps/about", status=410)
    assert "Ten link został zamknięty" in page and 'lang="pl"' in opening_tag(page)
    # A link nobody knows has no discussion: the clinic's language.
    unknown = html_of(phone_unknown(app), "/p/not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxxxxx", status=404)
    assert "This link does not work" in unknown


def phone_unknown(app):
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = "127.0.0.10"
    return patient


def finished(app, client, language, **decision):
    visit = Consultation(client).start(language=language).fill_all(
        app, decision={**DECISION, "next_steps": NEXT_STEPS, **decision})
    visit.finish()
    return visit


def test_the_follow_up_link_is_in_polish_and_the_measures_wording_stays_english(app, client):
    visit = finished(app, client, "pl", follow_up_date=dt.date.today().isoformat())
    with app.app_context():
        chosen = content_version(app.config["CONTENT_VERSION"], "pl").options[0].name
    html = client.post(f"{visit.url}/follow-up-link").get_data(as_text=True)
    patient = phone(app, re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1))
    page = patient.get("/p/after/follow-up").get_data(as_text=True)
    assert 'lang="pl"' in opening_tag(page)
    assert "Jak było od czasu wizyty?" in page and "Wyślij moje odpowiedzi" in page
    assert f"Wybrałeś(-aś): {chosen}." in page and NEXT_STEPS in page  # what was decided, in Polish
    assert re.search(r'<div class="instrument" lang="en">', page)  # no made-up translation of a scale
    refused = patient.post("/p/after/follow-up", data={"done_since": "x"}).get_data(as_text=True)
    assert "Wybierz liczbę od 0 do 10 dla obecnego bólu." in refused  # the form's error, in Polish


def test_the_polish_summary_is_in_polish_and_the_clinical_record_in_english(app, client):
    visit = finished(app, client, "pl")
    with app.app_context():
        polish = content_version(app.config["CONTENT_VERSION"], "pl")
        english_options = [o.name for o in content_version(app.config["CONTENT_VERSION"]).options]
    pdf = client.get(f"{visit.url}/summary.pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "pl" and len(reader.pages) <= 2
    text = flat(pdftotext(pdf))
    for words in ("Podsumowanie naszej rozmowy", "Co zdecydowano", "Kolejne kroki", "Cztery możliwości",
                  "Nie zaleca żadnego leczenia", NEXT_STEPS):
        assert words in text, words
    for option in polish.options:  # each option's line, in the fixed order, in Polish
        assert flat(option.name) in text, option.name
    assert "What was decided" not in text and "Next steps" not in text
    assert "Rozmowa zakończona" in text and "Discussion finished" not in text  # the record line too
    # meta.yaml's no-recommendation line, translated (it was English beside the Polish).
    assert flat(polish.meta.no_recommendation) in text and "It does not tell you which option" not in text
    record = flat(pdftotext(client.get(f"{visit.url}/clinical-record.pdf").data))
    assert "Clinical record" in record and "Follow-up:" in record
    assert "It does not tell you which option to choose." in record and flat(polish.meta.no_recommendation) not in record
    assert english_options[0] in record and polish.options[0].name not in record
    assert "Co zdecydowano" not in record and "Podsumowanie naszej rozmowy" not in record


def test_the_arabic_summary_is_shaped_right_to_left_with_numbers_intact(app, client):
    visit = finished(app, client, "ar")
    pdf = client.get(f"{visit.url}/summary.pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar" and len(reader.pages) <= 2
    text = pdftotext(pdf)
    # Whole Arabic words in reading order (shaped letters map back to their characters).
    for words in ("ملخص مناقشتنا", "ما تقرر", "الخطوات التالية", "الخيارات الأربعة",
                  "ولا تقول لك أي خيار تختار"):  # the last: meta.yaml's no-recommendation line
        assert words in text, words
    assert "It does not tell you which option" not in text
    assert "2026.2" in text  # the content version, Western digits left to right
    assert not re.search("[٠-٩]", text)
    assert "What was decided" not in text


def test_a_polish_reprint_is_the_same_text_after_the_patients_language_changes(app, client):
    visit = finished(app, client, "pl")
    first = pdftotext(client.get(f"{visit.url}/summary.pdf").data)
    assert client.post(f"{visit.url}/language", data={"language": "ar"}).status_code == 303
    shutil.rmtree(app.config["PDF_CACHE_DIR"], ignore_errors=True)  # rendered again, not served from the cache
    again = pdftotext(client.get(f"{visit.url}/summary.pdf").data)
    assert again == first and "Co zdecydowano" in again


def test_the_background_pre_render_renders_the_summary_in_the_revisions_language(make_app):
    from pathlib import Path

    from conftest import signed_in_client
    from decision_aid.pdf import wait_for_background
    app = make_app(PDF_PRERENDER=True)
    client = signed_in_client(app)
    finished(app, client, "pl")
    wait_for_background(app)  # rendered with no request, so no locale but the one forced
    texts = [flat(pdftotext(path.read_bytes())) for path in Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf")]
    assert len(texts) == 2
    assert sum("Podsumowanie naszej rozmowy" in t for t in texts) == 1  # the patient's summary
    assert sum("Clinical record" in t and "Co zdecydowano" not in t for t in texts) == 1  # and the record
