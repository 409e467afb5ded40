"""Server-side SVG bar charts."""

from xml.etree import ElementTree

from sparql_endpoint.pages.charts import CHARACTER, PHONE_TEXT, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_one_bar_per_row_scaled_to_the_highest():
    svg = bar_chart([("2023", 10, "10"), ("2024", 5, "5 <b>")], "Contracts & years", "c1")
    root = ElementTree.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "Contracts & years"
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[0] == 2 * heights[1]
    assert [t.text for t in root.iter(f"{SVG}text")] == ["10", "2023", "5 <b>", "2024"]


def test_no_bars_draws_nothing():
    assert bar_chart([], "Empty", "c2") == ""


def test_many_bars_keep_one_label_in_a_few_so_phone_labels_never_overlap():
    bars = [(str(2000 + year), year + 1, f"{(year + 1) * 1000:,}") for year in range(20)]
    root = ElementTree.fromstring(str(bar_chart(bars, "Years", "c3")))
    labels = [t for t in root.iter(f"{SVG}text") if "label" in t.get("class")]
    shown = [float(t.get("x")) for t in labels if "minor" not in t.get("class")]
    assert labels[-1].get("class") == "label" and len(shown) < len(labels)
    # At the phone's text size, the shown labels are further apart than they are wide.
    widest = max(len(t.text) for t in root.iter(f"{SVG}text")) * CHARACTER * PHONE_TEXT
    assert min(b - a for a, b in zip(shown, shown[1:], strict=False)) > widest


def test_few_bars_label_every_bar():
    svg = bar_chart([("2023", 10, "10"), ("2024", 5, "5")], "Years", "c4")
    assert "minor" not in str(svg)
