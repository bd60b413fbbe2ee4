"""The book's table style (unitroles.tables), which pages call as report.table."""

import pandas as pd

from unitroles import report, tables


def test_pages_call_it_as_report_table():
    assert report.table is tables.table


def test_table_formats_numbers_among_text():
    frame = pd.DataFrame({"units": [96.0, "256 (paper)"], "drop (pts)": [0.123456, "< 1"]})
    html = tables.table(frame).to_html()
    assert ">96</td>" in html and ">256 (paper)<" in html and ">0.12</td>" in html
    assert "&lt; 1" in html
    assert "96.0" not in html and "0.123456" not in html


def test_table_shows_booleans_as_words():
    html = tables.table(pd.DataFrame({"met": [True, False]})).to_html()
    assert ">yes</td>" in html and ">no</td>" in html and "True" not in html
