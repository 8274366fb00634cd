//! Retention policies: which backups a keep-N-per-period policy keeps,
//! and why. Pure: times in, reasons out, no I/O.
//!
//! The semantics are restic's `forget --keep-*` (0.17), with every period
//! in UTC:
//!
//! * `last N` keeps the N newest backups;
//! * `daily N`, `weekly N`, `monthly N`, `yearly N` keep, for each of the
//!   N newest days (weeks, months, years) *that have a backup*, the newest
//!   backup in it. Periods are calendar periods, not counted back from
//!   now: a day is 00:00:00 to 23:59:59 UTC, a week Monday to Sunday (ISO
//!   weeks), a month and a year the calendar's. A period without a backup
//!   does not count, so `weekly 4` over a history with a missed week
//!   reaches five weeks back;
//! * when a rule finds fewer periods than it may keep, it keeps the
//!   oldest backup as well (`oldest weekly`): the longest history the
//!   policy allows;
//! * the rules are a union: a backup is kept when any rule keeps it, and
//!   its reasons list every rule that does.
//!
//! ```
//! use pgark::retention::{keep, Policy};
//! // Three backups on one day and one the day before (Unix seconds).
//! let times = [200_000, 190_000, 180_000, 100_000];
//! let reasons = keep(&Policy { daily: 2, ..Policy::default() }, &times);
//! assert_eq!(reasons[0].len(), 1); // the newest of its day
//! assert!(reasons[1].is_empty() && reasons[2].is_empty());
//! assert_eq!(reasons[3][0].to_string(), "daily"); // the newest of the day before
//! ```

use std::fmt;

use crate::manifest::civil_from_days;

/// How many backups of each kind to keep; 0 turns a rule off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// The newest N backups.
    pub last: u32,
    /// The newest backup of each of the newest N days that have one.
    pub daily: u32,
    /// ... of each of the newest N ISO weeks (Monday to Sunday).
    pub weekly: u32,
    /// ... of each of the newest N calendar months.
    pub monthly: u32,
    /// ... of each of the newest N calendar years.
    pub yearly: u32,
}

impl Policy {
    /// Whether no rule keeps anything (such a policy must not be applied:
    /// it would delete every backup).
    pub fn is_empty(&self) -> bool {
        Rule::ALL.iter().all(|r| self.count(*r) == 0)
    }

    /// How many backups `rule` keeps.
    pub fn count(&self, rule: Rule) -> u32 {
        match rule {
            Rule::Last => self.last,
            Rule::Daily => self.daily,
            Rule::Weekly => self.weekly,
            Rule::Monthly => self.monthly,
            Rule::Yearly => self.yearly,
        }
    }
}

impl fmt::Display for Policy {
    /// `keep-last 2, keep-weekly 4`, or `nothing` for an empty policy.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules: Vec<String> = Rule::ALL
            .iter()
            .filter(|r| self.count(**r) > 0)
            .map(|r| format!("keep-{} {}", r.name(), self.count(*r)))
            .collect();
        if rules.is_empty() {
            return f.write_str("nothing");
        }
        f.write_str(&rules.join(", "))
    }
}

/// One rule of a [`Policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rule {
    /// `--keep-last`.
    Last,
    /// `--keep-daily`.
    Daily,
    /// `--keep-weekly`.
    Weekly,
    /// `--keep-monthly`.
    Monthly,
    /// `--keep-yearly`.
    Yearly,
}

impl Rule {
    /// Every rule, in the order reasons are listed.
    pub const ALL: [Rule; 5] = [
        Rule::Last,
        Rule::Daily,
        Rule::Weekly,
        Rule::Monthly,
        Rule::Yearly,
    ];

    /// `last`, `daily`, `weekly`, `monthly`, `yearly`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Last => "last",
            Rule::Daily => "daily",
            Rule::Weekly => "weekly",
            Rule::Monthly => "monthly",
            Rule::Yearly => "yearly",
        }
    }

    /// The UTC period the time `t` (Unix seconds) falls in, as a number
    /// equal for every time in the same period; `None` for `last`, which
    /// has no periods.
    pub fn period(self, t: i64) -> Option<i64> {
        let day = t.div_euclid(86_400);
        let (y, m, _) = civil_from_days(day);
        match self {
            Rule::Last => None,
            Rule::Daily => Some(day),
            // Day 0 (1970-01-01) was a Thursday: day -3 a Monday.
            Rule::Weekly => Some((day + 3).div_euclid(7)),
            Rule::Monthly => Some(y * 12 + m - 1),
            Rule::Yearly => Some(y),
        }
    }
}

/// Why a backup is kept: a rule, and whether it is that rule's extra
/// oldest backup (kept because the rule found fewer periods than it may
/// keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reason {
    /// The rule that keeps it.
    pub rule: Rule,
    /// Kept as the oldest backup, not as its period's newest.
    pub oldest: bool,
}

impl fmt::Display for Reason {
    /// `weekly`, or `oldest weekly`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.oldest {
            f.write_str("oldest ")?;
        }
        f.write_str(self.rule.name())
    }
}

/// Applies `policy` to backups taken at `times` (Unix seconds, in any
/// order): for each, in the same order, why it is kept; an empty list
/// means the policy does not keep it. Equal times are taken in the order
/// given (the first counts as the newer).
pub fn keep(policy: &Policy, times: &[i64]) -> Vec<Vec<Reason>> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let mut left: Vec<u32> = Rule::ALL.iter().map(|r| policy.count(*r)).collect();
    let mut last_period: Vec<Option<i64>> = vec![None; Rule::ALL.len()];
    let mut reasons = vec![Vec::new(); times.len()];
    for (pos, &i) in order.iter().enumerate() {
        let oldest_backup = pos + 1 == order.len();
        for (r, rule) in Rule::ALL.iter().enumerate() {
            if left[r] == 0 {
                continue;
            }
            let period = rule.period(times[i]);
            let new_period = period.is_none() || period != last_period[r];
            if new_period || oldest_backup {
                reasons[i].push(Reason {
                    rule: *rule,
                    oldest: !new_period,
                });
                last_period[r] = period;
                left[r] -= 1;
            }
        }
    }
    reasons
}

/// How well a bucket's valid backups cover one rule of a policy (`pgark
/// audit --keep-*`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// The rule.
    pub rule: Rule,
    /// How many backups (or periods) the policy keeps.
    pub wanted: u32,
    /// How many of them are there: for `last`, the valid backups up to
    /// `wanted`; for a period rule, how many of the `wanted` periods up
    /// to the newest backup's have a backup.
    pub present: u32,
    /// The newest [`MISSING_LISTED`] (at most) of the periods without a
    /// backup, newest first (`2026-11-30`, `week of 2026-11-23`,
    /// `2026-11`, `2026`).
    pub missing: Vec<String>,
    /// How many periods have no backup (`wanted - present` for a period
    /// rule), however many `missing` lists.
    pub missing_total: u32,
}

/// [`Coverage::missing`] lists at most this many periods: a rule may ask
/// for billions (`--keep-daily 4000000000`), and the work and memory stay
/// in proportion to the backups, not to that number.
pub const MISSING_LISTED: usize = 8;

/// For each rule of `policy` above 0: how many of the periods it keeps
/// have a backup. Periods are counted back from the newest backup's
/// (its age is the cadence audit's business), so with weekly backups
/// `daily 7` finds 1 of 7 days and `yearly 5` over two years of history
/// finds 2 or 3 of 5 years.
pub fn coverage(policy: &Policy, times: &[i64]) -> Vec<Coverage> {
    let newest = times.iter().max().copied();
    Rule::ALL
        .iter()
        .filter(|r| policy.count(**r) > 0)
        .map(|rule| {
            let wanted = policy.count(*rule);
            let newest_period = newest.and_then(|t| rule.period(t));
            let Some(last) = newest_period else {
                let present = u32::try_from(times.len()).unwrap_or(u32::MAX).min(wanted);
                return Coverage {
                    rule: *rule,
                    wanted,
                    present,
                    missing: Vec::new(),
                    missing_total: 0,
                };
            };
            let first = last - i64::from(wanted) + 1;
            let have: std::collections::HashSet<i64> = times
                .iter()
                .filter_map(|t| rule.period(*t))
                .filter(|p| (first..=last).contains(p))
                .collect();
            let present = u32::try_from(have.len()).unwrap_or(wanted).min(wanted);
            // Back from the newest period: at most every period with a
            // backup and MISSING_LISTED without one.
            let mut missing = Vec::new();
            let mut p = last;
            while p >= first && missing.len() < MISSING_LISTED {
                if !have.contains(&p) {
                    missing.push(rule.label(p));
                }
                p -= 1;
            }
            Coverage {
                rule: *rule,
                wanted,
                present,
                missing,
                missing_total: wanted - present,
            }
        })
        .collect()
}

impl Rule {
    /// A period number of this rule (as [`Rule::period`] returns), for
    /// people: `2026-11-30`, `week of 2026-11-23`, `2026-11`, `2026`.
    pub fn label(self, period: i64) -> String {
        let date = |day: i64| {
            let (y, m, d) = civil_from_days(day);
            format!("{y:04}-{m:02}-{d:02}")
        };
        match self {
            Rule::Last => period.to_string(),
            Rule::Daily => date(period),
            Rule::Weekly => format!("week of {}", date(period * 7 - 3)),
            Rule::Monthly => format!(
                "{:04}-{:02}",
                period.div_euclid(12),
                period.rem_euclid(12) + 1
            ),
            Rule::Yearly => format!("{period:04}"),
        }
    }

    /// The period's name in the plural: `days`, `weeks`, ...; `backups`
    /// for `last`.
    pub fn plural(self) -> &'static str {
        match self {
            Rule::Last => "backups",
            Rule::Daily => "days",
            Rule::Weekly => "weeks",
            Rule::Monthly => "months",
            Rule::Yearly => "years",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_rfc3339;

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap_or_else(|| panic!("bad time {s}"))
    }

    fn names(r: &[Reason]) -> Vec<String> {
        r.iter().map(Reason::to_string).collect()
    }

    #[test]
    fn periods_are_utc_calendar_periods() {
        // Sunday 23:59:59 and Monday 00:00:00 are different ISO weeks.
        let sun = t("2026-11-29T23:59:59Z");
        let mon = t("2026-11-30T00:00:00Z");
        assert_ne!(Rule::Weekly.period(sun), Rule::Weekly.period(mon));
        assert_eq!(
            Rule::Weekly.period(mon),
            Rule::Weekly.period(t("2026-12-06T23:59:59Z"))
        );
        assert_ne!(Rule::Daily.period(sun), Rule::Daily.period(mon));
        assert_eq!(Rule::Monthly.period(mon), Rule::Monthly.period(sun));
        assert_eq!(
            Rule::Monthly.period(t("2026-11-01T00:00:00Z")),
            Rule::Monthly.period(mon)
        );
        assert_ne!(
            Rule::Monthly.period(mon),
            Rule::Monthly.period(t("2026-12-01T00:00:00Z"))
        );
        assert_eq!(
            Rule::Yearly.period(t("2026-01-01T00:00:00Z")),
            Rule::Yearly.period(t("2026-12-31T23:59:59Z"))
        );
        // Before 1970 too (floor, not truncation).
        assert_ne!(Rule::Daily.period(-1), Rule::Daily.period(0));
        assert_eq!(
            Rule::Weekly.period(t("1969-12-29T00:00:00Z")),
            Rule::Weekly.period(t("1970-01-04T23:59:59Z"))
        );
    }

    #[test]
    fn restic_documentation_example() {
        // restic's docs: a backup every Sunday for 12 weeks,
        // `--keep-daily 4` keeps the last four.
        let times: Vec<i64> = (0..12)
            .map(|w| t("2019-09-01T11:00:00Z") + w * 7 * 86_400)
            .collect();
        let r = keep(
            &Policy {
                daily: 4,
                ..Policy::default()
            },
            &times,
        );
        let kept: Vec<usize> = (0..12).filter(|i| !r[*i].is_empty()).collect();
        assert_eq!(kept, vec![8, 9, 10, 11]);
        assert_eq!(names(&r[11]), ["daily"]);
    }

    #[test]
    fn newest_of_each_period_and_the_union_of_reasons() {
        let times = [
            t("2026-03-02T01:00:00Z"), // Monday, week 10
            t("2026-03-01T23:00:00Z"), // Sunday, week 9
            t("2026-03-01T01:00:00Z"), // Sunday, week 9, older
            t("2026-02-27T01:00:00Z"), // Friday, week 9
            t("2026-01-15T01:00:00Z"),
        ];
        let r = keep(
            &Policy {
                last: 1,
                daily: 2,
                weekly: 2,
                monthly: 2,
                yearly: 0,
            },
            &times,
        );
        assert_eq!(names(&r[0]), ["last", "daily", "weekly", "monthly"]);
        // March's newest is r[0]: r[1] is only its day's and week's.
        assert_eq!(names(&r[1]), ["daily", "weekly"]);
        assert!(r[2].is_empty());
        // February's newest.
        assert_eq!(names(&r[3]), ["monthly"]);
        assert!(r[4].is_empty());
    }

    #[test]
    fn too_few_periods_keep_the_oldest_too() {
        // Two days, three backups; daily 5 keeps each day's newest and
        // the oldest backup.
        let times = [
            t("2026-03-02T12:00:00Z"),
            t("2026-03-01T12:00:00Z"),
            t("2026-03-01T06:00:00Z"),
        ];
        let r = keep(
            &Policy {
                daily: 5,
                ..Policy::default()
            },
            &times,
        );
        assert_eq!(names(&r[0]), ["daily"]);
        assert_eq!(names(&r[1]), ["daily"]);
        assert_eq!(names(&r[2]), ["oldest daily"]);
        // Enough periods: no extra.
        let r = keep(
            &Policy {
                daily: 2,
                ..Policy::default()
            },
            &times,
        );
        assert!(r[2].is_empty());
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let times = [
            t("2026-01-01T00:00:00Z"),
            t("2026-03-01T00:00:00Z"),
            t("2026-02-01T00:00:00Z"),
        ];
        let r = keep(
            &Policy {
                monthly: 2,
                ..Policy::default()
            },
            &times,
        );
        assert!(r[0].is_empty());
        assert_eq!(names(&r[1]), ["monthly"]);
        assert_eq!(names(&r[2]), ["monthly"]);
    }

    #[test]
    fn empty_policy_keeps_nothing_and_says_so() {
        assert!(Policy::default().is_empty());
        assert_eq!(Policy::default().to_string(), "nothing");
        let p = Policy {
            last: 2,
            weekly: 4,
            ..Policy::default()
        };
        assert!(!p.is_empty());
        assert_eq!(p.to_string(), "keep-last 2, keep-weekly 4");
        assert!(keep(&Policy::default(), &[1, 2]).iter().all(Vec::is_empty));
    }

    #[test]
    fn coverage_counts_periods_back_from_the_newest_backup() {
        // Weekly on Mondays: 2026-11-30, 11-23, 11-16, then a gap, 10-26.
        let times = [
            t("2026-11-30T02:00:00Z"),
            t("2026-11-23T02:00:00Z"),
            t("2026-11-16T02:00:00Z"),
            t("2026-10-26T02:00:00Z"),
        ];
        let c = coverage(
            &Policy {
                last: 10,
                daily: 2,
                weekly: 4,
                monthly: 3,
                yearly: 0,
            },
            &times,
        );
        assert_eq!(c.len(), 4);
        assert_eq!((c[0].rule, c[0].present, c[0].wanted), (Rule::Last, 4, 10));
        assert_eq!(
            (c[1].present, c[1].missing.clone()),
            (1, vec!["2026-11-29".to_owned()])
        );
        assert_eq!(
            (c[2].present, c[2].missing.clone()),
            (3, vec!["week of 2026-11-09".to_owned()])
        );
        assert_eq!(
            (c[3].present, c[3].missing.clone()),
            (2, vec!["2026-09".to_owned()])
        );
        assert!(coverage(&Policy::default(), &times).is_empty());
        let none = coverage(
            &Policy {
                yearly: 2,
                ..Policy::default()
            },
            &[],
        );
        assert_eq!((none[0].present, none[0].wanted), (0, 2));
    }

    /// A rule that asks for billions of periods costs what the backups
    /// cost: the newest few missing ones are listed, the rest counted.
    #[test]
    fn huge_rules_list_a_few_periods_and_count_the_rest() {
        let times = [t("2026-11-30T02:00:00Z"), t("2026-11-23T02:00:00Z")];
        let c = coverage(
            &Policy {
                daily: u32::MAX,
                yearly: u32::MAX,
                ..Policy::default()
            },
            &times,
        );
        assert_eq!((c[0].present, c[0].missing_total), (2, u32::MAX - 2));
        assert_eq!(c[0].missing.len(), MISSING_LISTED);
        assert_eq!(c[0].missing[0], "2026-11-29");
        assert_eq!((c[1].present, c[1].missing_total), (1, u32::MAX - 1));
        assert_eq!(c[1].missing[..2], ["2025".to_owned(), "2024".to_owned()]);
    }

    #[test]
    fn labels_invert_periods() {
        let mon = t("2026-11-30T12:00:00Z");
        let label = |r: Rule| r.period(mon).map(|p| r.label(p)).unwrap_or_default();
        assert_eq!(label(Rule::Daily), "2026-11-30");
        assert_eq!(label(Rule::Weekly), "week of 2026-11-30");
        assert_eq!(label(Rule::Monthly), "2026-11");
        assert_eq!(label(Rule::Yearly), "2026");
        let jan = t("2026-01-01T00:00:00Z");
        assert_eq!(
            Rule::Monthly
                .period(jan)
                .map(|p| Rule::Monthly.label(p))
                .unwrap_or_default(),
            "2026-01"
        );
        // 2026-01-01 is a Thursday: its ISO week began on Monday 2025-12-29.
        assert_eq!(
            Rule::Weekly
                .period(jan)
                .map(|p| Rule::Weekly.label(p))
                .unwrap_or_default(),
            "week of 2025-12-29"
        );
    }
}
