"""The site's icon: /favicon.ico and the SVG icon every page names."""

from __future__ import annotations

import struct
from xml.etree import ElementTree


def test_favicon_ico_is_an_icon_cached_for_a_week(client):
    response = client.get("/favicon.ico")
    data = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    # One 32 px image, stored as a PNG.
    assert data[6:8] == bytes([32, 32]) and data[22:30] == b"\x89PNG\r\n\x1a\n"
    assert response.cache_control.public and response.cache_control.max_age == 7 * 24 * 3600


def test_pages_name_the_svg_icon_and_it_is_served(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    data = icon.get_data()
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
