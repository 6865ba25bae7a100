"""Our catalogues are the ones the pages speak.

Every entry of every project catalogue (the compiled `.mo` committed beside each `.po`)
must come out of the active Russian catalogue unchanged: a third-party catalogue (Django
admin's "Summary" → "Краткая статистика") or another of our apps translating the same
msgid differently would otherwise replace it on some page, silently.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

ROOT = Path(settings.BASE_DIR)


def _our_catalogues() -> list[Path]:
    folders = [ROOT, *(ROOT / app for app in settings.PROJECT_APPS)]
    found = [folder / "locale" / "ru" / "LC_MESSAGES" / "django.mo" for folder in folders]
    return [path for path in found if path.exists()]


def test_every_project_app_catalogue_is_checked() -> None:
    apps_with_po = {p.parts[-5] for p in ROOT.glob("*/locale/ru/LC_MESSAGES/django.po")}
    checked = {p.parts[-5] for p in _our_catalogues()}
    assert apps_with_po <= checked, "a catalogue without its compiled .mo: run compilemessages"


def test_our_translations_win() -> None:
    overridden = []
    with translation.override("ru"):
        active = trans_real.translation("ru")._catalog  # type: ignore[attr-defined]
        for mo in _our_catalogues():
            with mo.open("rb") as handle:
                ours = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
            for key, msgstr in ours.items():
                if not key or not msgstr:
                    continue
                got = _(key) if isinstance(key, str) and "\x04" not in key else active.get(key)
                if got != msgstr:
                    where = mo.relative_to(ROOT).parts[0]
                    overridden.append(f"{where}: {key!r} is {got!r}, ours {msgstr!r}")
    assert not overridden, "\n".join(overridden)


def test_the_summary_label_is_ours() -> None:
    with translation.override("ru"):
        assert _("Summary") == "Краткое содержание"
