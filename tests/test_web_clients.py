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


# ---------------------------------------------------------------- axe-core and html-validate

def pages_to_check(live_server) -> dict[str, list[str]]:
    """Every kind of page: public, personal, organiser, door (on the demo forums)."""
    import sqlite3

    with sqlite3.connect(live_server.instance / "seminar.sqlite3") as con:
        upcoming = con.execute("SELECT r.access_token FROM registration r JOIN event e ON e.id = r.event_id "
                               "WHERE e.slug = 'belogorsk-next' ORDER BY r.role = 'speaker' DESC LIMIT 1").fetchone()[0]
        code, past = con.execute("SELECT c.code, r.access_token FROM certificate c JOIN registration r "
                                 "ON r.id = c.registration_id LIMIT 1").fetchone()
        session_id = con.execute("SELECT s.id FROM programme_session s JOIN event e ON e.id = s.event_id "
                                 "WHERE e.slug = 'belogorsk-next' LIMIT 1").fetchone()[0]
    nxt, old = "/events/belogorsk-next", "/manage/events/belogorsk-next"
    return {
        "public": ["/", f"{nxt}/", f"{nxt}/register", f"{nxt}/programme", f"{nxt}/speakers", "/events/belogorsk-2022/",
                   "/events/belogorsk-2022/register", f"/verify/{code}", "/verify/NOSUCHCODE", "/login"],
        "personal": [f"/r/{upcoming}", f"/r/{upcoming}/edit", f"/r/{past}"],
        "organiser": ["/manage/", f"{old}/", f"{old}/edit", f"{old}/dashboard", f"{old}/badges", f"{old}/programme",
                      f"{old}/programme/sessions/{session_id}", "/manage/events/belogorsk-2022/certificates",
                      "/manage/events/belogorsk-2022/dashboard"],
        "door": [f"{old}/checkin"],
    }


def sign_in(page, live_server, email="organiser@belogorsk-forum.ru"):
    page.goto(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", live_server.passwords[email])
    page.click("button[type=submit]")
    page.wait_for_url("**/manage/**")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_axe_core_finds_nothing_serious_on_any_page(live_server, browser, node_modules, size):
    from conftest import DESKTOP, PHONE

    axe = (node_modules / "axe-core" / "axe.min.js").read_text()
    # bypass_csp: our CSP forbids inline script, and axe-core is injected as one (the pages' own
    # scripts still run under the policy; test_browser_csp.py checks that separately).
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), bypass_csp=True)
    page = context.new_page()
    findings = []
    for kind, paths in pages_to_check(live_server).items():
        if kind == "organiser" and "manage" not in page.url:
            sign_in(page, live_server)
        for path in paths:
            page.goto(live_server.url + path)
            if path.endswith("2022/dashboard"):   # the arrivals chart, drawn by script
                assert "100" in page.locator("#dash-arrivals svg").get_attribute("aria-label")
            page.add_script_tag(content=axe)
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            findings += [f"{path}: {v['id']} ({v['impact']}) {v['nodes'][0]['target']}"
                         for v in result["violations"] if v["impact"] in ("critical", "serious")]
    context.close()
    assert not findings, "\n".join(findings)


HTML_VALIDATE = """
const { HtmlValidate, StaticConfigLoader } = require("html-validate");
const validator = new HtmlValidate(new StaticConfigLoader({ extends: ["html-validate:standard"] }));
const pages = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const errors = [];
  for (const [path, html] of Object.entries(pages)) {
    const report = await validator.validateString(html, path);
    for (const r of report.results) for (const m of r.messages)
      if (m.severity === 2) errors.push(`${path}:${m.line}: ${m.ruleId}: ${m.message}`);
  }
  console.log(JSON.stringify(errors));
})();
"""


def test_html_validate_finds_no_errors_on_any_page(live_server, desktop_page, node_modules):
    import json

    from tests.conftest import run_node

    page, html = desktop_page, {}
    for kind, paths in pages_to_check(live_server).items():
        if kind == "organiser":
            sign_in(page, live_server)
        for path in paths:
            html[path] = page.request.get(live_server.url + path).text()
    errors = json.loads(run_node(node_modules, HTML_VALIDATE, input=json.dumps(html)))
    assert not errors, "\n".join(errors)
