"""The messages page and an HTML e-mail, as people see them in Chromium (phone and desktop)."""
from __future__ import annotations

import base64
import email
import time
from email import policy

from tests.conftest import ARTIFACTS, screenshot

SLUG = "belogorsk-2022"
DRAIN = """
from sqlalchemy import select
from seminar.extensions import db
from seminar.messages import outbox
from seminar.registration import notify
from seminar.registration.models import Registration
notify.send_registered(db.session.scalar(select(Registration).where(Registration.status == "confirmed")))
db.session.commit()
outbox.drain()
"""


def sign_in(server, page):
    server.flask("user", "create", "writer@example.ru", "--role", "organiser", "--event", SLUG,
                 "--password-stdin", input="writer-pass-1\n")
    page.goto(server.url + "/login")
    page.fill("input[name=email]", "writer@example.ru")
    page.fill("input[name=password]", "writer-pass-1")
    page.click("button[type=submit]")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_organiser_writes_to_a_group_on_a_phone_and_a_desktop(live_server, phone_page, desktop_page):
    for page, size in ((phone_page, "phone"), (desktop_page, "desktop")):
        if size == "phone":
            sign_in(live_server, page)
        else:
            page.goto(live_server.url + "/login")
            page.fill("input[name=email]", "writer@example.ru")
            page.fill("input[name=password]", "writer-pass-1")
            page.click("button[type=submit]")
        page.goto(f"{live_server.url}/manage/events/{SLUG}/")
        assert page.locator(".queue-state").count() == 1
        page.goto(f"{live_server.url}/manage/events/{SLUG}/messages/")
        assert page.get_by_text("Письма по расписанию").is_visible()
        screenshot(page, f"{size}-messages")
        assert no_sideways_scroll(page)
        page.goto(f"{live_server.url}/manage/events/{SLUG}/messages/new")
        page.fill("input[name=subject]", "Слайды и сертификаты: {event_title}")
        page.fill("textarea[name=body]", "{first_name}, спасибо, что были с нами!\n\n"
                                         "Слайды выступлений: https://example.ru/slides\n"
                                         "Ваш сертификат: {personal_url}\n<b>без HTML</b>")
        page.click("button[value=preview]")
        assert page.get_by_text("Получателей: 120").is_visible()
        assert page.frame_locator("iframe.mail-preview").get_by_text("<b>без HTML</b>").is_visible()
        screenshot(page, f"{size}-messages-preview")
        page.locator("section.preview").screenshot(path=str(ARTIFACTS / f"{size}-messages-preview-mail.png"))
        assert no_sideways_scroll(page)
    page = desktop_page
    page.fill("textarea[name=body]", "Здравствуйте, {name}!")
    page.click("button[value=preview]")
    assert page.get_by_text("Неизвестная подстановка {name}").is_visible()
    screenshot(page, "desktop-messages-error")
    page.fill("textarea[name=body]", "{first_name}, автобус от администрации в 8:00.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=send]")
    page.wait_for_url("**/messages/*")
    assert page.get_by_text("получателей").first.is_visible()
    screenshot(page, "desktop-messages-log")


def test_the_confirmation_e_mail_reads_well_in_a_browser(live_server, phone_page, desktop_page):
    live_server.flask("shell", input=DRAIN)
    deadline = time.time() + 15  # sent by the shell's drain or by the worker beside the server
    while not list((live_server.instance / "outbox").glob("*.eml")) and time.time() < deadline:
        time.sleep(0.1)
    [eml] = sorted((live_server.instance / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in message.walk():  # what a mail client does with cid: images
        if part["Content-ID"]:
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", f"data:image/png;base64,{data}")
    for page, size in ((phone_page, "phone"), (desktop_page, "desktop")):
        page.set_content(html)
        assert page.evaluate("document.querySelector('img').naturalWidth") > 0
        assert page.get_by_text("Когда:").is_visible()
        screenshot(page, f"{size}-mail-confirmation")
        assert no_sideways_scroll(page)
