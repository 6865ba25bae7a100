"""The coordinator's workbench in Chromium on three real nodes (issue 19, points 2, 3, 7),
in Russian and in English: MD's coordinator files a case in the form (a validation error
first: every choice is kept), notifies KZ and KG, sees both signed receipts and the KZ
prosecutor's acknowledgement on the case page, and that KG's is still awaited (there and
in the conversation), replies in the thread, and KZ's coordinator reads the reply in the
same conversation. The printed case file (Chromium's
print to PDF) carries the node, the time with its zone and the audit reference.

Screenshots at 1366 and 390 px: var/screenshots/case-form-*, case-page-*, thread-*."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.federation import Federation
from tests import factories
from tests.accounts.helpers import PASSWORD
from tests.fednet import make_federation
from tests.polling import wait_for

pytestmark = [pytest.mark.federation, pytest.mark.browser]

LANGUAGES = ("ru", "en")
PEOPLE = {
    "MD": [(f"md.coord-{lang}", "coordinator") for lang in LANGUAGES],
    "KZ": [("kz.p1", "prosecutor")] + [(f"kz.coord-{lang}", "coordinator") for lang in LANGUAGES],
}
WORDS = {
    "ru": {
        "error": "не номер телефона",
        "delivered": "доставлено; подписанная квитанция проверена",
        "message": "Сообщение",
        "audit": "запись №",
        "node": "национальный узел MD",
        "zone": "Кишинёв",
        "not_yet": "ещё нет (отправлено",
        "awaited": "KG: нет подтверждения",
        "notified": "Уже уведомлены (повторно не предлагаются): KG, KZ.",
    },
    "en": {
        "error": "not a phone number",
        "delivered": "delivered; the signed receipt was verified",
        "message": "Message",
        "audit": "entry no.",
        "node": "national node MD",
        "zone": "Chisinau",
        "not_yet": "not yet (sent",
        "awaited": "KG: no acknowledgement yet",
        "notified": "Already notified, not offered again: KG, KZ.",
    },
}


class World:
    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.tokens: dict[str, str] = {}
        self.secrets: dict[str, str] = {}

    def url(self, country: str) -> str:
        return self.fed.node(country).url

    def api(self, user: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url(user.split(".")[0].upper()) + "/api/v1",
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
            timeout=15,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    fed = make_federation(
        ["MD", "KZ", "KG"],
        tmp_path_factory.mktemp("workbench-fed"),
        env={
            "SECURE_COOKIES": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
    )
    try:
        w = World(fed)
        for country, people in PEOPLE.items():
            node = fed.node(country)
            made = factories.people_on(node, [(n, r, "") for n, r in people], paged=True)
            for name, person in made.items():
                w.tokens[name], w.secrets[name] = person
        fed.node("KZ").manage(
            "oncall", "set", "--schedule", "default", "--users", "kz.p1", "--handoff", "00:00",
            "--rotation", "daily",
        )  # fmt: skip
        yield w
    finally:
        fed.stop()
        fed.drop_databases()


def _acknowledge_on_kz(world: World, title: str) -> None:
    """The KZ prosecutor on call takes the alert in hand (the desk's own service)."""
    kz = world.api("kz.p1")

    def alert_id() -> int | None:
        rows = kz.get("/alerts/").json()
        rows = rows.get("results", rows) if isinstance(rows, dict) else rows
        return next((a["id"] for a in rows if title in a.get("title", "")), None)

    found = wait_for(alert_id)
    assert kz.post(f"/alerts/{found}/ack/", json={}).status_code in (200, 202)


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_form_notify_receipt_ack_reply_and_print(
    world: World, language: str, tmp_path: Any
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.accounts.helpers import launch_chromium, login_browser
    from tests.screens import save

    words = WORDS[language]
    md_url, kz_url = world.url("MD"), world.url("KZ")
    title = f"Browser workbench {language}"
    reply = f"Reply from MD ({language}): please preserve the logs"
    coordinator = f"md.coord-{language}"
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies([{"name": "django_language", "value": language, "url": md_url}])
            page = context.new_page()
            login_browser(page, md_url, coordinator, PASSWORD, world.secrets[coordinator])

            # The form: a bad indicator first; every choice survives the error.
            page.goto(f"{md_url}/cases/new/")
            page.fill("#id_title", title)
            page.fill("#id_summary", "Adverts for 'online work' on Telegram.")
            page.select_option("#id_offence", value=_option(page, r"^MD\|[^|]*\|220/1\|1$"))
            for tag in ("adult_victim", "online", "webcam"):
                page.check(f"#fact-{tag}")
            page.check("input[name=urgency][value=immediate]")
            page.check("input[name=handling][value=H1]")
            page.fill("#id_indicators", "phone: not-a-number\ntelegram: @WebcamJobs")
            page.click("#case-form button[type=submit]")
            expect(page.locator("#id_indicators_error")).to_contain_text(words["error"])
            expect(page.locator("input[name=urgency][value=immediate]")).to_be_checked()
            expect(page.locator("input[name=handling][value=H1]")).to_be_checked()
            expect(page.locator("#fact-webcam")).to_be_checked()
            expect(page.locator("#id_title")).to_have_value(title)
            save(page, f"case-form-error-{language}-1366")
            page.fill("#id_indicators", "phone: +373 69 123 456\ntelegram: @WebcamJobs")
            page.click("#case-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/cases/\d+/$"))
            case_url = page.url

            # Notify KZ and KG: the handling code chosen in the form is preselected; the
            # countries notified are marked and no longer offered.
            expect(page.locator("#handling-H1")).to_be_checked()
            page.check("#to-KZ")
            page.check("#to-KG")
            page.click("#notify button[type=submit]")
            for country in ("KZ", "KG"):
                expect(page.locator(f"#to-{country}")).to_have_count(0)
            expect(page.locator("main")).to_contain_text(words["notified"])
            kz_card = page.locator(".destinations li[data-country=KZ]")
            kg_card = page.locator(".destinations li[data-country=KG]")
            expect(kz_card).to_have_count(1)
            expect(kg_card).to_have_count(1)

            # KZ's receipt and its prosecutor's acknowledgement appear on the case page.
            _acknowledge_on_kz(world, title)

            def shown() -> bool:
                page.goto(case_url)
                text = str(kz_card.text_content())
                shown.last = text  # type: ignore[attr-defined]
                return (
                    words["delivered"] in text
                    and kz_card.locator(".ack .state-ok").count() == 1
                    and words["delivered"] in str(kg_card.text_content())
                )

            wait_for(shown)
            # KG received it (its signed receipt) but nobody there acknowledged it yet.
            expect(kg_card.locator(".ack")).to_contain_text(words["not_yet"])
            expect(kg_card.locator(".ack .state-ok")).to_have_count(0)
            save(page, f"case-page-{language}-1366")
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload()
            _fits(page, 390)
            save(page, f"case-page-{language}-390")
            page.set_viewport_size({"width": 1366, "height": 900})

            # The conversation: titled by the case, a reply signed and sent to KZ.
            kz_card.locator("a[href*='/cases/threads/']").click()
            thread_path = page.url.removeprefix(md_url)
            expect(page.locator("h1")).to_contain_text(title)
            expect(page.locator("#back-to-case")).to_have_attribute(
                "href", case_url.removeprefix(md_url)
            )
            # What is still awaited: KG's acknowledgement, not KZ's.
            expect(page.locator(".awaited")).to_contain_text(words["awaited"])
            expect(page.locator(".awaited")).not_to_contain_text("KZ:")
            page.fill("#id_text", reply)
            page.click("#reply button[type=submit]")
            expect(page.locator("ol.conversation")).to_contain_text(reply)
            mine = page.locator("ol.conversation li.out", has_text=reply)

            def both_received() -> bool:  # signed receipts from KZ and KG, in words
                page.reload()
                return bool(mine.locator(".receipt.state-ok").count() == 2)

            wait_for(both_received)
            save(page, f"thread-{language}-1366")
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload()
            _fits(page, 390)
            save(page, f"thread-{language}-390")

            # KZ's coordinator reads MD's reply in the same conversation.
            kz_context = browser.new_context(viewport={"width": 1366, "height": 900})
            kz_context.add_cookies([{"name": "django_language", "value": language, "url": kz_url}])
            kz_page = kz_context.new_page()
            kz_user = f"kz.coord-{language}"
            login_browser(kz_page, kz_url, kz_user, PASSWORD, world.secrets[kz_user])

            def arrived() -> bool:
                kz_page.goto(kz_url + thread_path)
                return reply in kz_page.locator("main").inner_text()

            wait_for(arrived)
            incoming = kz_page.locator("ol.conversation li.in", has_text=reply)
            expect(incoming.locator(".kind")).to_have_text(words["message"])
            save(kz_page, f"thread-kz-{language}-1366")

            # The case file, printed to PDF by Chromium.
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(case_url + "print/")
            pdf = tmp_path / f"case-file-{language}.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=True)
            text = _pdf_text(pdf, page)
            for expected in (title, words["audit"], words["node"], words["zone"], "KZ", "KG"):
                assert expected in text, (expected, text[:2000])
            # The node, the time with its zone and the audit reference on every page
            # (pdftotext ends each page with a form feed).
            sheets = [p for p in text.split("\f") if p.strip()]
            assert len(sheets) >= 2 or "\f" not in text, "expected a file of two pages"
            for number, sheet in enumerate(sheets):
                for expected in (words["audit"], words["node"], words["zone"]):
                    assert expected in sheet, (number, expected, sheet[:800])
            save(page, f"case-file-{language}-1366")
        finally:
            browser.close()


def _option(page: Any, pattern: str) -> str:
    values = page.eval_on_selector_all("#id_offence option", "os => os.map(o => o.value)")
    return str(next(v for v in values if re.match(pattern, v)))


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the phone's screen (no sideways scrolling)."""
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll} px wide on a {width} px screen"


def _pdf_text(pdf: Any, page: Any) -> str:
    """The PDF's text through poppler's pdftotext when installed, else the page's text
    (the PDF was still produced by Chromium: its size is checked)."""
    import shutil
    import subprocess

    assert pdf.stat().st_size > 5000
    tool = shutil.which("pdftotext")
    if tool:
        out = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=True)
        return out.stdout.decode()
    return str(page.inner_text("body"))
