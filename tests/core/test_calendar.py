"""The working-day calendar: the package seed, overrides, coverage and the import file."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiyin.core.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDataError,
    ChineseCalendarSource,
    Coverage,
    DayKind,
    DayOverride,
    DayType,
    TableSource,
    WorkdayCalendar,
    YearOverrides,
    format_year_file,
    parse_year_file,
)

CAL = WorkdayCalendar()
D = date


def kinds(cal: WorkdayCalendar, start: date, end: date) -> dict[date, DayKind]:
    out = {}
    day = start
    while day <= end:
        out[day] = cal.day_info(day).kind
        day += timedelta(days=1)
    return out


# --------------------------------------------------------------------------- the package seed


def test_package_years_are_detected_not_hardcoded():
    assert CAL.coverage(2025).coverage is Coverage.package
    assert CAL.coverage(2026).coverage is Coverage.package
    assert CAL.coverage(2004).coverage is Coverage.package
    assert CAL.coverage(2027).coverage is Coverage.fallback
    assert CAL.coverage(2003).coverage is Coverage.fallback
    assert CAL.coverage(2025).source == f"chinesecalendar {chinese_calendar.__version__}"
    with pytest.raises(NotImplementedError):  # the package really refuses 2027 ...
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert CAL.is_workday(D(2027, 1, 4))  # ... and we never let that escape


def test_agrees_with_the_package_on_every_covered_day():
    source = ChineseCalendarSource()
    years = [y for y in range(2000, 2030) if source.covers(y)]
    assert years[0] <= 2004 and years[-1] >= 2026
    for year in years:
        day = D(year, 1, 1)
        while day.year == year:
            assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)


def test_2025_spring_festival_and_its_makeup_days():
    got = kinds(CAL, D(2025, 1, 25), D(2025, 2, 9))
    assert got[D(2025, 1, 25)] is DayKind.weekend
    assert got[D(2025, 1, 26)] is DayKind.makeup_workday  # Sunday at work
    assert got[D(2025, 1, 27)] is DayKind.workday
    for offset in range(8):  # Jan 28 – Feb 4
        assert got[D(2025, 1, 28) + timedelta(days=offset)] is DayKind.holiday
    assert got[D(2025, 2, 5)] is DayKind.workday
    assert got[D(2025, 2, 8)] is DayKind.makeup_workday  # Saturday at work
    assert got[D(2025, 2, 9)] is DayKind.weekend
    info = CAL.day_info(D(2025, 1, 29))
    assert (info.name, info.holiday_key, info.source) == ("春节", "spring_festival", "package")


def test_2025_national_day():
    got = kinds(CAL, D(2025, 9, 27), D(2025, 10, 12))
    assert got[D(2025, 9, 28)] is DayKind.makeup_workday  # Sunday
    assert got[D(2025, 9, 30)] is DayKind.workday
    assert all(got[D(2025, 10, d)] is DayKind.holiday for d in range(1, 9))  # Oct 1–8
    assert got[D(2025, 10, 9)] is DayKind.workday
    assert got[D(2025, 10, 11)] is DayKind.makeup_workday  # Saturday
    assert got[D(2025, 10, 12)] is DayKind.weekend


def test_2026_from_the_package():
    # 2026: Spring Festival Feb 15–23 with Sat Feb 14 and Sat Feb 28 at work; National Day Oct 1–7 with
    # Sun Sep 20 and Sat Oct 10 at work; New Year Jan 1–3 with Sun Jan 4 at work (read from chinesecalendar 1.11)
    assert [CAL.day_info(D(2026, 2, d)).kind for d in (14, 15, 23, 24, 28)] == [
        DayKind.makeup_workday, DayKind.holiday, DayKind.holiday, DayKind.workday, DayKind.makeup_workday]
    assert all(not CAL.is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert CAL.day_info(D(2026, 9, 20)).kind is DayKind.makeup_workday
    assert CAL.day_info(D(2026, 10, 10)).kind is DayKind.makeup_workday
    assert CAL.day_info(D(2026, 1, 4)).kind is DayKind.makeup_workday
    assert CAL.count_workdays(D(2026, 1, 1), D(2027, 1, 1)) == len(
        chinese_calendar.get_workdays(D(2026, 1, 1), D(2026, 12, 31)))


def test_special_days_lists_holidays_and_makeup_days_sorted():
    days = CAL.special_days(2025)
    assert [d.day for d in days] == sorted(d.day for d in days)
    assert sum(d.kind is DayKind.makeup_workday for d in days) == 5


# --------------------------------------------------------------------------- coverage and overrides


def test_uncovered_year_falls_back_and_says_so():
    assert CAL.warnings_for(D(2025, 1, 1), D(2026, 12, 31)) == []
    warnings = CAL.warnings_for(D(2026, 12, 20), D(2027, 1, 10))
    assert [(w.year, w.coverage, w.code) for w in warnings] == [(2027, Coverage.fallback, "calendar.fallback")]
    assert warnings[0].params["year"] == 2027
    assert CAL.is_workday(D(2027, 1, 1))  # Friday: Mon–Fri, a visible guess
    assert not CAL.is_workday(D(2027, 1, 2))
    assert CAL.day_info(D(2027, 1, 1)).source == "weekday"


def test_partial_overrides_still_warn():
    cal = CAL.with_year(YearOverrides.build(2027, {D(2027, 1, 1): "holiday"}))
    cov = cal.coverage(2027)
    assert (cov.coverage, cov.override_count, cov.reliable) == (Coverage.partial, 1, False)
    assert [w.code for w in cal.warnings_for(D(2027, 1, 1), D(2027, 1, 1))] == ["calendar.partial"]
    assert not cal.is_workday(D(2027, 1, 1))
    assert CAL.is_workday(D(2027, 1, 1))  # the original calendar is unchanged


def test_complete_overrides_make_a_year_reliable():
    ov = YearOverrides.build(2027, [(D(2027, 1, 1), "holiday", "元旦"), (D(2027, 2, 6), "workday", "春节调休")],
                             complete=True)
    cal = WorkdayCalendar([ov])
    assert cal.coverage(2027).coverage is Coverage.overrides
    assert cal.warnings_for(D(2027, 1, 1), D(2027, 12, 31)) == []
    assert cal.day_info(D(2027, 2, 6)).kind is DayKind.makeup_workday  # a Saturday
    assert cal.day_info(D(2027, 1, 1)).name == "元旦"
    assert cal.without_year(2027).coverage(2027).coverage is Coverage.fallback


def test_overrides_apply_on_top_of_the_package():
    # an admin corrects a covered year: a local extra day off and a cancelled holiday
    ov = YearOverrides.build(2025, [
        {"day": D(2025, 3, 3), "type": "holiday", "name": "local", "note": "flood"},
        {"day": D(2025, 10, 8), "type": "workday"},
    ])
    cal = WorkdayCalendar([ov])
    assert cal.coverage(2025).coverage is Coverage.package
    assert cal.coverage(2025).override_count == 2
    assert not cal.is_workday(D(2025, 3, 3))
    assert cal.day_info(D(2025, 3, 3)).note == "flood"
    assert cal.is_workday(D(2025, 10, 8))
    assert cal.day_info(D(2025, 10, 8)).source == "override"


def test_without_a_seed_every_year_is_fallback():
    cal = WorkdayCalendar(source=None)
    assert cal.coverage(2025).coverage is Coverage.fallback
    assert cal.is_workday(D(2025, 1, 28))


def test_a_failing_seed_never_escapes():
    class Broken:
        name = "broken"

        def year(self, year):
            return None

    class Raising(ChineseCalendarSource):
        def covers(self, year):  # the package data is there but the call blows up later
            return True

    raising = Raising()
    raising._cc = type("Fake", (), {"get_holiday_detail": staticmethod(lambda d: (_ for _ in ()).throw(
        NotImplementedError("no data")))})
    for source in (Broken(), raising):
        cal = WorkdayCalendar(source=source)
        assert cal.coverage(2025).coverage is Coverage.fallback
        assert cal.is_workday(D(2025, 1, 28))


def test_table_source():
    cal = WorkdayCalendar(source=TableSource({2030: {D(2030, 1, 1): "holiday"}}, "fixed"))
    assert cal.coverage(2030).source == "fixed"
    assert not cal.is_workday(D(2030, 1, 1))
    assert cal.coverage(2031).coverage is Coverage.fallback


@pytest.mark.parametrize("build", [
    lambda: YearOverrides.build(1999, {}),
    lambda: YearOverrides.build(2101, {}),
    lambda: YearOverrides.build(2027, {D(2028, 1, 1): "holiday"}),
    lambda: YearOverrides.build(2027, {D(2027, 1, 1): "vacation"}),
    lambda: YearOverrides.build(2027, [(D(2027, 1, 1), "holiday"), (D(2027, 1, 1), "workday")]),
    lambda: YearOverrides.build(2027, [(datetime(2027, 1, 1), "holiday")]),
    lambda: WorkdayCalendar([YearOverrides.build(2027), YearOverrides.build(2027)]),
])
def test_invalid_override_data_is_refused(build):
    with pytest.raises(CalendarDataError):
        build()


# --------------------------------------------------------------------------- the import file

GOOD = """\
# 2027 schedule
year 2027
complete yes

2027-01-01 holiday 元旦
2027-02-06 workday 春节调休 | 补2月12日   # trailing comment
2027-02-11 休 春节
2027-02-20\t班
"""


def test_parse_a_good_file():
    result = parse_year_file("\ufeff" + GOOD.replace("\n", "\r\n"))
    assert result.ok and result.errors == ()
    ov = result.overrides
    assert ov.year == 2027 and ov.complete
    assert list(ov.days) == [D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 11), D(2027, 2, 20)]
    assert ov.days[D(2027, 2, 6)] == DayOverride(D(2027, 2, 6), DayType.workday, "春节调休", "补2月12日")
    assert ov.days[D(2027, 2, 11)].type is DayType.holiday
    assert ov.days[D(2027, 2, 20)] == DayOverride(D(2027, 2, 20), DayType.workday)


def test_complete_defaults_to_no():
    assert parse_year_file("year 2027\n").overrides == YearOverrides(2027, {}, False)


def errors_of(text: str) -> list[tuple[int, str]]:
    result = parse_year_file(text)
    assert result.overrides is None  # nothing partial
    return [(e.line, e.code) for e in result.errors]


@pytest.mark.parametrize("line, code", [
    ("2027/01/01 holiday", "bad_date_format"),
    ("2027-1-1 holiday", "bad_date_format"),
    ("01-01-2027 holiday", "bad_date_format"),
    ("2027-02-30 holiday", "no_such_date"),
    ("2028-01-01 holiday", "date_outside_year"),
    ("2027-01-01 vacation", "unknown_day_type"),
    ("2027-01-01", "missing_day_type"),
    ("holidays 2027-01-01", "unknown_statement"),
    ("complete maybe", "bad_complete"),
])
def test_each_bad_line_is_named_precisely(line, code):
    text = f"year 2027\n# comment\n2027-03-01 holiday ok\n{line}\n"
    assert errors_of(text) == [(4, code)]


def test_both_holiday_and_workday_points_at_both_lines():
    result = parse_year_file("year 2027\n2027-01-01 holiday 元旦\n\n2027-01-01 workday\n")
    assert not result.ok
    (error,) = result.errors
    assert (error.line, error.code, error.params["first_line"]) == (4, "conflicting_day", 2)
    assert "line 2" in error.message and str(error).startswith("line 4:")


def test_duplicate_lines():
    assert errors_of("year 2027\n2027-01-01 holiday\n2027-01-01 holiday 元旦\n") == [(3, "duplicate_day")]


@pytest.mark.parametrize("text, expected", [
    ("year 1999\n", [(1, "year_out_of_range")]),
    ("year 2101\n2101-01-01 holiday\n", [(1, "year_out_of_range")]),
    ("year 27\n", [(1, "bad_year")]),
    ("year 2027\nyear 2028\n", [(2, "duplicate_year")]),
    ("", [(1, "missing_year")]),
    ("# only a comment\n2027-01-01 holiday\n", [(2, "missing_year")]),
    ("year 2027\ncomplete yes\ncomplete no\n", [(3, "duplicate_complete")]),
])
def test_year_errors(text, expected):
    assert errors_of(text) == expected


def test_all_errors_at_once_sorted_by_line():
    text = "year 2027\n2027-13-01 holiday\nfoo\n2026-12-31 workday\n2027-01-01 nap\n"
    assert errors_of(text) == [(2, "no_such_date"), (3, "unknown_statement"), (4, "date_outside_year"),
                               (5, "unknown_day_type")]


def test_a_bad_file_changes_nothing():
    cal = WorkdayCalendar()
    before = cal.coverage(2027)
    result = parse_year_file("year 2027\ncomplete yes\n2027-01-01 holiday\n2027-01-01 workday\n")
    assert not result.ok
    assert cal.coverage(2027) == before and cal.overrides == {}
    assert cal.is_workday(D(2027, 1, 1))


def test_year_range_constants():
    assert (MIN_YEAR, MAX_YEAR) == (2000, 2100)


names = st.one_of(st.none(), st.text(alphabet="春节元旦调休补班 abcXYZ0123-", min_size=1, max_size=12).map(
    lambda s: " ".join(s.split()) or None))


@st.composite
def year_overrides(draw):
    year = draw(st.integers(MIN_YEAR, MAX_YEAR))
    offsets = draw(st.sets(st.integers(0, 364), max_size=20))
    entries = [DayOverride(D(year, 1, 1) + timedelta(days=o), draw(st.sampled_from(list(DayType))),
                           draw(names), draw(names)) for o in offsets]
    return YearOverrides.build(year, entries, complete=draw(st.booleans()))


@given(year_overrides())
def test_format_then_parse_round_trips(ov):
    assert parse_year_file(format_year_file(ov, header="exported\nby test")).overrides == ov


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("year 2027-0139\n#|holidaywork休班complete")), max_size=200))
def test_parse_never_raises_and_is_all_or_nothing(text):
    result = parse_year_file(text)
    assert (result.overrides is None) == bool(result.errors)
    assert all(e.line >= 1 for e in result.errors)


@settings(max_examples=50, deadline=None)
@given(st.dates(D(2003, 1, 1), D(2028, 12, 31)), st.dates(D(2003, 1, 1), D(2028, 12, 31)))
def test_count_workdays_matches_counting_one_by_one(a, b):
    a, b = min(a, b), max(a, b)
    if (b - a).days > 400:
        b = a + timedelta(days=400)
    naive = sum(CAL.is_workday(a + timedelta(days=i)) for i in range((b - a).days))
    assert CAL.count_workdays(a, b) == naive
