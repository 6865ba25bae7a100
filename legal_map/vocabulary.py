# ruff: noqa: E501
"""The controlled vocabulary of offence elements and case facts, and its derivation rules.

Why one vocabulary for both: a case's facts and an article's elements must be comparable
tag by tag, so the engine can say which elements a target article requires that the facts
do not establish. Every tag has one kind (conduct, victim, means, purpose, aggravating,
condition) and a ru/en label. The catalogue loader refuses a tag that is not listed here.

Derivation rules are general legal implications (a webcam stream is online; a sexual
display involving a minor is child sexual abuse material; recruiting for exploitation is
trafficking). They hold for every country and are applied to the established facts before
comparison; they never name an article.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

KINDS = ("conduct", "victim", "means", "purpose", "aggravating", "condition")


@dataclass(frozen=True)
class Tag:
    tag: str
    kind: str
    label_en: str
    label_ru: str
    iccs: str = ""  # the ICCS line this element points to when it decides the offence


# fmt: off
TAGS: tuple[Tag, ...] = (
    # conduct
    Tag("trafficking", "conduct", "Trafficking in persons (transaction, recruitment, transport, harbouring or receipt for exploitation)", "Торговля людьми (сделка, вербовка, перевозка, укрывательство или получение в целях эксплуатации)", "0204"),
    Tag("recruitment", "conduct", "Recruitment of a person", "Вербовка лица"),
    Tag("inducement", "conduct", "Inducing or involving another person", "Вовлечение, склонение другого лица"),
    Tag("pimping", "conduct", "Pimping, procuring or facilitating another's sexual services", "Сводничество, сутенёрство, содействие оказанию сексуальных услуг другим лицом", "0302"),
    Tag("brothel", "conduct", "Organising or keeping a brothel", "Организация или содержание притона", "0302"),
    Tag("prostitution", "conduct", "Prostitution", "Проституция"),
    Tag("sexual_services", "conduct", "Sexual services (incl. other sexual services for profit)", "Сексуальные услуги (в т.ч. иные услуги сексуального характера)"),
    Tag("sexual_display", "conduct", "Live display of sexually explicit acts or genitals transmitted as video", "Демонстрация действий откровенно сексуального характера или половых органов в виде видеоизображения"),
    Tag("advertising", "conduct", "Advertising or propaganda", "Реклама или пропаганда", "08021"),
    Tag("pornography", "conduct", "Pornographic materials (production, circulation, display)", "Порнографические материалы (изготовление, оборот, демонстрация)", "08022"),
    Tag("child_abuse_material", "conduct", "Child sexual abuse material (child pornography)", "Материалы сексуального насилия над детьми (детская порнография)", "030221"),
    Tag("forced_labour", "conduct", "Forced labour", "Принудительный труд", "02032"),
    Tag("slavery", "conduct", "Slavery or slavery-like conditions", "Рабство или условия, сходные с рабством", "0203"),
    Tag("hazardous_work", "conduct", "Engaging a minor in hazardous work", "Привлечение несовершеннолетнего к опасным работам"),
    Tag("begging", "conduct", "Forced begging", "Принуждение к попрошайничеству"),
    Tag("migration", "conduct", "Organising illegal migration (illegal entry, stay or transit of others)", "Организация незаконной миграции (незаконный въезд, пребывание или транзит других лиц)", "08051"),
    Tag("border_crossing", "conduct", "Illegal crossing of the State border by the person", "Незаконное пересечение государственной границы самим лицом", "0805"),
    Tag("exploiting_person", "conduct", "Exploiting a person (the exploitation itself, without a transaction or recruitment)", "Эксплуатация человека (сама эксплуатация, без сделки или вербовки)", "0203"),
    Tag("pornography_production", "conduct", "Producing pornographic material", "Изготовление порнографических материалов", "08022"),
    Tag("pornography_distribution", "conduct", "Distributing, selling, advertising or publicly showing pornographic material", "Распространение, сбыт, рекламирование или публичная демонстрация порнографических материалов", "08022"),
    Tag("pornography_possession", "conduct", "Possessing or acquiring pornographic material (without intent to distribute)", "Хранение или приобретение порнографических материалов (без цели распространения)", "08022"),
    Tag("csam_production", "conduct", "Producing child sexual abuse material (incl. using a minor to produce it)", "Изготовление материалов сексуального насилия над детьми (в т.ч. использование несовершеннолетнего для их изготовления)", "030221"),
    Tag("csam_distribution", "conduct", "Distributing, selling, advertising or publicly showing child sexual abuse material", "Распространение, сбыт, рекламирование или публичная демонстрация материалов сексуального насилия над детьми", "030221"),
    Tag("csam_possession", "conduct", "Possessing or acquiring child sexual abuse material", "Хранение или приобретение материалов сексуального насилия над детьми", "030221"),
    Tag("minor_sexual_performance", "conduct", "Using a minor in a live sexual performance or display (incl. by webcam)", "Использование несовершеннолетнего в зрелищном мероприятии или демонстрации сексуального характера (в т.ч. по веб-камере)", "030221"),
    Tag("pornography_to_minor", "conduct", "Showing or giving pornographic material to a minor", "Демонстрация или передача порнографических материалов несовершеннолетнему", "0302"),
    Tag("grooming", "conduct", "Sexual solicitation of a child (grooming), incl. online", "Склонение ребёнка к сексуальным действиям (груминг), в т.ч. онлайн", "0302"),
    Tag("buying_sex", "conduct", "Obtaining sexual services for payment (as the client)", "Получение сексуальных услуг за плату (клиент)", "0302"),
    # victim
    Tag("adult_victim", "victim", "Adult victim", "Совершеннолетняя жертва"),
    Tag("minor_victim", "victim", "Minor victim (under 18)", "Несовершеннолетняя жертва (до 18 лет)"),
    Tag("pregnant_victim", "victim", "Pregnant victim", "Беременная жертва"),
    Tag("multiple_victims", "victim", "Two or more victims", "Две или более жертвы"),
    Tag("helpless_victim", "victim", "Victim known to be helpless", "Заведомо беспомощная жертва"),
    Tag("dependence", "victim", "Victim materially or otherwise dependent", "Материальная или иная зависимость жертвы"),
    # means
    Tag("online", "means", "Online: information technology, electronic communications or telecom networks incl. the Internet", "Онлайн: информационные технологии, электронные коммуникации или сети телекоммуникаций, в т.ч. Интернет"),
    Tag("webcam", "means", "Webcam / live streaming", "Веб-камера / трансляция в реальном времени"),
    Tag("mass_media", "means", "Mass media", "Средства массовой информации"),
    Tag("deception", "means", "Deception or abuse of trust", "Обман или злоупотребление доверием"),
    Tag("coercion", "means", "Coercion, threat or blackmail", "Принуждение, угроза или шантаж"),
    Tag("violence", "means", "Violence", "Насилие"),
    Tag("weapon", "means", "Use of a weapon", "Применение оружия"),
    Tag("abuse_of_vulnerability", "means", "Abuse of vulnerability or power", "Злоупотребление уязвимым положением или властью"),
    Tag("official_position", "means", "Use of official position", "Использование служебного положения"),
    Tag("property_damage", "means", "Destroying or damaging property (or threatening to)", "Уничтожение или повреждение имущества (или угроза этим)"),
    Tag("forged_documents", "means", "Forged documents or seizure of the victim's identity documents", "Поддельные документы или изъятие документов жертвы"),
    # purpose
    Tag("profit", "purpose", "For profit (direct or indirect income)", "С целью извлечения дохода (прямого или косвенного)"),
    Tag("exploitation", "purpose", "For the purpose of exploitation", "В целях эксплуатации"),
    Tag("sexual_exploitation", "purpose", "Sexual exploitation", "Сексуальная эксплуатация", "0302"),
    Tag("organ_removal", "purpose", "Removal of organs or tissues", "Изъятие органов или тканей"),
    Tag("involving_in_crime", "purpose", "Involving in crime or antisocial acts", "Вовлечение в преступную или антиобщественную деятельность"),
    # aggravating
    Tag("organised_group", "aggravating", "Organised criminal group or criminal organisation", "Организованная преступная группа или преступная организация"),
    Tag("group_prior_conspiracy", "aggravating", "Group of persons by prior conspiracy", "Группа лиц по предварительному сговору"),
    Tag("group", "aggravating", "Two or more persons", "Двумя или более лицами"),
    Tag("repeat", "aggravating", "Repeatedly", "Неоднократно"),
    Tag("recidivist", "aggravating", "Dangerous or especially dangerous recidivist", "Опасный или особо опасный рецидивист"),
    Tag("cross_border", "aggravating", "Across a State border (export, import, transit)", "С перемещением через государственную границу (вывоз, ввоз, транзит)"),
    Tag("profit_large", "aggravating", "Profit on a large scale", "Извлечение дохода в крупном размере"),
    Tag("profit_especially_large", "aggravating", "Profit on an especially large scale", "Извлечение дохода в особо крупном размере"),
    Tag("death_or_grave_consequences", "aggravating", "Death or other grave consequences", "Смерть или иные тяжкие последствия"),
    Tag("torture", "aggravating", "Torture, inhuman or degrading treatment", "Пытки, бесчеловечное или унижающее обращение"),
    # condition
    Tag("administrative_prejudice", "condition", "After an administrative penalty for the same act", "После административного взыскания за такое же деяние"),
    Tag("no_contact", "condition", "No physical contact with clients (online only)", "Без физического контакта с клиентами (только онлайн)"),
    Tag("minor_depicted", "victim", "A minor is depicted in the material", "В материалах изображён несовершеннолетний"),
    Tag("abduction", "conduct", "Abduction of a person (kidnapping)", "Похищение человека"),
    Tag("deprivation_of_liberty", "conduct", "Unlawful deprivation of liberty", "Незаконное лишение свободы"),
)
# fmt: on

BY_TAG: dict[str, Tag] = {t.tag: t for t in TAGS}

# Conflicting victim ages: when the facts establish one, the source article's own opposite
# requirement yields (the facts describe the case; the article only its usual victim).
OPPOSITES: dict[str, str] = {"minor_victim": "adult_victim", "adult_victim": "minor_victim"}

# Facts that contradict an element (the element cannot hold when the fact does). A source
# article requiring an element its facts contradict is not made out by those facts.
CONTRADICTS: dict[str, frozenset[str]] = {
    "minor_victim": frozenset({"adult_victim"}),
    "adult_victim": frozenset({"minor_victim", "minor_depicted"}),
    "no_contact": frozenset({"prostitution", "brothel"}),
}

# (all of these, any of these or none, implies). Applied until nothing changes.
# fmt: off
RULES: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (frozenset({"webcam"}), frozenset(), "online"),
    (frozenset({"prostitution"}), frozenset(), "sexual_services"),
    (frozenset({"profit_especially_large"}), frozenset(), "profit_large"),
    (frozenset({"profit_large"}), frozenset(), "profit"),
    # Material: the specific acts give the general tag. A minor *depicted* in pornographic
    # material makes it child sexual abuse material; a minor who is shown pornography does
    # not (that is pornography_to_minor), nor is a live display "material".
    (frozenset({"pornography_production"}), frozenset(), "pornography"),
    (frozenset({"pornography_distribution"}), frozenset(), "pornography"),
    (frozenset({"pornography_possession"}), frozenset(), "pornography"),
    (frozenset({"csam_production"}), frozenset(), "child_abuse_material"),
    (frozenset({"csam_distribution"}), frozenset(), "child_abuse_material"),
    (frozenset({"csam_possession"}), frozenset(), "child_abuse_material"),
    (frozenset({"minor_depicted", "pornography_production"}), frozenset(), "csam_production"),
    (frozenset({"minor_depicted", "pornography_distribution"}), frozenset(), "csam_distribution"),
    (frozenset({"minor_depicted", "pornography_possession"}), frozenset(), "csam_possession"),
    (frozenset({"minor_depicted", "pornography"}), frozenset(), "child_abuse_material"),
    (frozenset({"child_abuse_material"}), frozenset(), "minor_depicted"),
    (frozenset({"minor_depicted"}), frozenset(), "minor_victim"),
    (frozenset({"child_abuse_material"}), frozenset(), "pornography"),
    (frozenset({"csam_production"}), frozenset(), "pornography_production"),
    (frozenset({"csam_distribution"}), frozenset(), "pornography_distribution"),
    (frozenset({"csam_possession"}), frozenset(), "pornography_possession"),
    (frozenset({"pornography_to_minor"}), frozenset(), "minor_victim"),
    (frozenset({"grooming"}), frozenset(), "minor_victim"),
    (frozenset({"sexual_services", "webcam"}), frozenset(), "sexual_display"),
    (frozenset({"minor_victim", "sexual_display"}), frozenset(), "minor_sexual_performance"),
    (frozenset({"minor_sexual_performance"}), frozenset(), "minor_victim"),
    (frozenset({"minor_sexual_performance"}), frozenset(), "sexual_display"),
    (frozenset({"minor_victim", "sexual_services"}), frozenset(), "sexual_exploitation"),
    (frozenset({"sexual_services"}), frozenset({"coercion", "violence", "deception", "abuse_of_vulnerability"}), "sexual_exploitation"),
    (frozenset({"sexual_exploitation"}), frozenset(), "exploitation"),
    (frozenset({"exploiting_person"}), frozenset(), "exploitation"),
    # Forcing a person to work, to beg or holding them as a slave is exploiting them.
    (frozenset({"forced_labour"}), frozenset(), "exploiting_person"),
    (frozenset({"slavery"}), frozenset(), "exploiting_person"),
    (frozenset({"begging"}), frozenset(), "exploiting_person"),
    (frozenset({"forced_labour"}), frozenset(), "exploitation"),
    (frozenset({"slavery"}), frozenset(), "exploitation"),
    (frozenset({"begging"}), frozenset(), "exploitation"),
    (frozenset({"organ_removal"}), frozenset(), "exploitation"),
    (frozenset({"trafficking"}), frozenset(), "exploitation"),
    (frozenset({"recruitment", "exploitation"}), frozenset(), "trafficking"),
    (frozenset({"cross_border", "exploitation"}), frozenset({"coercion", "deception", "abuse_of_vulnerability", "minor_victim"}), "trafficking"),
)
# fmt: on


def derive(tags: set[str]) -> set[str]:
    """Close a set of established tags under RULES (a fixpoint; the rules only add)."""
    out = set(tags)
    changed = True
    while changed:
        changed = False
        for needs, any_of, gives in RULES:
            if gives in out or not needs <= out or (any_of and not any_of & out):
                continue
            out.add(gives)
            changed = True
    return out


KIND_LABELS = {
    "conduct": _("conduct"),
    "victim": _("victim"),
    "means": _("means"),
    "purpose": _("purpose"),
    "aggravating": _("aggravating feature"),
    "condition": pgettext_lazy("element kind", "condition"),
}
