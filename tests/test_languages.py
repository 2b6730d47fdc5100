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


def test_the_handout_list_offers_each_language_by_its_own_name(client):
    html = html_of(client, "/handouts/")
    for code, name in (("en", "English"), ("pl", "Polski"), ("ar", "العربية")):
        assert f'<span lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">{name}</span>' in html
        assert f'href="/handouts/all-options.pdf?lang={code}"' in html
        assert f'href="/handouts/prp.pdf?lang={code}"' in html
