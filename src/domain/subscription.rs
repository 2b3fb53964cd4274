//! Subscriptions: a package re-run for an existing employee at an interval (US only), as
//! Checkr's `/v1/subscriptions` takes them. The request rules and the calendar of its runs,
//! shared by the proxy, the sandbox and the widget.

use serde::{Deserialize, Serialize};

use super::time::{civil_from_days, days_from_civil, days_in_month};

/// The unit of a subscription's interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// Every `interval_count` days.
    Day,
    /// Every `interval_count` weeks.
    Week,
    /// Every `interval_count` months (the day is kept, or the month's last day).
    Month,
    /// Every `interval_count` years.
    Year,
}

impl IntervalUnit {
    /// Every unit, in the order the widget offers them.
    pub const ALL: [IntervalUnit; 4] = [
        IntervalUnit::Day,
        IntervalUnit::Week,
        IntervalUnit::Month,
        IntervalUnit::Year,
    ];

    /// Checkr's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            IntervalUnit::Day => "day",
            IntervalUnit::Week => "week",
            IntervalUnit::Month => "month",
            IntervalUnit::Year => "year",
        }
    }

    /// [`IntervalUnit::as_str`] read back.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|unit| unit.as_str() == name)
    }
}

/// A calendar day as Checkr writes it (`2026-12-01`), kept as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// Reads `YYYY-MM-DD`; `None` for anything else or a day that does not exist.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes()
                .all(|byte| byte.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then(|| Day(days_from_civil(year, month, day)))
    }

    /// The day of a Unix time.
    pub const fn of_unix_seconds(seconds: i64) -> Self {
        Day(seconds.div_euclid(86_400))
    }

    /// `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        let (year, month, day) = civil_from_days(self.0);
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// The day `count` units later.
    pub fn advance(self, count: u32, unit: IntervalUnit) -> Self {
        let count = i64::from(count);
        match unit {
            IntervalUnit::Day => Day(self.0 + count),
            IntervalUnit::Week => Day(self.0 + 7 * count),
            IntervalUnit::Month | IntervalUnit::Year => {
                let months = if unit == IntervalUnit::Month {
                    count
                } else {
                    12 * count
                };
                let (year, month, day) = civil_from_days(self.0);
                let index = year * 12 + (month - 1) + months;
                let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
                Day(days_from_civil(
                    year,
                    month,
                    day.min(days_in_month(year, month)),
                ))
            }
        }
    }
}

/// The first run on or after `today`: `start` itself while it lies ahead.
pub fn next_occurrence(start: Day, count: u32, unit: IntervalUnit, today: Day) -> Day {
    let mut next = start;
    // Bounded: a daily subscription started long ago still ends within a few thousand steps.
    for _ in 0..100_000 {
        if next >= today {
            break;
        }
        next = next.advance(count.max(1), unit);
    }
    next
}

/// The most a subscription's interval may count.
pub const MAX_INTERVAL_COUNT: u32 = 365;

/// A subscription request as sent to the proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDraft {
    /// The package slug to re-run.
    #[serde(default)]
    pub package: Option<String>,
    /// The first run, `YYYY-MM-DD`.
    #[serde(default)]
    pub start_date: Option<String>,
    /// How many units between runs.
    #[serde(default)]
    pub interval_count: Option<u32>,
    /// `day`, `week`, `month` or `year`.
    #[serde(default)]
    pub interval_unit: Option<String>,
}

/// A request that passed [`validate_subscription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSubscription {
    /// The package slug.
    pub package: String,
    /// The first run.
    pub start_date: Day,
    /// How many units between runs.
    pub interval_count: u32,
    /// The unit.
    pub interval_unit: IntervalUnit,
}

/// The request checked on `today`, or every field error (field, message).
pub fn validate_subscription(
    draft: &SubscriptionDraft,
    today: Day,
) -> Result<ValidSubscription, Vec<(&'static str, &'static str)>> {
    let mut errors = Vec::new();
    let package = draft
        .package
        .as_deref()
        .map(str::trim)
        .filter(|slug| !slug.is_empty());
    if package.is_none() {
        errors.push(("package", "Choose the package to run again."));
    }
    let start = draft.start_date.as_deref().and_then(Day::parse);
    match start {
        None => errors.push(("start_date", "Give the first run's date as YYYY-MM-DD.")),
        Some(day) if day < today => {
            errors.push(("start_date", "The first run cannot be in the past."));
        }
        Some(_) => {}
    }
    let count = draft
        .interval_count
        .filter(|count| (1..=MAX_INTERVAL_COUNT).contains(count));
    if count.is_none() {
        errors.push(("interval_count", "Give how often, from 1 to 365."));
    }
    let unit = draft.interval_unit.as_deref().and_then(IntervalUnit::parse);
    if unit.is_none() {
        errors.push(("interval_unit", "Choose days, weeks, months or years."));
    }
    match (package, start, count, unit) {
        (Some(package), Some(start_date), Some(interval_count), Some(interval_unit))
            if errors.is_empty() =>
        {
            Ok(ValidSubscription {
                package: package.to_owned(),
                start_date,
                interval_count,
                interval_unit,
            })
        }
        _incomplete => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        Day::parse(text).expect("a day")
    }

    #[test]
    fn days_read_and_write_as_checkr_writes_them() {
        assert_eq!(day("2026-12-01").to_iso(), "2026-12-01");
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "26-12-01",
            "2026-12-1",
            "2026/12/01",
            "",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        assert_eq!(Day::of_unix_seconds(0).to_iso(), "1970-01-01");
    }

    #[test]
    fn intervals_keep_the_day_or_take_the_months_last() {
        assert_eq!(
            day("2026-01-31").advance(1, IntervalUnit::Month).to_iso(),
            "2026-02-28"
        );
        assert_eq!(
            day("2027-12-15").advance(3, IntervalUnit::Month).to_iso(),
            "2028-03-15"
        );
        assert_eq!(
            day("2028-02-29").advance(1, IntervalUnit::Year).to_iso(),
            "2029-02-28"
        );
        assert_eq!(
            day("2026-12-30").advance(2, IntervalUnit::Week).to_iso(),
            "2027-01-13"
        );
        assert_eq!(
            day("2026-12-31").advance(1, IntervalUnit::Day).to_iso(),
            "2027-01-01"
        );
    }

    #[test]
    fn the_next_run_is_the_first_on_or_after_today() {
        let today = day("2026-12-10");
        assert_eq!(
            next_occurrence(day("2026-12-20"), 1, IntervalUnit::Month, today),
            day("2026-12-20")
        );
        assert_eq!(
            next_occurrence(day("2026-11-01"), 1, IntervalUnit::Week, today),
            day("2026-12-13")
        );
        assert_eq!(next_occurrence(today, 1, IntervalUnit::Year, today), today);
    }

    #[test]
    fn a_request_needs_a_package_a_future_start_and_a_known_interval() {
        let today = day("2026-12-01");
        let draft = SubscriptionDraft {
            package: Some("tasker_standard".to_owned()),
            start_date: Some("2026-12-15".to_owned()),
            interval_count: Some(1),
            interval_unit: Some("year".to_owned()),
        };
        assert_eq!(
            validate_subscription(&draft, today).map(|valid| valid.interval_unit),
            Ok(IntervalUnit::Year)
        );
        let bad = SubscriptionDraft {
            package: Some(" ".to_owned()),
            start_date: Some("2026-11-30".to_owned()),
            interval_count: Some(0),
            interval_unit: Some("fortnight".to_owned()),
        };
        let fields: Vec<&str> = validate_subscription(&bad, today)
            .expect_err("refused")
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(
            fields,
            ["package", "start_date", "interval_count", "interval_unit"]
        );
    }
}
