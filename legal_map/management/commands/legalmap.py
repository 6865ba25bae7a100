"""`legalmap load | compare | show | facts`: the legal map from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from legal_map import engine, selectors, services
from legal_map.models import Offence


def _ref(value: str, option: str) -> tuple[str, str, str]:
    """'MD:220/1' or 'MD:220/1:2' -> (country, article, part)."""
    bits = value.split(":")
    if len(bits) not in (2, 3) or not bits[0] or not bits[1]:
        raise CommandError(f"{option} takes COUNTRY:ARTICLE[:PART], e.g. MD:220/1")
    return bits[0].upper(), bits[1], bits[2] if len(bits) == 3 else ""


class Command(BaseCommand):
    help = "Load the legal-map catalogue, compare offences across countries, show an article."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load the catalogue data file (idempotent)")
        load.add_argument("--file", default="")
        load.add_argument("--force", action="store_true")
        cmp_ = sub.add_parser("compare", help="comparable offences in another country")
        cmp_.add_argument("--from", dest="source", required=True, help="COUNTRY:ARTICLE[:PART]")
        cmp_.add_argument("--part", default="")
        cmp_.add_argument("--to", required=True)
        cmp_.add_argument("--facts", default="")
        cmp_.add_argument("--date", default="")
        cmp_.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="an article with its parts and elements")
        show.add_argument("ref", help="COUNTRY:ARTICLE, e.g. KZ:309")
        show.add_argument("--json", action="store_true")
        sub.add_parser("facts", help="the fact vocabulary")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _load(self, options: dict[str, Any]) -> None:
        path = Path(options["file"]) if options["file"] else None
        changed, version, count = services.catalogue_load(path=path, force=options["force"])
        state = "loaded" if changed else "already loaded"
        self.stdout.write(f"catalogue v{version}: {count} records {state}")

    def _compare(self, options: dict[str, Any]) -> None:
        country, article, part = _ref(options["source"], "--from")
        facts = [f.strip() for f in options["facts"].split(",") if f.strip()]
        try:
            result = services.compare(
                country, article, part or options["part"], options["to"], facts, options["date"]
            )
        except services.LegalMapError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        src = result["source"]
        self.stdout.write(
            f"{src['country']} {src['article']} p.{src['part'] or '-'} -> "
            f"{result['target_country']} on {src['date']} (facts: {', '.join(facts) or '-'})"
        )
        for r in result["results"]:
            part_label = f" p.{r['part']}" if r["part"] else ""
            self.stdout.write(
                f"  {r['score']:.3f}  {r['country']} {r['article']}{part_label}  "
                f"[{r['status']}{'' if r['in_force_at_date'] else ', not in force at date'}; "
                f"{r['verification']}]  {r['title_en']}"
            )
            if r["missing_elements"]:
                self.stdout.write(f"         missing: {', '.join(r['missing_elements'])}")
        dc = result["dual_criminality"]
        self.stdout.write(f"dual criminality: {dc['verdict']}")
        for reason in dc["reasons"]:
            self.stdout.write(f"  - {reason}")

    def _show(self, options: dict[str, Any]) -> None:
        country, article, _part = _ref(options["ref"], "ref")
        parts = selectors.offence_parts(country, article)
        if not parts:
            raise CommandError(f"{country} art. {article} is not in the catalogue")
        if options["json"]:
            self.stdout.write(json.dumps([_row(o) for o in parts], ensure_ascii=False, indent=2))
            return
        for o in parts:
            self.stdout.write(f"{o} - {o.code} [{o.status}; {o.verification}]")
            self.stdout.write(f"  ru: {o.title_ru}")
            self.stdout.write(f"  en: {o.title_en}")
            if o.title_national:
                self.stdout.write(f"  {o.national_language}: {o.title_national}")
            self.stdout.write(f"  elements: {json.dumps(o.elements, ensure_ascii=False)}")
            self.stdout.write(f"  ICCS: {', '.join(o.iccs) or '-'}")
            interval = f"{o.in_force_from or '?'} .. {o.in_force_to or ''}"
            if o.in_force_from_certain:
                interval += f" (day unknown; certainly from {o.in_force_from_certain})"
            self.stdout.write(f"  in force: {interval} {o.in_force_note}")
            for a in o.amendments:
                unsure = a.get("from_certain")
                day = f" (day unknown; certainly from {unsure})" if unsure else ""
                self.stdout.write(
                    f"  amendment [{a['status']}; {a['verification']}] {a.get('from') or '?'}"
                    f"{day} .. {a.get('to') or ''}: {a['ref']} - {a.get('title_en', '')}"
                )
            if o.penalty_text:
                self.stdout.write(f"  penalty: {o.penalty_text}")
            self.stdout.write(f"  source: {o.source_url or o.source_document or '-'}")
            for src in o.sources:
                self.stdout.write(f"  source: {json.dumps(src, ensure_ascii=False)}")
            if o.official_version:
                self.stdout.write(f"  official text of: {o.official_version}")
            self.stdout.write(f"  confidence: {o.confidence_detail}")

    def _facts(self, options: dict[str, Any]) -> None:
        for t in selectors.facts_vocabulary():
            self.stdout.write(f"{t['tag']:28} {t['kind']:12} {t['label_en']} / {t['label_ru']}")


def _row(o: Offence) -> dict[str, Any]:
    return {
        "country": o.country,
        "code": o.code,
        "article": o.article,
        "part": o.part,
        "item": o.item,
        "title_ru": o.title_ru,
        "title_en": o.title_en,
        "title_national": o.title_national,
        "elements": o.elements,
        "iccs": o.iccs,
        "penalties": o.penalties,
        "penalty_text": o.penalty_text,
        "in_force_from": o.in_force_from.isoformat() if o.in_force_from else None,
        "in_force_from_certain": (
            o.in_force_from_certain.isoformat() if o.in_force_from_certain else None
        ),
        "in_force_to": o.in_force_to.isoformat() if o.in_force_to else None,
        "status": o.status,
        "amendments": o.amendments,
        "source_url": o.source_url,
        "sources": o.sources,
        "official_version": o.official_version.isoformat() if o.official_version else None,
        "verification": o.verification,
        "article_key": engine.article_key(o.article),
    }
