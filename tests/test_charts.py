"""Server-side SVG bar charts."""

from xml.etree import ElementTree

from sparql_endpoint.pages.charts import bar_chart

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
