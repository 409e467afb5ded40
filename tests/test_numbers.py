"""Amounts, numbers and dates per language."""

from sparql_endpoint.pages.numbers import NARROW_NBSP, NBSP, amount, day, number


def test_amounts_follow_the_language():
    assert amount("80000", "fr") == f"80{NARROW_NBSP}000{NBSP}€"
    assert amount("80000", "en") == "€80,000"
    assert amount("1234.5", "en") == "€1,234.50"
    assert amount("1234.5", "fr") == f"1{NARROW_NBSP}234,50{NBSP}€"


def test_numbers_and_unreadable_values():
    assert number(1500000, "fr") == f"1{NARROW_NBSP}500{NARROW_NBSP}000"
    assert number(1500000, "en") == "1,500,000"
    assert number("n/a", "en") == "n/a"
    assert amount("NaN", "fr") == "NaN"


def test_dates_are_written_out():
    assert day("2018-12-24", "fr") == "24 décembre 2018"
    assert day("2019-04-01", "fr") == "1er avril 2019"
    assert day("2019-04-01", "en") == "April 1, 2019"
    assert day("soon", "en") == "soon"
