"""Rota pure functions: daylight saving in Moldova, local midnight in UTC+5 and UTC+6."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts import rota

CHISINAU = ZoneInfo("Europe/Chisinau")
ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5 since 2024-03-01
BISHKEK = ZoneInfo("Asia/Bishkek")  # UTC+6


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(zone: ZoneInfo, handoff: time, start: date, members: list[int]) -> rota.ScheduleSpec:
    return rota.ScheduleSpec(
        zone=zone, layers=[rota.LayerSpec(members=members, handoff=handoff, start=start)]
    )


def test_chisinau_spring_forward_handoff_keeps_local_wall_clock() -> None:
    # 2026-03-29: 02:00 EET -> 03:00 EEST. 09:00 local is 07:00 UTC before, 06:00 UTC after.
    spec = daily(CHISINAU, time(9, 0), date(2026, 3, 27), [1, 2])
    assert rota.on_call(spec, utc(2026, 3, 28, 6, 59)) == [1]  # 28 Mar 08:59 EET
    assert rota.on_call(spec, utc(2026, 3, 28, 7, 0)) == [2]  # 28 Mar 09:00 EET
    assert rota.on_call(spec, utc(2026, 3, 29, 5, 59)) == [2]  # 29 Mar 08:59 EEST
    assert rota.on_call(spec, utc(2026, 3, 29, 6, 0)) == [1]  # 29 Mar 09:00 EEST
    # That day's shift lasted 23 hours: the next hand-off is exactly 23 h later.
    assert rota.next_handoff(spec, utc(2026, 3, 28, 7, 0)) == utc(2026, 3, 29, 6, 0)


def test_chisinau_autumn_back_repeated_hour_does_not_flip_back() -> None:
    # 2026-10-25: 03:00 EEST -> 02:00 EET: 02:00-02:59 local happens twice.
    spec = daily(CHISINAU, time(2, 30), date(2026, 10, 20), [1, 2])
    first = datetime(2026, 10, 25, 2, 30, tzinfo=CHISINAU).astimezone(UTC)  # fold=0
    assert first == utc(2026, 10, 24, 23, 30)
    before = rota.on_call(spec, first - timedelta(minutes=1))
    after = rota.on_call(spec, first)
    assert before != after
    # The second 02:30 (fold=1, an hour later) is not a new hand-off.
    assert rota.on_call(spec, utc(2026, 10, 25, 0, 30)) == after
    assert rota.on_call(spec, utc(2026, 10, 25, 0, 29)) == after
    # Next hand-off: 02:30 EET on 26 Oct, 25 hours after the first one.
    assert rota.next_handoff(spec, first) == first + timedelta(hours=25)


def test_chisinau_handoff_inside_the_spring_gap_happens_once() -> None:
    # 02:30 does not exist on 2026-03-29; the hand-off happens once, at 03:30 EEST.
    spec = daily(CHISINAU, time(2, 30), date(2026, 3, 27), [1, 2])
    day_before = rota.on_call(spec, utc(2026, 3, 28, 12, 0))
    changes = []
    moment = utc(2026, 3, 28, 12, 0)
    while moment < utc(2026, 3, 29, 12, 0):
        now = rota.on_call(spec, moment)
        if now != day_before:
            changes.append(moment)
            day_before = now
        moment += timedelta(minutes=5)
    assert changes == [utc(2026, 3, 29, 0, 30)]  # 03:30 EEST


def test_midnight_handoff_in_almaty_utc_plus_5() -> None:
    spec = daily(ALMATY, time(0, 0), date(2026, 6, 1), [10, 20, 30])
    # Local midnight of 3 June is 19:00 UTC on 2 June.
    assert rota.on_call(spec, utc(2026, 6, 2, 18, 59)) == [20]
    assert rota.on_call(spec, utc(2026, 6, 2, 19, 0)) == [30]
    assert rota.next_handoff(spec, utc(2026, 6, 2, 12, 0)) == utc(2026, 6, 2, 19, 0)


def test_midnight_handoff_in_bishkek_utc_plus_6_weekly() -> None:
    spec = rota.ScheduleSpec(
        zone=BISHKEK,
        layers=[
            rota.LayerSpec(
                members=[1, 2], handoff=time(0, 0), start=date(2026, 6, 1), rotation="weekly"
            )
        ],
    )
    # 2026-06-01 is a Monday; local midnight 8 June = 18:00 UTC 7 June.
    assert rota.on_call(spec, utc(2026, 6, 7, 17, 59)) == [1]
    assert rota.on_call(spec, utc(2026, 6, 7, 18, 0)) == [2]
    assert rota.on_call(spec, utc(2026, 6, 14, 18, 0)) == [1]
    # Before the rotation starts nobody is on call: that is a gap.
    assert rota.on_call(spec, utc(2026, 5, 31, 17, 59)) == []


def test_override_wins_and_layers_stack() -> None:
    spec = rota.ScheduleSpec(
        zone=ALMATY,
        layers=[
            rota.LayerSpec(members=[1], handoff=time(9, 0), start=date(2026, 1, 1)),
            rota.LayerSpec(
                members=[2],
                handoff=time(9, 0),
                start=date(2026, 1, 1),
                order=1,
                window_start=time(20, 0),
                window_end=time(8, 0),
            ),
        ],
        overrides=[rota.OverrideSpec(user=3, start=utc(2026, 2, 1, 10), end=utc(2026, 2, 1, 12))],
    )
    assert rota.on_call(spec, utc(2026, 2, 1, 9)) == [1]  # 14:00 local: bottom layer
    assert rota.on_call(spec, utc(2026, 2, 1, 11)) == [3]  # override
    assert rota.on_call(spec, utc(2026, 2, 1, 16)) == [2]  # 21:00 local: night layer
    assert rota.on_call(spec, utc(2026, 2, 2, 2, 59)) == [2]  # 07:59 local
    assert rota.on_call(spec, utc(2026, 2, 2, 3, 0)) == [1]  # 08:00 local


def test_first_gap_finds_an_uncovered_hour() -> None:
    covered = daily(BISHKEK, time(9, 0), date(2026, 1, 1), [1, 2])
    assert rota.first_gap(covered, utc(2026, 3, 1)) is None
    nights_only = rota.ScheduleSpec(
        zone=BISHKEK,
        layers=[
            rota.LayerSpec(
                members=[1],
                handoff=time(9, 0),
                start=date(2026, 1, 1),
                window_start=time(20, 0),
                window_end=time(8, 0),
            )
        ],
    )
    gap = rota.first_gap(nights_only, utc(2026, 3, 1, 0, 0))  # 06:00 local
    assert gap == utc(2026, 3, 1, 2, 0)  # 08:00 local
