//! Times as people read them: in this machine's time zone or in UTC (`[time] zone`), and
//! in tables as `3h ago` or as a date and time (`[time] relative`). Headless CSV and JSON
//! keep MLflow's UTC formats and do not use this.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::TimeZone as ZoneSetting;

/// How times are shown.
#[derive(Debug, Clone)]
pub struct TimeFormat {
    /// `None`: UTC.
    zone: Option<TimeZone>,
    /// Times in tables as `3h ago` (else a date and time).
    pub relative: bool,
}

impl Default for TimeFormat {
    /// UTC, relative: what tests expect whatever the machine's zone.
    fn default() -> Self {
        Self {
            zone: None,
            relative: true,
        }
    }
}

impl PartialEq for TimeFormat {
    fn eq(&self, other: &Self) -> bool {
        self.relative == other.relative && self.zone.is_some() == other.zone.is_some()
    }
}

impl TimeFormat {
    /// The format the settings ask for. Local time is this machine's zone (`TZ`, else
    /// `/etc/localtime`); when neither can be read, UTC.
    pub fn new(zone: ZoneSetting, relative: bool) -> Self {
        let zone = match zone {
            ZoneSetting::Utc => None,
            ZoneSetting::Local => TimeZone::try_system().ok().filter(|tz| !is_utc(tz)),
        };
        Self { zone, relative }
    }

    /// A format in a given IANA zone (for tests).
    pub fn in_zone(name: &str, relative: bool) -> Option<Self> {
        let tz = TimeZone::get(name).ok()?;
        Some(Self {
            zone: Some(tz),
            relative,
        })
    }

    /// True when times are shown in UTC.
    pub fn is_utc(&self) -> bool {
        self.zone.is_none()
    }

    fn format(&self, ms: i64, utc: fn(i64) -> String, pattern: &str) -> String {
        let (Some(tz), Ok(ts)) = (&self.zone, Timestamp::from_millisecond(ms)) else {
            return utc(ms);
        };
        ts.to_zoned_datetime(tz.clone())
            .strftime(pattern)
            .to_string()
    }

    /// A date and time to the minute: `2026-11-26 19:57`.
    pub fn short(&self, ms: i64) -> String {
        self.format(ms, crate::text::time_short, "%Y-%m-%d %H:%M")
    }

    /// To the millisecond: `2026-11-26 19:57:51.123`.
    pub fn precise(&self, ms: i64) -> String {
        self.format(ms, crate::text::time_precise, "%Y-%m-%d %H:%M:%S%.3f")
    }

    /// The full time with its zone, for the run detail: `2026-11-26T19:57:51.123Z` in UTC,
    /// `2026-11-26 20:57:51.123 +01:00` in a local zone.
    pub fn full(&self, ms: i64) -> String {
        self.format(ms, crate::text::time_iso, "%Y-%m-%d %H:%M:%S%.3f %:z")
    }

    /// The time of day: `19:57:51`.
    pub fn clock(&self, ms: i64) -> String {
        self.format(
            ms,
            |ms| {
                crate::text::time_iso(ms)
                    .get(11..19)
                    .unwrap_or_default()
                    .to_string()
            },
            "%H:%M:%S",
        )
    }

    /// Hours and minutes (`19:57`), for chart axes.
    pub fn hour_minute(&self, ms: i64) -> String {
        let clock = self.clock(ms);
        clock.get(..5).unwrap_or(&clock).to_string()
    }

    /// Month and day (`11-26`), for chart axes.
    pub fn month_day(&self, ms: i64) -> String {
        let day = self.short(ms);
        day.get(5..10).unwrap_or(&day).to_string()
    }

    /// How long ago `ms` was: `42s ago` … `5d ago`; older (or in the future) the date.
    pub fn ago(&self, ms: i64, now: i64) -> String {
        let s = (now - ms) / 1000;
        if (0..2_592_000).contains(&s) {
            crate::text::time_ago(ms, now)
        } else {
            let day = self.short(ms);
            day.get(..10).unwrap_or(&day).to_string()
        }
    }

    /// A time in a table: `3h ago` when relative, else `2026-11-26 19:57`.
    pub fn table(&self, ms: i64, now: i64) -> String {
        if self.relative {
            self.ago(ms, now)
        } else {
            self.short(ms)
        }
    }

    /// Words saying which zone times are in, for headers: `UTC` or `+01:00`-style.
    pub fn zone_label(&self, ms: i64) -> String {
        match self.format(ms, |_| "UTC".into(), "%Z") {
            s if s.is_empty() => "local".into(),
            s => s,
        }
    }
}

fn is_utc(tz: &TimeZone) -> bool {
    tz.iana_name()
        .is_some_and(|n| matches!(n, "UTC" | "Etc/UTC"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-26T19:57:51.123Z
    const T: i64 = 1_795_723_071_123;

    #[test]
    fn utc_is_the_default_and_matches_the_plain_formats() {
        let f = TimeFormat::default();
        assert!(f.is_utc());
        assert_eq!(f.short(T), crate::text::time_short(T));
        assert_eq!(f.precise(T), crate::text::time_precise(T));
        assert_eq!(f.full(T), crate::text::time_iso(T));
        assert_eq!(f.clock(T), "19:57:51");
        assert_eq!(f.hour_minute(T), "19:57");
        assert_eq!(f.month_day(T), "11-26");
    }

    #[test]
    fn a_zone_shifts_every_format() {
        let Some(f) = TimeFormat::in_zone("Europe/Berlin", true) else {
            eprintln!("no tz database here; skipped");
            return;
        };
        assert_eq!(f.short(T), "2026-11-26 20:57");
        assert_eq!(f.precise(T), "2026-11-26 20:57:51.123");
        assert_eq!(f.full(T), "2026-11-26 20:57:51.123 +01:00");
        assert_eq!(f.clock(T), "20:57:51");
        assert_eq!(f.zone_label(T), "CET");
        // Relative times do not depend on the zone; old ones are dates in the zone.
        assert_eq!(f.ago(T - 3 * 3_600_000, T), "3h ago");
        let late = 1_795_910_340_000; // 23:59 UTC on 2026-11-28
        assert_eq!(f.ago(late, late + 40 * 86_400_000), "2026-11-29");
    }

    #[test]
    fn tables_show_relative_or_absolute_times() {
        let rel = TimeFormat::default();
        assert_eq!(rel.table(T - 120_000, T), "2m ago");
        let abs = TimeFormat {
            relative: false,
            ..TimeFormat::default()
        };
        assert_eq!(abs.table(T - 120_000, T), "2026-11-26 19:55");
    }
}
