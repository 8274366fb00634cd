//! Durations on the command line: a number (fractions allowed) and a unit,
//! `500ms`, `30s` (the unit defaults to seconds), `5m`/`5min`, `36h`, `7d`,
//! `2w`. One parser for every flag that takes one.

use std::time::Duration;

/// `s` as a duration.
pub fn parse(s: &str) -> Result<Duration, String> {
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 500ms, 30s, 90m, 36h, 7d, 2w)"))?;
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h, d, w)")),
    };
    Duration::try_from_secs_f64(n * scale).map_err(|_| format!("{s:?}: too long a duration"))
}

/// `s` in whole seconds, for the audit's and the drill's cadences.
pub fn seconds(s: &str) -> Result<i64, String> {
    let d = parse(s)?;
    i64::try_from(d.as_secs()).map_err(|_| format!("{s:?}: too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_scale_by_unit() {
        assert_eq!(seconds("7d"), Ok(7 * 86_400));
        assert_eq!(seconds("90m"), Ok(5400));
        assert_eq!(seconds("2w"), Ok(14 * 86_400));
        assert_eq!(seconds("45"), Ok(45));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse("5y").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn huge_durations_are_errors_not_overflows() {
        let err = seconds("9223372036854775807d").expect_err("overflows");
        assert!(err.contains("too long"), "{err}");
        assert!(seconds("99999999999999999999s").is_err());
    }
}
