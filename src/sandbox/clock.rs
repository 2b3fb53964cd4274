//! Wall-clock time rendered the way Checkr writes it, without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_seconds() -> i64 {
    now_millis().div_euclid(1000)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn rfc3339_seconds(unix_seconds: i64) -> String {
    let (date, time) = split(unix_seconds);
    format!("{date}T{time}Z")
}

/// Midnight UTC of the day `days` after the day containing `unix_seconds`.
pub(crate) fn midnight_after(unix_seconds: i64, days: i64) -> String {
    let day = unix_seconds.div_euclid(86_400) + days;
    rfc3339_seconds(day * 86_400)
}

fn split(unix_seconds: i64) -> (String, String) {
    let days = unix_seconds.div_euclid(86_400);
    let second_of_day = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        ),
    )
}

// Proleptic Gregorian calendar from a day count (days since 1970-01-01), by eras of 400 years.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_render_as_checkr_writes_them() {
        assert_eq!(rfc3339_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_seconds(1_795_733_999), "2026-11-26T22:59:59Z");
        assert_eq!(midnight_after(1_795_733_999, 1), "2026-11-27T00:00:00Z");
    }
}
