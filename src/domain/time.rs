//! Instants as Checkr writes them (RFC 3339), ordered without a clock or a date crate.
//!
//! Webhooks carry `created_at` and reports carry `estimated_completion_time`. The domain
//! needs to order the first and show the day of the second; both are pure string work.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time parsed from an RFC 3339 string such as `2026-11-21T09:30:00Z`.
///
/// Ordering is by the instant (offsets are applied), then by the original text so that two
/// spellings of one instant still order deterministically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    unix_seconds: i64,
    nanos: u32,
    text: String,
}

/// Why a timestamp string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
// Display, not Debug: the size-tuned widget build formats Debug as nothing.
#[error("not an RFC 3339 timestamp: \"{0}\"")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; a space may stand for the `T`.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        parse_rfc3339(text).ok_or_else(|| TimestampError(text.to_owned()))
    }

    /// The UTC instant `unix_seconds` after the epoch, written `YYYY-MM-DDTHH:MM:SSZ`; the
    /// caller reads the clock, so this stays pure.
    pub fn from_unix_seconds(unix_seconds: i64) -> Self {
        let days = unix_seconds.div_euclid(86_400);
        let second_of_day = unix_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        );
        Self {
            unix_seconds,
            nanos: 0,
            text,
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// Compares the instants only: two spellings of one instant are equal here, unlike in
    /// [`Ord`], which also orders by text to stay total.
    pub fn cmp_instant(&self, other: &Self) -> Ordering {
        (self.unix_seconds, self.nanos).cmp(&(other.unix_seconds, other.nanos))
    }

    /// The text this was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The calendar day as written (in the timestamp's own offset): Checkr's ETA is only
    /// meaningful to the day, and shifting it into another zone could move it by one.
    pub fn date(&self) -> Date {
        let bytes = self.text.as_bytes();
        // parse() has already checked these positions are digits.
        let num = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        Date {
            year: num(0..4),
            month: num(5..7),
            day: num(8..10),
        }
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.unix_seconds, self.nanos, &self.text).cmp(&(
            other.unix_seconds,
            other.nanos,
            &other.text,
        ))
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Date {
    /// Four-digit year.
    pub year: u32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl Date {
    /// The English month abbreviation, as shown in badges (`Nov 25, 2026`).
    pub const fn month_abbreviation(self) -> &'static str {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let index = self.month.saturating_sub(1) as usize;
        if index < MONTHS.len() {
            MONTHS[index]
        } else {
            "???"
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, {}",
            self.month_abbreviation(),
            self.day,
            self.year
        )
    }
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let slice = bytes.get(range)?;
        slice.iter().try_fold(0i64, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    };
    let at = |index: usize, expected: &[u8]| bytes.get(index).is_some_and(|b| expected.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        // 60 admits a leap second; it orders like :59.999… would.
        || second > 60
    {
        return None;
    }

    let mut index = 19;
    let mut nanos: u32 = 0;
    if at(index, b".") {
        index += 1;
        let start = index;
        while bytes.get(index).is_some_and(u8::is_ascii_digit) {
            if index - start < 9 {
                nanos = nanos * 10 + u32::from(bytes[index] - b'0');
            }
            index += 1;
        }
        let fraction_digits = index - start;
        if fraction_digits == 0 {
            return None;
        }
        for _ in fraction_digits.min(9)..9 {
            nanos *= 10;
        }
    }

    let offset_seconds = match bytes.get(index)? {
        b'Z' | b'z' if index + 1 == bytes.len() => 0,
        sign @ (b'+' | b'-') if index + 6 == bytes.len() && at(index + 3, b":") => {
            let hours = digits(index + 1..index + 3)?;
            let minutes = digits(index + 4..index + 6)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };

    let unix_seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
            - offset_seconds;
    Some(Timestamp {
        unix_seconds,
        nanos,
        text: text.to_owned(),
    })
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The calendar date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_offsets_agree_on_the_instant() {
        let utc = Timestamp::parse("1970-01-01T00:00:00Z").unwrap();
        assert_eq!(utc.unix_seconds(), 0);
        let east = Timestamp::parse("1970-01-01T02:00:00+02:00").unwrap();
        assert_eq!(
            east.unix_seconds(),
            0,
            "an offset is subtracted to reach UTC"
        );
        let known = Timestamp::parse("2026-11-21T23:25:54Z").unwrap();
        assert_eq!(known.unix_seconds(), 1_795_303_554);
    }

    #[test]
    fn formatting_a_unix_time_parses_back_to_the_same_instant() {
        for seconds in [0, 951_782_400, 1_795_303_554, -86_401, 4_102_444_799] {
            let formatted = Timestamp::from_unix_seconds(seconds);
            let parsed = Timestamp::parse(formatted.as_str()).unwrap();
            assert_eq!(parsed.unix_seconds(), seconds, "{formatted}");
        }
        assert_eq!(
            Timestamp::from_unix_seconds(951_782_400).as_str(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn fractions_order_within_a_second() {
        let early = Timestamp::parse("2026-01-01T00:00:00.1Z").unwrap();
        let late = Timestamp::parse("2026-01-01T00:00:00.25Z").unwrap();
        assert!(early < late);
    }

    #[test]
    fn malformed_or_impossible_times_are_refused() {
        for text in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01 00:00:00Zjunk",
            "२०२६-01-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text:?} must be refused");
        }
    }

    #[test]
    fn eta_day_is_the_written_day_not_a_shifted_one() {
        let eta = Timestamp::parse("2026-11-25T23:30:00-08:00").unwrap();
        assert_eq!(eta.date().to_string(), "Nov 25, 2026");
    }
}
