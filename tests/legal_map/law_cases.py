# ruff: noqa: E501
"""Held-out dual-criminality cases, written from the law, not from the engine.

Each case states what the law of the two states allows the verdict to be. The expectations
were written from the sources named in `cite` (article texts, secondary sources, the OSCE
seed document) without running the engine and without reading legal_map/engine.py or
legal_map/data/*.json, so that they check the engine and the catalogue independently.

Conventions relied on:
- extradition (Minsk Convention 1993 art. 56; Chisinau Convention 2002; for MD also the
  European Convention on Extradition 1957 art. 2): the act must be punishable in both
  states by deprivation of liberty of at least one year (maximum >= 1 year);
- mla: no penalty threshold (a criminal offence in both states is enough);
- takedown: the conduct must be unlawful in the requested state, criminally or
  administratively.

Verdict sets:
- SAT: the law of both states makes the conduct a crime (and meets the threshold): the
  engine may say "satisfied" or, because the catalogue rests on secondary sources,
  "uncertain"; never "not_satisfied" (a catalogue gap is "uncertain").
- NOT: the law rules dual criminality out (or does not establish it): never "satisfied".
- NO: the law plainly rules it out.
- ANY: the law leaves the verdict open; the case only checks which article may be on top
  (`top`) or may not be on top (`not_top`).

Sources (paths relative to /work/main):
  R    = ../shared/legal/offences-research.md (section given)
  J    = ../shared/legal/offences-draft.json
  SEED = ../shared/seed/000_d424d51fe1204e68.txt (line numbers)
"""

from __future__ import annotations

from dataclasses import dataclass

SAT = frozenset({"satisfied", "uncertain"})
NOT = frozenset({"uncertain", "not_satisfied"})
NO = frozenset({"not_satisfied"})
ANY = frozenset({"satisfied", "uncertain", "not_satisfied"})

COUNTRIES = ("KZ", "KG", "UZ", "TJ", "MD")
DATE = "2025-03-01"  # after the KZ 2024 "other sexual services" law and the KG 2024 webcam law

# Recurring citations.
MD165 = "MD CC 165(1) requires threat/violence, deception or abuse of vulnerability: http://www.legislationline.org/documents/action/popup/id/21223 (5-12 yrs); R §5"
MD206 = "MD CC 206 child trafficking (no means needed), 10-12 yrs (US TIP 2023): R §5"
MD168 = "MD CC 168 forced labour, up to 3 yrs (US TIP 2023): R §5; Ionita & Donciu https://www.scribd.com/document/208954234/1927-7074-1-PB"
MD220 = "MD CC 220 proxenetism: determination (any method) or facilitation of prostitution or deriving profit from another's prostitution: juridicemoldova.md/10581; R §5; docslib.org/doc/9641981"
MD2201 = "MD CC 220/1 full text, p.1 up to 2 yrs, p.2 (b) two or more persons up to 3 yrs, adults only, excludes THB and child pornography: SEED l.1232-1275; juridicemoldova.md/17259"
MD2081 = "MD CC 208/1 child pornography (production, distribution, possession): juridicemoldova.md/14108; SEED l.1204-1213; R §5"
MD3621 = "MD CC 362/1 organisation of illegal migration: lex.justice.md/md/347204; R §5"
KZ128 = "KZ CC 128 trafficking: transaction 'а равно его эксплуатация', recruitment, transport etc. for exploitation; no means required; 4-7 yrs (SC normative resolution No. 7, http://insecure.zan.kz/eng/docs/P120000007S; labirint.online); R §1"
KZ135 = "KZ CC 135 trafficking in minors, 5-7/5-9 yrs: massaget.kz/qaarc/qa/19210; R §1"
KZ308 = "KZ CC 308 involvement in prostitution / other sexual services (means: violence, threat, blackmail, property damage, deception): R §1 (means unverified); tengrinews 264004"
KZ309 = "KZ CC 309 brothels and pimping; 2024 wording adds 'other sexual services' incl. remote real-time via telecom networks (in force Sept 2024); p.1 up to 5 yrs: https://en.tengrinews.kz/news_overview/sexual-services-via-the-internet-now-punishable-in-264004 ; dereksiz.org; R §0, §1"
KZ312 = "KZ CC 312 CSAM and involving minors in pornographic shows; charged for webcam with minors: SEED l.1933-1940; R §1"
KZ3091 = "KZ 309-1 is a 2023 proposal, not enacted: SEED l.281-284; ../shared/legal/README.md; R §0"
KG166 = "KG CC 2021 art. 166 trafficking (3-5 yrs), 167 trafficking of children (5-8 yrs): US TIP 2022 KG; R §2"
KG159 = "KG CC 2021 art. 159 engaging in prostitution by force, threat or fraud (fine or up to 5 yrs): US TIP 2022 KG; R §2; J"
KGWEB = "KG 2024 webcam-studio law: organising/facilitating prostitution online live via webcam studio: fine only (USD 1,155-2,310); by a group up to 5 yrs; organised group up to 7; minors up to 15: https://gadgetonus.com/hot-news/186426.html ; https://pravda-en.com/russia/2024/09/07/726475.html ; R §2"
KG162 = "KG CC art. 162 manufacture and distribution of child pornography: SEED l.1610-1612"
KG171 = "KG CC 2017 (in force 01.01.2019, repealed by Law No. 126 of 28.10.2021) art. 171 trafficking: http://cbd.minjust.gov.kg/act/view/ky-kg/111527 ; US TIP 2019/2021; R §0, §2"
UZ135 = "UZ CC 135 trafficking (purchase/sale, recruitment, transport ... for exploitation; no means element in p.1; p.3 minor): R §3; J"
UZ131 = "UZ CC 131 keeping brothels and procuration, up to 7 yrs (2008): antislaverylaw.ac.uk/country/uzbekistan; R §3"
UZ130 = "UZ CC 130 pornography: p.1 only after an administrative penalty, no imprisonment (fine / correctional labour / 6 months arrest); minors part 3-5 yrs; ZRU-658 (2020) Internet: uzdaily.uz/en/uzbekistan-strengthens-law-to-fight-pornography ; norma.uz text165961; R §3"
UZ1482 = "UZ CC 148-2 forced labour: only after an administrative penalty; fine, deprivation of a right or correctional labour, NO imprisonment: murojaat24.uz/oz/main/news/bW2aX7C1UO ; fergana.media/news/114439; R §3"
UZ223 = "UZ CC 223 illegal exit / entry: R §3 (fayllar.org OSCE list)"
TJ1301 = "TJ CC 130-1 trafficking (5-15 yrs); force/fraud requirement removed only for child sex trafficking (2019): scitepress 2021; US TIP 2015, 2019 (ecoi.net/2010918); R §4"
TJ167 = "TJ CC 167 trafficking of minors (5-15 yrs): R §4"
TJ1302 = "TJ CC 130-2 use of slave labour (5-12 yrs): US TIP 2015; svom.info 25.12.2013; R §4"
TJ239 = "TJ CC 239 brothels, procuring or pimping; up to 8 yrs since 2018: https://www.asiaplustj.info/en/news/tajikistan/laworder/20181128/tajikistan-toughens-punishment-for-brothel-keeping ; R §4"
TJ2412 = "TJ CC 241-2 use of minors to produce pornographic materials: US TIP 2015; R §4"
TJ335 = "TJ CC 335 illegal crossing of the State border, p.1 fine or 2-5 yrs: directory.zerkalo.tj/info/255; R §4"
KZ392 = "KZ CC 392 illegal crossing of the State border (p.1 up to 1 yr, from 17.09.2025 up to 3 yrs): alau.kz; lada.kz 143292; R §1"
KZ394 = "KZ CC 394 organisation of illegal migration (p.1 up to 2 yrs, from 17.09.2025 up to 3): lada.kz; alau.kz; R §1"
EXTR = "Minsk Convention 1993 art. 56 / Chisinau Convention 2002 / ECE 1957 art. 2: >= 1 year deprivation of liberty in both states"


@dataclass(frozen=True)
class LawCase:
    name: str
    source: tuple[str, str, str]  # country, article, part ("" = basic part)
    to: str
    facts: tuple[str, ...]
    date: str = DATE
    purpose: str = "mla"
    decision_date: str | None = None
    allowed: frozenset[str] = SAT
    # If "satisfied": the first in-force criminal result (for takedown, criminal or
    # contravention) is one of `top` and none of `not_top`.
    top: tuple[str, ...] = ()
    not_top: tuple[str, ...] = ()
    cite: str = ""
    # The source article may be outside the catalogue: skip on LookupError.
    may_be_missing: bool = False
    raises: str = ""  # "LegalMapError": the call must raise it
    refusal_ok: bool = False  # a LegalMapError is also an acceptable answer (e.g. a draft source)


ADULT_WEBCAM = ("adult_victim", "online", "webcam", "profit", "sexual_services", "inducement")
MINOR_WEBCAM = ("minor_victim", "online", "webcam", "profit", "sexual_services", "inducement")
PIMPING_ADULT = ("pimping", "prostitution", "adult_victim", "profit")
PIMPING_BROTHEL = (*PIMPING_ADULT, "brothel")
THB_ADULT_NO_MEANS = ("trafficking", "recruitment", "sexual_exploitation", "adult_victim")
THB_ADULT_DECEPTION = (
    "trafficking",
    "recruitment",
    "deception",
    "sexual_exploitation",
    "adult_victim",
)
THB_ADULT_COERCION = ("trafficking", "recruitment", "coercion", "forced_labour", "adult_victim")
THB_MINOR = ("trafficking", "recruitment", "sexual_exploitation", "minor_victim")
CSAM_PRODUCTION = ("csam_production", "minor_victim", "minor_depicted", "online")
CSAM_DISTRIBUTION = ("csam_distribution", "minor_depicted", "online")
FORCED_LABOUR_ADULT = ("forced_labour", "exploiting_person", "coercion", "adult_victim")
FORCED_LABOUR_ADMIN = (*FORCED_LABOUR_ADULT, "administrative_prejudice")
MIGRATION = ("migration", "profit")
BORDER = ("border_crossing",)

CASES: tuple[LawCase, ...] = (
    # ------------------------------------------------------------------ MD -> KZ
    LawCase(
        "md2201_adult_webcam_to_kz_2025",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        top=("309",),
        cite=f"{MD2201}; {KZ309}; 309-1 draft: {KZ3091}",
    ),
    LawCase(
        "md2201_adult_webcam_to_kz_2025_extradition",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        purpose="extradition",
        top=("309",),
        cite=f"{MD2201} (p.1 up to 2 yrs); {KZ309} (p.1 up to 5 yrs); {EXTR}",
    ),
    LawCase(
        "md2201_minor_webcam_to_kz_312_first",
        ("MD", "220/1", ""),
        "KZ",
        MINOR_WEBCAM,
        top=("312",),
        cite=f"{KZ312}; MD 220/1 facts with a minor are child pornography in MD (208/1): juridicemoldova.md/17259",
    ),
    LawCase(
        "md2201_adult_webcam_to_kz_before_2024_amendment",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        date="2023-06-01",
        allowed=NOT,
        cite=f"{KZ309}: before Sept 2024 KZ 308/309 spoke of prostitution only; online display is not prostitution (MD Constitutional Court, SEED l.1180-1200); 309-1 only proposed: {KZ3091}",
    ),
    LawCase(
        "md2201_adult_webcam_conduct_2023_decision_2025_to_kz",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        date="2023-06-01",
        decision_date="2025-03-01",
        purpose="extradition",
        allowed=NOT,
        cite=f"{KZ309}: KZ criminalised remote sexual services from Sept 2024; conduct of 2023 was not punishable in KZ when committed (KZ CC art. 5 non-retroactivity); {EXTR}",
    ),
    LawCase(
        "md220_weakest_alternative_to_kz",
        ("MD", "220", ""),
        "KZ",
        ("prostitution", "adult_victim", "profit"),
        allowed=NOT,
        cite=f"{MD220}: with no facts on the alternative, the weakest one (non-coercive determination, or profit from another's prostitution) must hold; KZ reaches inducement only with violence/threat/blackmail/deception (308) and brothels/pimping (309): {KZ308}; {KZ309}",
    ),
    LawCase(
        "md220_noncoercive_inducement_to_kz_not_308",
        ("MD", "220", ""),
        "KZ",
        ("inducement", "prostitution", "adult_victim", "profit"),
        allowed=ANY,
        top=("309",),
        not_top=("308",),
        cite=f"{MD220}; {KZ308}: 308 p.1 needs violence/threat/blackmail/deception, so only 309 could carry non-coercive conduct; {KZ309}",
    ),
    LawCase(
        "md168_forced_labour_without_recruitment_to_kz",
        ("MD", "168", ""),
        "KZ",
        FORCED_LABOUR_ADULT,
        top=("128",),
        cite=f"{MD168}; {KZ128} ('а равно его эксплуатация'; KZ CC art. 3 p.1 definition of exploitation incl. forced labour: zakonpravo.kz)",
    ),
    LawCase(
        "md2081_simple_possession_to_kz",
        ("MD", "208/1", ""),
        "KZ",
        ("csam_possession", "minor_depicted"),
        allowed=NOT,
        cite=f"{MD2081} (deţinerea = possession); KZ 312 p.1 reaches manufacture/storage/moving only 'в целях распространения, публичной демонстрации или рекламирования' (memory, R §1: unverified) - simple possession is not a KZ crime",
    ),
    LawCase(
        "md165_before_any_code_1980",
        ("MD", "165", ""),
        "KZ",
        THB_ADULT_COERCION,
        date="1980-01-01",
        raises="LegalMapError",
        cite="MD CC No. 985/2002 (2002) and KZ CC 2014 did not exist in 1980: R §1, §5",
    ),
    # ------------------------------------------------------------------ MD -> KG
    LawCase(
        "md165_deception_to_kg",
        ("MD", "165", ""),
        "KG",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("166",),
        cite=f"{MD165}; {KG166}; {EXTR}",
    ),
    LawCase(
        "md165_conduct_2020_to_kg_old_code",
        ("MD", "165", ""),
        "KG",
        THB_ADULT_DECEPTION,
        date="2020-05-01",
        decision_date="2025-03-01",
        purpose="extradition",
        top=("171", "166"),
        cite=f"{MD165}; {KG171}; {KG166}: trafficking by deception punishable in KG both under the 2017 code at the conduct date and under the 2021 code at the decision date",
    ),
    LawCase(
        "md2201_adult_webcam_to_kg_mla",
        ("MD", "220/1", ""),
        "KG",
        ADULT_WEBCAM,
        not_top=("159",),
        cite=f"{MD2201}; {KGWEB}; {KG159}: 159 needs force/threat/fraud",
    ),
    LawCase(
        "md2201_adult_webcam_single_to_kg_extradition",
        ("MD", "220/1", ""),
        "KG",
        ADULT_WEBCAM,
        purpose="extradition",
        allowed=NOT,
        cite=f"{MD2201}; {KGWEB}: the basic KG offence (one organiser) carries only a fine; {EXTR}",
    ),
    LawCase(
        "md2201_p2_group_webcam_to_kg_extradition",
        ("MD", "220/1", "2"),
        "KG",
        (*ADULT_WEBCAM, "group"),
        purpose="extradition",
        not_top=("159",),
        cite=f"{MD2201} p.2(b) two or more persons, up to 3 yrs; {KGWEB}: by a group up to 5 yrs; {EXTR}",
    ),
    LawCase(
        "md220_weakest_alternative_to_kg",
        ("MD", "220", ""),
        "KG",
        ("prostitution", "adult_victim", "profit"),
        allowed=NOT,
        cite=f"{MD220}; {KG159}: KG engaging in prostitution needs force, threat or fraud; prostitution itself not a crime in KG (loc.gov 2014)",
    ),
    LawCase(
        "md220_noncoercive_inducement_to_kg_not_159",
        ("MD", "220", ""),
        "KG",
        ("inducement", "prostitution", "adult_victim", "profit"),
        allowed=ANY,
        not_top=("159",),
        cite=f"{MD220}; {KG159}",
    ),
    # ------------------------------------------------------------------ MD -> UZ
    LawCase(
        "md168_forced_labour_to_uz_extradition",
        ("MD", "168", ""),
        "UZ",
        FORCED_LABOUR_ADULT,
        purpose="extradition",
        allowed=NOT,
        cite=f"{MD168}; {UZ1482}: the only UZ forced-labour offence has no imprisonment, and trafficking (135) needs a transaction/recruitment: {UZ135}; {EXTR}",
    ),
    LawCase(
        "md168_forced_labour_after_admin_penalty_to_uz_mla",
        ("MD", "168", ""),
        "UZ",
        FORCED_LABOUR_ADMIN,
        top=("148-2",),
        cite=f"{MD168}; {UZ1482}: a crime after an administrative penalty; mla has no penalty threshold",
    ),
    LawCase(
        "md2081_simple_possession_to_uz",
        ("MD", "208/1", ""),
        "UZ",
        ("csam_possession", "minor_depicted"),
        allowed=NOT,
        cite=f"{MD2081}; {UZ130}: 130 reaches production, import, distribution, advertising, demonstration - not simple possession",
    ),
    LawCase(
        "md220_pimping_to_uz",
        ("MD", "220", ""),
        "UZ",
        PIMPING_ADULT,
        purpose="extradition",
        top=("131",),
        cite=f"{MD220}; {UZ131}; {EXTR}",
    ),
    LawCase(
        "md3621_migration_to_uz",
        ("MD", "362/1", ""),
        "UZ",
        MIGRATION,
        cite=f"{MD3621}; {UZ223} (organising another's illegal exit/entry is at least complicity in 223; a dedicated UZ article is unverified, so no top)",
    ),
    # ------------------------------------------------------------------ MD -> TJ
    LawCase(
        "md165_adult_deception_to_tj",
        ("MD", "165", ""),
        "TJ",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("130-1", "132"),
        cite=f"{MD165}; {TJ1301}; TJ 132 recruitment for exploitation by fraud (US TIP 2015); {EXTR}",
    ),
    LawCase(
        "md167_slavery_to_tj",
        ("MD", "167", ""),
        "TJ",
        ("slavery", "forced_labour", "coercion", "adult_victim"),
        top=("130-2",),
        cite=f"MD CC 167 slavery and slavery-like conditions (ibn.idsi.md/vizualizare_articol/113457; R §5); {TJ1302}",
    ),
    LawCase(
        "md220_pimping_to_tj",
        ("MD", "220", ""),
        "TJ",
        PIMPING_ADULT,
        purpose="extradition",
        top=("239",),
        cite=f"{MD220}; {TJ239}; {EXTR}",
    ),
    LawCase(
        "md2081_csam_production_to_tj",
        ("MD", "208/1", ""),
        "TJ",
        CSAM_PRODUCTION,
        top=("241-2", "241-1"),
        cite=f"{MD2081}; {TJ2412}",
    ),
    # ------------------------------------------------------------------ KZ -> MD
    LawCase(
        "kz309_webcam_2025_to_md",
        ("KZ", "309", ""),
        "MD",
        ("pimping", "sexual_services", "online", "webcam", "adult_victim", "profit"),
        purpose="extradition",
        top=("220/1",),
        cite=f"{KZ309}; {MD2201}; {EXTR}",
    ),
    LawCase(
        "kz3091_draft_source_to_md",
        ("KZ", "309-1", ""),
        "MD",
        ("advertising", "sexual_services", "online"),
        allowed=NOT,
        refusal_ok=True,
        cite=f"{KZ3091}: a draft is no offence of the requesting state",
    ),
    LawCase(
        "kz128_adult_no_means_to_md",
        ("KZ", "128", ""),
        "MD",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{KZ128}: KZ needs no means; {MD165}: an adult victim needs a means",
    ),
    LawCase(
        "kz128_minor_to_md_206",
        ("KZ", "128", ""),
        "MD",
        THB_MINOR,
        purpose="extradition",
        top=("206",),
        cite=f"{KZ128}; {MD206}; {EXTR}",
    ),
    LawCase(
        "kz312_minor_webcam_show_to_md",
        ("KZ", "312", ""),
        "MD",
        ("minor_sexual_performance", "minor_victim", "webcam", "online", "profit"),
        purpose="extradition",
        top=("208/1",),
        not_top=("220/1",),
        cite=f"{KZ312}; {MD2081}; MD 220/1 excludes minors (juridicemoldova.md/17259); {EXTR}",
    ),
    LawCase(
        "kz394_migration_to_md",
        ("KZ", "394", ""),
        "MD",
        MIGRATION,
        top=("362/1",),
        cite=f"{KZ394}; {MD3621}",
    ),
    # ------------------------------------------------------------------ KZ -> KG
    LawCase(
        "kz128_adult_no_means_to_kg",
        ("KZ", "128", ""),
        "KG",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{KZ128}; {KG166} (adult trafficking needs a means under KG 166 - per the review brief; US TIP 2022)",
    ),
    LawCase(
        "kz135_minor_to_kg",
        ("KZ", "135", ""),
        "KG",
        THB_MINOR,
        purpose="extradition",
        top=("167", "166"),
        cite=f"{KZ135}; {KG166}; {EXTR}",
    ),
    LawCase(
        "kz312_csam_to_kg",
        ("KZ", "312", ""),
        "KG",
        CSAM_DISTRIBUTION,
        top=("162",),
        cite=f"{KZ312}; {KG162}",
    ),
    LawCase(
        "kz309_pimping_to_kg_not_159",
        ("KZ", "309", ""),
        "KG",
        PIMPING_BROTHEL,
        allowed=SAT,
        not_top=("159",),
        cite=f"{KZ309}; brothels/pimping criminal in KG (loc.gov 2014; en.wikipedia Prostitution_in_Kyrgyzstan; rt.com 588295); {KG159}: 159 needs force/threat/fraud so it cannot be the match",
    ),
    # ------------------------------------------------------------------ KZ -> UZ
    LawCase(
        "kz128_adult_no_means_to_uz",
        ("KZ", "128", ""),
        "UZ",
        THB_ADULT_NO_MEANS,
        purpose="extradition",
        top=("135",),
        cite=f"{KZ128}; {UZ135}; {EXTR}",
    ),
    LawCase(
        "kz128_forced_labour_to_uz_extradition",
        ("KZ", "128", ""),
        "UZ",
        FORCED_LABOUR_ADULT,
        purpose="extradition",
        allowed=NOT,
        cite=f"{KZ128} (exploitation alone); {UZ1482}: no imprisonment; UZ 135 needs a transaction or recruitment: {UZ135}; {EXTR}",
    ),
    LawCase(
        "kz392_border_to_uz",
        ("KZ", "392", ""),
        "UZ",
        BORDER,
        purpose="extradition",
        top=("223",),
        cite=f"{KZ392}; {UZ223}; {EXTR}",
    ),
    LawCase(
        "kz312_csam_to_uz",
        ("KZ", "312", ""),
        "UZ",
        CSAM_DISTRIBUTION,
        purpose="takedown",
        top=("130",),
        cite=f"{KZ312}; {UZ130}",
    ),
    # ------------------------------------------------------------------ KZ -> TJ
    LawCase(
        "kz128_adult_no_means_to_tj",
        ("KZ", "128", ""),
        "TJ",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{KZ128}; {TJ1301}: adults still need force/fraud",
    ),
    LawCase(
        "kz392_border_to_tj",
        ("KZ", "392", ""),
        "TJ",
        BORDER,
        purpose="extradition",
        top=("335",),
        cite=f"{KZ392}; {TJ335}; {EXTR}",
    ),
    LawCase(
        "kz309_pimping_to_tj",
        ("KZ", "309", ""),
        "TJ",
        PIMPING_BROTHEL,
        purpose="extradition",
        top=("239",),
        cite=f"{KZ309}; {TJ239}; {EXTR}",
    ),
    # ------------------------------------------------------------------ KG -> KZ
    LawCase(
        "kg166_deception_to_kz",
        ("KG", "166", ""),
        "KZ",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("128",),
        cite=f"{KG166}; {KZ128}; {EXTR}",
    ),
    LawCase(
        "kg171_old_code_2020_to_kz",
        ("KG", "171", ""),
        "KZ",
        THB_ADULT_DECEPTION,
        date="2020-05-01",
        top=("128",),
        cite=f"{KG171}: conduct before 01.12.2021 is judged under the 2017 code; {KZ128}",
    ),
    LawCase(
        "kg159_coercive_inducement_to_kz",
        ("KG", "159", ""),
        "KZ",
        ("inducement", "prostitution", "coercion", "violence", "adult_victim"),
        purpose="extradition",
        top=("308",),
        cite=f"{KG159}; {KZ308}; {EXTR}",
    ),
    LawCase(
        "kg162_csam_to_kz",
        ("KG", "162", ""),
        "KZ",
        CSAM_PRODUCTION,
        top=("312",),
        cite=f"{KG162}; {KZ312}",
    ),
    # ------------------------------------------------------------------ KG -> UZ
    LawCase(
        "kg166_deception_to_uz",
        ("KG", "166", ""),
        "UZ",
        THB_ADULT_DECEPTION,
        top=("135",),
        cite=f"{KG166}; {UZ135}",
    ),
    LawCase(
        "kg167_child_to_uz",
        ("KG", "167", ""),
        "UZ",
        THB_MINOR,
        purpose="extradition",
        top=("135",),
        cite=f"{KG166}; {UZ135} (p.3 minor); {EXTR}",
    ),
    LawCase(
        "kg162_csam_to_uz_takedown",
        ("KG", "162", ""),
        "UZ",
        CSAM_DISTRIBUTION,
        purpose="takedown",
        top=("130",),
        cite=f"{KG162}; {UZ130}",
    ),
    # ------------------------------------------------------------------ KG -> TJ
    LawCase(
        "kg166_deception_to_tj",
        ("KG", "166", ""),
        "TJ",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("130-1", "132"),
        cite=f"{KG166}; {TJ1301}; {EXTR}",
    ),
    LawCase(
        "kg167_child_to_tj",
        ("KG", "167", ""),
        "TJ",
        THB_MINOR,
        top=("167", "130-1"),
        cite=f"{KG166}; {TJ167}; {TJ1301}",
    ),
    LawCase(
        "kg159_coercive_inducement_to_tj",
        ("KG", "159", ""),
        "TJ",
        ("inducement", "prostitution", "coercion", "violence", "adult_victim"),
        top=("238", "239"),
        cite=f"{KG159}; TJ CC 238 involving in prostitution, 239 procuring (R §4, weak); {TJ239}",
    ),
    # ------------------------------------------------------------------ KG -> MD
    LawCase(
        "kg166_deception_to_md",
        ("KG", "166", ""),
        "MD",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("165",),
        cite=f"{KG166}; {MD165}; {EXTR}",
    ),
    LawCase(
        "kg159_coercive_inducement_to_md",
        ("KG", "159", ""),
        "MD",
        ("inducement", "prostitution", "coercion", "violence", "adult_victim"),
        top=("220", "165"),
        cite=f"{KG159}; {MD220} (determination by any method); {MD165}",
    ),
    LawCase(
        "kg162_csam_to_md_takedown",
        ("KG", "162", ""),
        "MD",
        CSAM_DISTRIBUTION,
        purpose="takedown",
        top=("208/1",),
        cite=f"{KG162}; {MD2081}",
    ),
    # ------------------------------------------------------------------ UZ -> KZ
    LawCase(
        "uz1482_forced_labour_to_kz_extradition",
        ("UZ", "148-2", ""),
        "KZ",
        FORCED_LABOUR_ADMIN,
        purpose="extradition",
        allowed=NOT,
        cite=f"{UZ1482}: the requesting state's offence carries no imprisonment; {EXTR}",
    ),
    LawCase(
        "uz1482_forced_labour_to_kz_mla",
        ("UZ", "148-2", ""),
        "KZ",
        FORCED_LABOUR_ADMIN,
        top=("128",),
        cite=f"{UZ1482}; {KZ128}: exploitation without recruitment; mla has no penalty threshold",
    ),
    LawCase(
        "uz135_adult_no_means_to_kz",
        ("UZ", "135", ""),
        "KZ",
        THB_ADULT_NO_MEANS,
        purpose="extradition",
        top=("128",),
        cite=f"{UZ135}; {KZ128}; {EXTR}",
    ),
    LawCase(
        "uz131_pimping_to_kz",
        ("UZ", "131", ""),
        "KZ",
        PIMPING_BROTHEL,
        purpose="extradition",
        top=("309",),
        not_top=("308",),
        cite=f"{UZ131}; {KZ309}; {EXTR}",
    ),
    # ------------------------------------------------------------------ UZ -> KG
    LawCase(
        "uz135_adult_no_means_to_kg",
        ("UZ", "135", ""),
        "KG",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{UZ135}; {KG166}",
    ),
    LawCase(
        "uz135_minor_to_kg",
        ("UZ", "135", "3"),
        "KG",
        THB_MINOR,
        purpose="extradition",
        top=("167", "166"),
        cite=f"{UZ135} p.3 minor; {KG166}; {EXTR}",
    ),
    LawCase(
        "uz131_pimping_to_kg_not_159",
        ("UZ", "131", ""),
        "KG",
        PIMPING_BROTHEL,
        allowed=SAT,
        not_top=("159",),
        cite=f"{UZ131}; brothels/pimping criminal in KG (loc.gov 2014; rt.com 588295); {KG159}",
    ),
    # ------------------------------------------------------------------ UZ -> TJ
    LawCase(
        "uz135_adult_no_means_to_tj",
        ("UZ", "135", ""),
        "TJ",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{UZ135}; {TJ1301}",
    ),
    LawCase(
        "uz131_pimping_to_tj",
        ("UZ", "131", ""),
        "TJ",
        PIMPING_BROTHEL,
        purpose="extradition",
        top=("239",),
        cite=f"{UZ131}; {TJ239}; {EXTR}",
    ),
    LawCase(
        "uz223_border_to_tj",
        ("UZ", "223", ""),
        "TJ",
        BORDER,
        top=("335",),
        cite=f"{UZ223}; {TJ335}",
    ),
    # ------------------------------------------------------------------ UZ -> MD
    LawCase(
        "uz1482_forced_labour_to_md_extradition",
        ("UZ", "148-2", ""),
        "MD",
        FORCED_LABOUR_ADMIN,
        purpose="extradition",
        allowed=NOT,
        cite=f"{UZ1482}; {MD168}; {EXTR}",
    ),
    LawCase(
        "uz1482_forced_labour_to_md_mla",
        ("UZ", "148-2", ""),
        "MD",
        FORCED_LABOUR_ADMIN,
        top=("168", "167"),
        cite=f"{UZ1482}; {MD168}",
    ),
    LawCase(
        "uz130_adult_porn_to_md_takedown",
        ("UZ", "130", ""),
        "MD",
        ("pornography_distribution", "online", "administrative_prejudice", "adult_victim"),
        purpose="takedown",
        may_be_missing=True,
        not_top=("220/1",),
        cite=f"{UZ130}; MD Code of Contraventions art. 90 (production, sale, distribution of pornography) makes it unlawful in MD: SEED l.1204-1213; takedown needs only unlawfulness; MD 220/1 (inducing/facilitating another's live online sexual services, SEED l.1232-1240) is not the match for distributing pornographic material",
    ),
    LawCase(
        "uz130_adult_porn_to_md_extradition",
        ("UZ", "130", ""),
        "MD",
        ("pornography_distribution", "online", "administrative_prejudice", "adult_victim"),
        purpose="extradition",
        allowed=NOT,
        may_be_missing=True,
        cite=f"{UZ130}: no imprisonment for p.1; adult pornography is only a contravention in MD (CContr. art. 90, SEED l.1204-1213); {EXTR}",
    ),
    # ------------------------------------------------------------------ TJ -> KZ
    LawCase(
        "tj1301_deception_to_kz",
        ("TJ", "130-1", ""),
        "KZ",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("128",),
        cite=f"{TJ1301}; {KZ128}; {EXTR}",
    ),
    LawCase(
        "tj239_pimping_to_kz",
        ("TJ", "239", ""),
        "KZ",
        PIMPING_BROTHEL,
        top=("309",),
        not_top=("308",),
        cite=f"{TJ239}; {KZ309}",
    ),
    LawCase(
        "tj335_border_to_kz",
        ("TJ", "335", ""),
        "KZ",
        BORDER,
        purpose="extradition",
        top=("392",),
        cite=f"{TJ335}; {KZ392} (p.1 max 1 yr before 17.09.2025: 'at least one year' is met); {EXTR}",
    ),
    LawCase(
        "tj2412_csam_production_to_kz",
        ("TJ", "241-2", ""),
        "KZ",
        CSAM_PRODUCTION,
        top=("312",),
        cite=f"{TJ2412}; {KZ312}",
    ),
    # ------------------------------------------------------------------ TJ -> KG
    LawCase(
        "tj1301_deception_to_kg",
        ("TJ", "130-1", ""),
        "KG",
        THB_ADULT_DECEPTION,
        top=("166",),
        cite=f"{TJ1301}; {KG166}",
    ),
    LawCase(
        "tj167_minor_to_kg",
        ("TJ", "167", ""),
        "KG",
        THB_MINOR,
        purpose="extradition",
        top=("167", "166"),
        cite=f"{TJ167}; {KG166}; {EXTR}",
    ),
    LawCase(
        "tj2412_csam_to_kg",
        ("TJ", "241-2", ""),
        "KG",
        CSAM_PRODUCTION,
        top=("162",),
        cite=f"{TJ2412}; {KG162}",
    ),
    # ------------------------------------------------------------------ TJ -> UZ
    LawCase(
        "tj1301_deception_to_uz",
        ("TJ", "130-1", ""),
        "UZ",
        THB_ADULT_DECEPTION,
        purpose="extradition",
        top=("135",),
        cite=f"{TJ1301}; {UZ135}; {EXTR}",
    ),
    LawCase(
        "tj1302_slave_labour_to_uz_extradition",
        ("TJ", "130-2", ""),
        "UZ",
        ("slavery", "forced_labour", "exploiting_person", "coercion", "adult_victim"),
        purpose="extradition",
        allowed=NOT,
        cite=f"{TJ1302}; {UZ1482}: no imprisonment; UZ 135 needs a transaction or recruitment ({UZ135}); {EXTR}",
    ),
    LawCase(
        "tj335_border_to_uz",
        ("TJ", "335", ""),
        "UZ",
        BORDER,
        top=("223",),
        cite=f"{TJ335}; {UZ223}",
    ),
    LawCase(
        "tj1301_before_any_code_1980",
        ("TJ", "130-1", ""),
        "UZ",
        THB_ADULT_DECEPTION,
        date="1980-01-01",
        raises="LegalMapError",
        cite="TJ CC of 21.05.1998 and UZ CC (1994) did not exist in 1980: R §3, §4",
    ),
    # ------------------------------------------------------------------ TJ -> MD
    LawCase(
        "tj1301_adult_no_means_to_md",
        ("TJ", "130-1", ""),
        "MD",
        THB_ADULT_NO_MEANS,
        allowed=NOT,
        cite=f"{TJ1301}: an adult needs a means in TJ itself; {MD165}",
    ),
    LawCase(
        "tj239_pimping_to_md",
        ("TJ", "239", ""),
        "MD",
        PIMPING_BROTHEL,
        top=("220",),
        cite=f"{TJ239}; {MD220}",
    ),
    LawCase(
        "tj2412_csam_to_md_takedown",
        ("TJ", "241-2", ""),
        "MD",
        CSAM_PRODUCTION,
        purpose="takedown",
        top=("208/1",),
        cite=f"{TJ2412}; {MD2081}",
    ),
    # ------------------------------------------------------------------ extra traps
    LawCase(
        "md2201_adult_webcam_to_kz_takedown",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        purpose="takedown",
        top=("309",),
        cite=f"{MD2201}; {KZ309}: criminal in KZ since Sept 2024, so unlawful",
    ),
    LawCase(
        "md2201_before_its_entry_into_force",
        ("MD", "220/1", ""),
        "KZ",
        ADULT_WEBCAM,
        date="2022-06-01",
        allowed=NOT,
        refusal_ok=True,
        cite=f"{MD2201}: in force from 09.01.2023 (Law 316 of 17.11.2022); conduct of 2022 was no MD crime; KZ 2024 wording not yet in force either ({KZ309})",
    ),
    LawCase(
        "md2201_adult_webcam_to_uz",
        ("MD", "220/1", ""),
        "UZ",
        ADULT_WEBCAM,
        allowed=NOT,
        cite=f"{MD2201}; UZ has no online sexual-services offence: {UZ131} (physical brothels/procuring), {UZ130} (material, and only after an administrative penalty); a live display is not pornographic material (MD analysis, SEED l.1204-1222)",
    ),
    LawCase(
        "md175_porn_shown_to_child_not_csam_kz",
        ("MD", "175", ""),
        "KZ",
        ("pornography_to_minor", "minor_victim", "online"),
        allowed=ANY,
        not_top=("312",),
        may_be_missing=True,
        cite="Showing pornography to a child is not child sexual abuse material (no minor is depicted): ICCS 030221 (oas.org glossary id=72) vs 0302; KZ 312 requires materials with pornographic images of minors (SEED l.1933-1936); MD 175 perverted acts (unverified, memory)",
    ),
    LawCase(
        "tj241_porn_shown_to_child_not_csam_md",
        ("TJ", "241", ""),
        "MD",
        ("pornography_distribution", "pornography_to_minor", "minor_victim"),
        allowed=ANY,
        not_top=("208/1",),
        may_be_missing=True,
        cite=f"TJ CC 241 illegal distribution of pornography (R §4, memory); {MD2081}: child pornography needs a child depicted (ICCS 030221, oas.org id=72)",
    ),
    LawCase(
        "uz130_porn_shown_to_child_not_csam_kz",
        ("UZ", "130", ""),
        "KZ",
        (
            "pornography_distribution",
            "pornography_to_minor",
            "minor_victim",
            "administrative_prejudice",
        ),
        allowed=ANY,
        not_top=("312",),
        cite=f"{UZ130}; showing pornography to a child is not child sexual abuse material (no minor depicted): ICCS 030221 (oas.org glossary id=72); KZ 312 requires materials with pornographic images of minors (SEED l.1933-1936)",
    ),
    LawCase(
        "kz134_minor_webcam_to_md",
        ("KZ", "134", ""),
        "MD",
        MINOR_WEBCAM,
        top=("208/1", "220", "206"),
        not_top=("220/1",),
        cite="KZ CC 134 involving a minor in prostitution or other sexual services (2024): tengrinews 264004; R §1; "
        + MD2081
        + "; MD 220/1 excludes minors (juridicemoldova.md/17259)",
    ),
)
