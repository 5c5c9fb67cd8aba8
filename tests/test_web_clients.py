"""Pages as browsers and checkers see them: icons, descriptions, compression (Chromium),
accessibility (axe-core in Chromium) and valid HTML (html-validate)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_chromium_gets_a_favicon_a_description_and_compressed_text(live_server, desktop_page):
    page = desktop_page
    encodings = {}
    page.on("response", lambda r: encodings.__setitem__(r.url, r.headers.get("content-encoding")))
    for path in ("/", "/events/belogorsk-next/", "/events/belogorsk-next/programme"):
        page.goto(live_server.url + path)
        description = page.locator("meta[name=description]").get_attribute("content")
        assert description and len(description) > 20, path
        assert encodings[live_server.url + path] in ("br", "gzip"), path
    assert "Белогорск" in page.locator("meta[name=description]").get_attribute("content")
    for static in ("/static/css/app.css", "/static/js/door.js"):
        response = page.request.get(live_server.url + static, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response.headers.get("content-encoding") in ("br", "deflate"), static
    for href in page.eval_on_selector_all("link[rel~=icon], link[rel=apple-touch-icon]",
                                          "links => links.map(l => l.href)"):
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith("image/"), href
    assert page.request.get(live_server.url + "/favicon.ico").ok
    gzip_only = page.request.get(live_server.url + "/", headers={"Accept-Encoding": "gzip"})
    assert gzip_only.headers["content-encoding"] == "gzip"
