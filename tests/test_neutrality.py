"""Nothing ranks, scores or recommends; the options always appear in the fixed order."""
import re

import pytest

from conftest import in_order, pdf_text
from neutrality import recommending_phrases
from test_pages import PAGES
from test_pdf import HANDOUTS


@pytest.mark.parametrize("url", PAGES)
def test_pages_use_no_recommending_language(client, url):
    html = client.get(url).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert recommending_phrases(text) == []


@pytest.mark.parametrize("url", HANDOUTS)
def test_handouts_use_no_recommending_language(client, url):
    assert recommending_phrases(pdf_text(client.get(url).data)) == []


def test_the_guard_catches_recommending_language():
    assert recommending_phrases("For you, we\n recommend the PRP injection") == ["we recommend"]
    assert recommending_phrases("The best option is rest") == ["best option"]
    assert recommending_phrases("This aid does not recommend any option.") == []


def test_no_option_column_is_styled_differently(client):
    html = client.get("/comparison").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" id="col-[a-z_]+"([^>]*)>', html)
    cells = re.findall(r"<td ([^>]*)>", html)
    assert len(headers) == 4 and len(set(headers)) == 1
    assert {re.sub(r'data-option="[^"]*"', "", c) for c in cells} == {""}


def test_comparison_columns_follow_the_fixed_order_in_every_row(client, option_names):
    html = client.get("/comparison").get_data(as_text=True)
    for row in re.findall(r'<tr id="row-.*?</tr>', html, re.S):
        labels = re.findall(r'data-option="([^"]+)"', row)
        assert labels == [short for short, _name in option_names]
    assert in_order(html, option_names)
