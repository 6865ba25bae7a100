"""Real browser on a real server: a prosecutor files a case through the form and reads it."""

from typing import Any

import pytest
from django.db import connection

from cases.models import Case
from tests.accounts.helpers import (
    PASSWORD,
    create_user,
    launch_chromium,
    login_browser,
    totp_secret,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_file_a_case_through_the_form(live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    secret = totp_secret(create_user("br.p1", "prosecutor", "cyber"))
    # No ORM inside the browser part: Playwright's sync API runs an event loop in this
    # thread, where Django would open a second connection. The server has its own threads.
    connection.close()
    with sync_playwright() as playwright:
        text = _file_case(playwright, live_server.url, secret)
    assert "+37369123456" in text and "xn--e1afmkfd.md" in text
    case = Case.objects.get()
    assert (case.offence_article, case.created_by.username) == ("220/1", "br.p1")


def _file_case(playwright: Any, base: str, secret: str) -> str:
    browser = launch_chromium(playwright)
    try:
        page = browser.new_page()
        login_browser(page, base, "br.p1", PASSWORD, secret)
        page.goto(f"{base}/cases/new/")
        page.fill("input[name=title]", "Вербовка веб-моделей")
        page.fill("textarea[name=summary]", "Объявления в Telegram")
        values = page.eval_on_selector_all("#id_offence option", "os => os.map(o => o.value)")
        page.select_option("#id_offence", value=next(v for v in values if v.endswith("|220/1|1")))
        page.check("#fact-adult_victim")
        page.check("#fact-online")
        page.check("input[name=urgency][value=urgent]")
        page.check("input[name=handling][value=H0]")
        page.fill("textarea[name=indicators]", "phone: +373 69 123 456\ndomain: Пример.MD")
        page.click("#case-form button[type=submit]")
        page.wait_for_url("**/cases/*/")
        assert page.get_by_role("heading", name="Индикаторы").is_visible()
        return str(page.inner_text("main"))
    finally:
        browser.close()


def test_prosecutor_pages_and_case_file_in_both_languages_and_widths(live_server: Any) -> None:
    """A prosecutor's view of the form (after an error), the case page and the printed
    case file, ru and en, 1366 and 390 px: nothing wider than the screen; the PDF has the
    node, the zone and the audit reference on every page."""
    import shutil
    import subprocess

    from playwright.sync_api import sync_playwright

    from tests import screens

    secret = totp_secret(create_user("br.p2", "prosecutor", "cyber"))
    connection.close()
    texts: dict[str, str] = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            login_browser(page, live_server.url, "br.p2", PASSWORD, secret)
            page.goto(f"{live_server.url}/cases/new/")
            page.fill("#id_title", "Вербовка веб-моделей")
            # Long enough for the case file to take several printed pages.
            page.fill(
                "#id_summary", "\n".join(f"Эпизод {n}: объявление в Telegram." for n in range(90))
            )
            values = page.eval_on_selector_all("#id_offence option", "os => os.map(o => o.value)")
            page.select_option("#id_offence", value=next(v for v in values if "|220/1|1" in v))
            page.check("#fact-online")
            page.check("input[name=urgency][value=immediate]")
            page.check("input[name=handling][value=H2]")
            page.click("#case-form button[type=submit]")
            page.wait_for_url("**/cases/*/")
            case_url = page.url
            for language in ("ru", "en"):
                page.context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                for width in (1366, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(f"{live_server.url}/cases/new/")
                    page.click("#case-form button[type=submit]")  # empty: errors everywhere
                    _fits(page, width)
                    screens.save(page, f"case-form-prosecutor-{language}-{width}")
                    page.goto(case_url)
                    _fits(page, width)
                    texts[f"page-{language}-{width}"] = page.inner_text("main")
                    screens.save(page, f"case-page-prosecutor-{language}-{width}")
                page.set_viewport_size({"width": 1366, "height": 900})
                page.goto(case_url + "print/")
                screens.save(page, f"case-file-{language}")
                pdf = screens.ROOT / "var" / "screenshots" / f"case-file-{language}.pdf"
                page.pdf(path=str(pdf), format="A4", print_background=True)
                tool = shutil.which("pdftotext")
                if tool is not None:
                    out = subprocess.run([tool, str(pdf), "-"], capture_output=True, check=True)
                    texts[f"pdf-{language}"] = out.stdout.decode()
        finally:
            browser.close()
    assert "H2: Не передавать третьим странам" in texts["page-ru-1366"]
    assert "H2: Not to be passed to any third country" in texts["page-en-390"]
    if "pdf-ru" not in texts:
        pytest.skip("pdftotext (Debian's poppler-utils) reads the printed pages one by one")
    for language, words in (
        ("ru", ("национальный узел", "запись №")),
        ("en", ("national node", "entry no.")),
    ):
        pages = texts[f"pdf-{language}"].split("\f")
        printed = [p for p in pages if p.strip()]
        assert len(printed) >= 2
        for text in printed:  # the running header and footer on every page
            assert all(w in text for w in words), text[:500]


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide on a {width} px screen"
