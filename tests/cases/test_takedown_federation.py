"""Three real nodes and Chromium (issue 19, point 4): KG's coordinator files a takedown
in the form (a bad target line first: the error names the line, nothing typed is lost),
KZ blocks both targets, TJ refuses them with a reason, a step back at KZ without a
reason is refused with a clear error, and KG's board shows, for every (target, country),
the state KZ's and TJ's own pages show. The statistics page draws its chart. The whole
walk runs in Russian and in English.
Screenshots: var/screenshots/takedown-*.png (1366 and 390 px, ru and en).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from deploy.federation import Federation
from tests import screens
from tests.accounts.helpers import PASSWORD, launch_chromium, login_browser, new_secret
from tests.fednet import federation  # noqa: F401 (the fixture)
from tests.polling import wait_for

pytestmark = [pytest.mark.federation, pytest.mark.browser]

CREATE = """
import json
from accounts import services
for name, secret in json.loads(%r):
    services.user_create(username=name, role="coordinator", password=%r, unit="hq",
                         totp_secret=secret)
"""
TARGETS = ["webcam-jobs.kg", "https://models-work.example/apply"]
WORDS = {
    "ru": {
        "blocked": "Заблокировано",
        "line": "Строка 2",
        "back": ("шаг назад", "причину"),
        "KZ": "Казахстан",
        "TJ": "Таджикистан",
    },
    "en": {
        "blocked": "Blocked",
        "line": "Line 2",
        "back": ("step back", "reason"),
        "KZ": "Kazakhstan",
        "TJ": "Tajikistan",
    },
}
REASON = "Материалы не противоправны по законодательству Таджикистана"


def people(fed: Federation) -> dict[str, str]:
    secrets = {}
    for country in ("KG", "KZ", "TJ"):
        name = f"{country.lower()}.coord"
        secrets[name] = new_secret()
        fed.node(country).manage(
            "shell", "-c", CREATE % (json.dumps([[name, secrets[name]]]), PASSWORD)
        )
    return secrets


def set_language(page: Any, base: str, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def inbound_item(fed: Federation, country: str) -> int:
    def found() -> int | None:
        rows = fed.node(country).sql(
            "SELECT i.id FROM cases_inbounditem i WHERE i.kind = 'takedown' "
            "AND (SELECT count(*) FROM cases_inboundtakedowntarget t WHERE t.item_id = i.id) = 2"
        )
        return int(rows[0][0]) if rows else None

    return int(wait_for(found))


def report(page: Any, target: str, status: str, note: str = "") -> None:
    item = page.locator("ul.td-inbound-targets > li").filter(has_text=target).first
    item.locator("select[name=status]").select_option(status)
    item.locator("input[name=text]").fill(note)
    item.locator("button[type=submit]").click()
    page.wait_for_load_state()


def decider_states(page: Any) -> dict[str, str]:
    """target -> the state the decider's page shows, in words."""
    out = {}
    for li in page.locator("ul.td-inbound-targets > li").all():
        out[li.locator(".td-target").inner_text().strip()] = (
            li.locator(".target-status").inner_text().replace("\xa0", " ").strip()
        )
    return out


def board_states(page: Any) -> dict[tuple[str, str], str]:
    """(target, country column) -> the state KG's board shows, in words."""
    grid = page.locator("table.td-grid").first
    countries = [th.inner_text().strip() for th in grid.locator("thead th").all()][1:]
    out = {}
    for row in grid.locator("tbody tr").all():
        target = row.locator("th").inner_text().strip()
        for country, cell in zip(countries, row.locator("td").all(), strict=True):
            out[(target, country)] = cell.locator(".td-state").inner_text().strip()
    return out


def icon_free(text: str) -> str:
    return re.sub(r"^[^\w]+", "", text.replace("\xa0", " ")).strip()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_kg_files_in_the_form_kz_blocks_tj_refuses_and_both_sides_agree(
    federation: Callable[..., Federation],  # noqa: F811
    language: str,
) -> None:
    from playwright.sync_api import sync_playwright

    words = WORDS[language]
    fed = federation("KG", "KZ", "TJ")
    secrets = people(fed)
    kg, kz, tj = (fed.node(c).url for c in ("KG", "KZ", "TJ"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # KG files the request in the form: first with a bad line, then corrected.
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(page, kg, "kg.coord", PASSWORD, secrets["kg.coord"])
            set_language(page, kg, language)
            page.goto(f"{kg}/cases/takedowns/new/")
            page.fill("#id_targets", f"{TARGETS[0]}\nне адрес")
            basis = page.locator("#id_legal_basis option[value^='KG|']").first
            page.select_option("#id_legal_basis", basis.get_attribute("value"))
            page.check("input[name=requested_action][value=block]")
            page.check("input[name=to][value=KZ]")
            page.check("input[name=to][value=TJ]")
            page.check("input[name=handling][value=H0]")
            page.click("#takedown-form button[type=submit]")
            error = page.locator("#field-targets .errorlist").inner_text()
            assert words["line"] in error and "не адрес" in error
            assert page.input_value("#id_targets") == f"{TARGETS[0]}\nне адрес"
            assert page.is_checked("input[name=to][value=TJ]")
            screens.save(page, f"takedown-form-error-{language}-1366")
            page.fill("#id_targets", "\n".join(TARGETS))
            page.click("#takedown-form button[type=submit]")
            page.wait_for_url(re.compile(r"/cases/takedowns/\d+/$"))
            detail_url = page.url

            # KZ blocks both targets, then tries a step back without a reason.
            kz_item = inbound_item(fed, "KZ")
            decider = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(decider, kz, "kz.coord", PASSWORD, secrets["kz.coord"])
            set_language(decider, kz, language)
            decider.goto(f"{kz}/cases/inbound/{kz_item}/")
            for target in TARGETS:
                report(decider, target, "blocked")
            report(decider, TARGETS[0], "received")
            # Refused beside the field of that target (what was chosen is kept).
            refused = decider.locator("ul.td-inbound-targets > li").filter(has_text=TARGETS[0])
            refusal = refused.locator(".errorlist").first.inner_text()
            assert all(w in refusal for w in words["back"]), refusal
            decider.goto(f"{kz}/cases/inbound/{kz_item}/")  # what the service stored
            kz_states = decider_states(decider)
            assert {t: icon_free(s) for t, s in kz_states.items()} == {
                t: words["blocked"] for t in TARGETS
            }
            screens.save(decider, f"takedown-kz-decided-{language}-1366")

            # TJ refuses both with a reason.
            tj_item = inbound_item(fed, "TJ")
            refuser = browser.new_page(viewport={"width": 1366, "height": 900})
            login_browser(refuser, tj, "tj.coord", PASSWORD, secrets["tj.coord"])
            set_language(refuser, tj, language)
            refuser.goto(f"{tj}/cases/inbound/{tj_item}/")
            for target in TARGETS:
                report(refuser, target, "refused", REASON)
            tj_states = decider_states(refuser)

            # KG's board converges to what the deciders' pages show.
            want = {
                (t, c): states[t]
                for c, states in ((words["KZ"], kz_states), (words["TJ"], tj_states))
                for t in TARGETS
            }

            def agreed() -> dict[tuple[str, str], str] | None:
                page.goto(detail_url)
                seen = board_states(page)
                ok = {k: icon_free(v) for k, v in seen.items()} == {
                    k: icon_free(v) for k, v in want.items()
                }
                return seen if ok else None

            wait_for(agreed)
            assert page.locator("td.st-refused .td-reason").first.inner_text().endswith(REASON)
            assert page.locator("td.st-refused").count() == 2
            assert page.locator("td.st-blocked").count() == 2

            # Both sides in the page's language, at 1366 and 390 px: screenshots.
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{kg}/cases/takedowns/")
                text = page.inner_text("main")
                assert words["blocked"] in text and REASON in text
                assert not any(raw in text for raw in ("under_review", "order_issued"))
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width + 1, f"board overflows at {width}px ({wide})"
                screens.save(page, f"takedown-board-{language}-{width}")
                page.goto(detail_url)
                screens.save(page, f"takedown-detail-{language}-{width}")
                page.goto(f"{kg}/cases/takedowns/statistics/")
                page.wait_for_selector("canvas#td-trend[data-drawn='1']")
                # The chart has KZ's time to block; the table counts TJ's refusals.
                chart = json.loads(page.locator("#td-trend-data").text_content() or "{}")
                drawn = {d["label"]: d["data"] for d in chart["datasets"]}
                assert list(drawn) == [words["KZ"]], drawn
                assert [v for v in drawn[words["KZ"]] if v is not None], drawn
                rows = {
                    r.locator("th").inner_text().strip(): [
                        td.inner_text().strip() for td in r.locator("td").all()
                    ]
                    for r in page.locator("table.td-per-country tbody tr").all()
                }
                assert rows[words["KZ"]][0] == "2" and rows[words["TJ"]][2] == "2", rows
                assert rows[words["KZ"]][4] == rows[words["TJ"]][4] == "0", rows  # pending
                screens.save(page, f"takedown-statistics-{language}-{width}")
                page.goto(f"{kg}/cases/takedowns/new/")
                screens.save(page, f"takedown-form-{language}-{width}")
                decider.set_viewport_size({"width": width, "height": 900})
                decider.goto(f"{kz}/cases/inbound/{kz_item}/")
                wide = decider.evaluate("document.documentElement.scrollWidth")
                assert wide <= width + 1, f"KZ's item overflows at {width}px ({wide})"
                screens.save(decider, f"takedown-kz-inbound-{language}-{width}")
        finally:
            browser.close()
