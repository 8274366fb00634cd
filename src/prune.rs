//! `pgark prune`: deleting the backups a [retention policy](crate::retention)
//! does not keep.
//!
//! [`plan`] is pure: from a bucket [`Listing`] (the same listing, manifests
//! and validity rules as `pgark ls` and `audit`) and a [`Policy`] it
//! decides, for every archive, whether it is kept (and by which rules),
//! deleted, or left alone because it is not a valid backup. The policy
//! counts valid backups only, and applies to each [series](series_of)
//! (the backups of one database name) alone. Then:
//!
//! * the newest valid backup of each series is always kept;
//! * an invalid archive (no manifest, unreadable manifest, truncated, too
//!   small, no time) is never deleted by prune;
//! * a plan that would delete a backup older than an invalid archive of
//!   its series (or than one whose time or series is unknown) is
//!   [refused](Plan::blockers):
//!   the newer run may have failed, and the older backups may be the
//!   last good ones. `force` overrides this;
//! * an archive is deleted first, then its sidecars (its manifest and the
//!   other objects named after it): an interrupted prune leaves at worst a
//!   manifest without its archive, which `audit` reports and which blocks
//!   nothing.
//!
//! [`apply`] deletes what a plan says. On a versioned bucket a plain delete
//! only adds a delete marker (the noncurrent-version lifecycle rule of
//! `pgark bucket init` removes the old versions later);
//! [`Deletion::PurgeVersions`] deletes every version and delete marker of
//! each key at once.

use aws_sdk_s3::Client;

use crate::audit::{Backup, Listing};
use crate::retention::{self, Policy, Reason};
use crate::sink::s3::{Failure, S3Action, S3ClientOptions, S3Error};
use crate::Error;

/// What becomes of one archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Kept, for these reasons; none for the newest valid backup when no
    /// rule keeps it (never the case with a non-empty policy).
    Keep(Vec<Reason>),
    /// Deleted, with its sidecars.
    Delete,
    /// Not a valid backup: left alone, and not counted by the policy.
    Invalid(String),
}

/// One archive and what becomes of it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The archive's key.
    pub key: String,
    /// Its [series](series_of): the policy applies to each series alone.
    pub series: String,
    /// When it was taken (Unix seconds), if known.
    pub taken_at: Option<i64>,
    /// Its size in bytes.
    pub size: u64,
    /// The objects deleted with it (its manifest first).
    pub sidecars: Vec<String>,
    /// Kept, deleted or left alone.
    pub decision: Decision,
}

/// Why a plan may not be applied without `force`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The invalid archive.
    pub key: String,
    /// Why it is not a valid backup.
    pub why: String,
}

/// What prune would do to everything under a prefix.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The policy applied.
    pub policy: Policy,
    /// Every archive, newest first (those without a time last).
    pub entries: Vec<Entry>,
    /// Invalid archives newer than a backup the plan deletes.
    pub blockers: Vec<Blocker>,
    /// Manifests without their archive: left alone.
    pub orphan_manifests: Vec<String>,
    /// The files of `--all-databases` runs (run records, globals files)
    /// deleted because the plan deletes the last archives of their run.
    pub run_files: Vec<String>,
}

impl Plan {
    /// The archives to delete.
    pub fn deletions(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.decision == Decision::Delete)
    }

    /// The archives kept.
    pub fn kept(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.decision, Decision::Keep(_)))
    }
}

/// Decides what to keep and delete. Errors only for an empty policy,
/// which would keep nothing but the newest backup.
pub fn plan(listing: &Listing, policy: &Policy) -> Result<Plan, Error> {
    if policy.is_empty() {
        return Err(Error::Config(
            "a retention policy needs at least one of --keep-last, --keep-daily, \
             --keep-weekly, --keep-monthly, --keep-yearly above 0"
                .into(),
        ));
    }
    let mut backups: Vec<&Backup> = listing.backups.iter().collect();
    backups.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then(b.key.cmp(&a.key)));
    let mut decisions: Vec<Decision> = backups
        .iter()
        .map(|b| Decision::Invalid(b.invalid().unwrap_or_default()))
        .collect();
    let mut series: std::collections::BTreeMap<String, Vec<(usize, i64)>> = Default::default();
    for (i, b) in backups.iter().enumerate() {
        if let (None, Some(t)) = (b.invalid(), b.taken_at) {
            series.entry(series_of(&b.key)).or_default().push((i, t));
        }
    }
    // Each series newest first, as `backups` is.
    for valid in series.values() {
        let times: Vec<i64> = valid.iter().map(|(_, t)| *t).collect();
        let reasons = retention::keep(policy, &times);
        for (n, ((i, _), why)) in valid.iter().zip(reasons).enumerate() {
            decisions[*i] = if why.is_empty() && n > 0 {
                Decision::Delete
            } else {
                Decision::Keep(why)
            };
        }
    }
    let entries: Vec<Entry> = backups
        .iter()
        .zip(decisions)
        .map(|(b, decision)| Entry {
            series: series_of(&b.key),
            key: b.key.clone(),
            taken_at: b.taken_at,
            size: b.size,
            sidecars: sidecars_in_order(b),
            decision,
        })
        .collect();
    let blockers = blockers(&entries);
    let run_files = run_files_to_delete(&entries, &listing.run_files);
    Ok(Plan {
        policy: *policy,
        entries,
        blockers,
        orphan_manifests: listing.orphan_manifests.clone(),
        run_files,
    })
}

/// The files of runs (`DIR/run-<stamp>.json`, `DIR/globals-<stamp>.sql`)
/// whose archives (`DIR/<name>-<stamp>.dump...`) the plan deletes, every
/// one: a run with an archive left keeps its files.
fn run_files_to_delete(entries: &[Entry], run_files: &[String]) -> Vec<String> {
    let run_of = |key: &str| {
        let (dir, file) = key.rsplit_once('/').unwrap_or(("", key));
        let stamp = crate::audit::time_from_key(key)
            .and(file.rsplit_once('-'))?
            .1;
        let stamp = stamp.split('.').next()?;
        Some((dir.to_owned(), stamp.to_owned()))
    };
    let mut deleted = std::collections::HashSet::new();
    let mut left = std::collections::HashSet::new();
    for e in entries {
        if let Some(run) = run_of(&e.key) {
            if e.decision == Decision::Delete {
                deleted.insert(run);
            } else {
                left.insert(run);
            }
        }
    }
    run_files
        .iter()
        .filter(|k| {
            crate::cluster::record::run_file_stamp(k).is_some_and(|(dir, stamp)| {
                let run = (dir.to_owned(), stamp.to_owned());
                deleted.contains(&run) && !left.contains(&run)
            })
        })
        .cloned()
        .collect()
}

/// The series a backup belongs to: the name before its timestamp
/// (`app` for `prod/2026/11/30/app-20261130T020000Z.dump`), so that the
/// backups of different databases under one prefix are counted
/// separately (restic groups snapshots by host and paths the same way);
/// empty for a key without a timestamp.
pub fn series_of(key: &str) -> String {
    let file = key.rsplit('/').next().unwrap_or(key);
    match (crate::audit::time_from_key(key), file.rsplit_once('-')) {
        (Some(_), Some((name, _))) => name.to_owned(),
        _ => String::new(),
    }
}

/// The manifest first, then the other sidecars by key.
fn sidecars_in_order(b: &Backup) -> Vec<String> {
    let manifest = format!("{}{}", b.key, crate::manifest::SUFFIX);
    let mut out = b.sidecars.clone();
    out.sort_by_key(|k| (*k != manifest, k.clone()));
    out
}

/// Invalid archives newer than (or of unknown time than) the oldest
/// deletion of their series; one of no known series counts for every
/// series.
fn blockers(entries: &[Entry]) -> Vec<Blocker> {
    let mut oldest_deleted: std::collections::HashMap<&str, i64> = Default::default();
    for e in entries.iter().filter(|e| e.decision == Decision::Delete) {
        if let Some(t) = e.taken_at {
            let oldest = oldest_deleted.entry(e.series.as_str()).or_insert(t);
            *oldest = (*oldest).min(t);
        }
    }
    let blocks = |e: &Entry| {
        let oldest = if e.series.is_empty() {
            oldest_deleted.values().min().copied()
        } else {
            oldest_deleted.get(e.series.as_str()).copied()
        };
        oldest.is_some_and(|oldest| e.taken_at.is_none_or(|t| t > oldest))
    };
    entries
        .iter()
        .filter_map(|e| match &e.decision {
            Decision::Invalid(why) if blocks(e) => Some(Blocker {
                key: e.key.clone(),
                why: why.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// How [`apply`] deletes an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// `DeleteObject` without a version: on a versioned bucket the object
    /// becomes a noncurrent version behind a delete marker.
    Current,
    /// Every version and delete marker of the key (`ListObjectVersions`,
    /// then `DeleteObject` with each version id).
    PurgeVersions,
}

/// What [`apply`] deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Archives deleted.
    pub archives: usize,
    /// Objects deleted (archives and sidecars; with versions purged,
    /// object versions and delete markers).
    pub objects: usize,
    /// Bytes of the archives deleted.
    pub bytes: u64,
}

/// Deletes the plan's deletions, each archive before its sidecars.
/// Refuses (a configuration error, nothing deleted) when the plan has
/// blockers and `force` is false. Stops at the first failed call.
pub async fn apply(
    s3: &S3ClientOptions,
    bucket: &str,
    plan: &Plan,
    deletion: Deletion,
    force: bool,
) -> Result<Applied, Error> {
    if !plan.blockers.is_empty() && !force {
        return Err(Error::Config(refusal(plan)));
    }
    let client = &crate::sink::s3::build_client(s3).await;
    let mut applied = Applied::default();
    for entry in plan.deletions() {
        for key in std::iter::once(&entry.key).chain(&entry.sidecars) {
            applied.objects += match deletion {
                Deletion::Current => delete(client, bucket, key, None).await.map(|()| 1)?,
                Deletion::PurgeVersions => purge(client, bucket, key).await?,
            };
        }
        applied.archives += 1;
        applied.bytes += entry.size;
    }
    for key in &plan.run_files {
        applied.objects += match deletion {
            Deletion::Current => delete(client, bucket, key, None).await.map(|()| 1)?,
            Deletion::PurgeVersions => purge(client, bucket, key).await?,
        };
    }
    Ok(applied)
}

/// One line per blocker: why prune refuses.
pub fn refusal(plan: &Plan) -> String {
    plan.blockers
        .iter()
        .map(|b| {
            format!(
                "refusing to prune: {} is newer than backups the policy deletes and is not \
                 a valid backup ({}); repair or remove it, or use --force",
                b.key, b.why
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn delete(
    client: &Client,
    bucket: &str,
    key: &str,
    version: Option<&str>,
) -> Result<(), S3Error> {
    let action = match version {
        Some(_) => S3Action::DeleteObjectVersion,
        None => S3Action::DeleteObject,
    };
    client
        .delete_object()
        .bucket(bucket)
        .key(key)
        .set_version_id(version.map(str::to_owned))
        .send()
        .await
        .map_err(|e| Failure::from_sdk(&e).into_error(bucket, key, action, 1))?;
    Ok(())
}

/// Deletes every version and delete marker of `key`: how many.
async fn purge(client: &Client, bucket: &str, key: &str) -> Result<usize, S3Error> {
    let versions = versions_of(client, bucket, key).await?;
    for v in &versions {
        delete(client, bucket, key, Some(v)).await?;
    }
    Ok(versions.len())
}

/// The version ids of `key` (object versions and delete markers).
async fn versions_of(client: &Client, bucket: &str, key: &str) -> Result<Vec<String>, S3Error> {
    let mut ids = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let out = client
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| {
                Failure::from_sdk(&e).into_error(bucket, key, S3Action::ListObjectVersions, 1)
            })?;
        let versions = out.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = out
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        for (k, id) in versions.chain(markers) {
            if let (Some(k), Some(id)) = (k, id) {
                if k == key {
                    ids.push(id.to_owned());
                }
            }
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_owned);
        version_marker = out.next_version_id_marker().map(str::to_owned);
        if key_marker.is_none() {
            break;
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{self, Manifest};

    const DAY: i64 = 86_400;
    const WEEK: i64 = 7 * DAY;

    fn backup(at: i64, valid: bool) -> Backup {
        let stamp = manifest::rfc3339(at).replace(['-', ':'], "");
        let key = format!("p/app-{stamp}.dump");
        let json = serde_json::json!({
            "format": manifest::FORMAT,
            "pgark_version": "0",
            "archive": key,
            "database": "app",
            "server_version": "16.2",
            "server_version_num": 160_002,
            "archive_version": "1.15",
            "compression": "gzip:2",
            "started_at": manifest::rfc3339(at),
            "finished_at": manifest::rfc3339(at + 60),
            "size": 5000,
            "sha256": "",
            "tables": [],
            "large_objects": 0,
            "extensions": [],
            "snapshot": "",
        });
        let manifest = valid
            .then(|| Manifest::from_json(json.to_string().as_bytes()))
            .transpose()
            .expect("a valid manifest");
        Backup {
            sidecars: if valid {
                vec![
                    format!("{key}.zz-extra"),
                    format!("{key}{}", manifest::SUFFIX),
                ]
            } else {
                vec![]
            },
            taken_at: Some(at),
            manifest_problem: (!valid).then(|| "no manifest (the run did not complete)".into()),
            key,
            size: 5000,
            manifest,
        }
    }

    fn listing(backups: Vec<Backup>) -> Listing {
        Listing {
            backups,
            orphan_manifests: vec![],
            runs: vec![],
            run_files: vec![],
        }
    }

    // 2026-11-30 is a Monday.
    fn monday() -> i64 {
        manifest::parse_rfc3339("2026-11-30T02:00:00Z").unwrap_or_default()
    }

    #[test]
    fn run_files_go_with_the_last_archives_of_their_run() {
        let named = |name: &str, at: i64| {
            let mut b = backup(at, true);
            b.key = b.key.replacen("p/app-", &format!("p/{name}-"), 1);
            b
        };
        let stamp = |at: i64| manifest::rfc3339(at).replace(['-', ':'], "");
        let (old, mid, new) = (monday() - 2 * WEEK, monday() - WEEK, monday());
        // The middle run's `db` archive is invalid: that run keeps its files.
        let mut backups = vec![named("app", old), named("db", old)];
        backups.extend([named("app", mid), backup(mid, false), named("db", new)]);
        backups[3].key = format!("p/db-{}.dump", stamp(mid));
        backups.push(named("app", new));
        let mut l = listing(backups);
        l.run_files = [old, mid, new]
            .iter()
            .flat_map(|t| {
                [
                    format!("p/run-{}.json", stamp(*t)),
                    format!("p/globals-{}.sql", stamp(*t)),
                ]
            })
            .collect();
        let p = plan(
            &l,
            &Policy {
                last: 1,
                ..Policy::default()
            },
        )
        .expect("a policy");
        assert_eq!(
            p.run_files,
            [
                format!("p/run-{}.json", stamp(old)),
                format!("p/globals-{}.sql", stamp(old))
            ]
        );
    }

    #[test]
    fn keeps_by_policy_and_deletes_the_rest_with_sidecars() {
        let l = listing((0..6).map(|w| backup(monday() - w * WEEK, true)).collect());
        let p = plan(
            &l,
            &Policy {
                last: 2,
                ..Policy::default()
            },
        )
        .expect("plan");
        assert_eq!(p.kept().count(), 2);
        assert_eq!(p.deletions().count(), 4);
        assert!(p.blockers.is_empty());
        let d = p.deletions().next().expect("a deletion");
        assert!(
            d.sidecars[0].ends_with(manifest::SUFFIX),
            "{:?}",
            d.sidecars
        );
        assert_eq!(d.sidecars.len(), 2);
    }

    #[test]
    fn an_invalid_newer_archive_blocks_and_is_never_deleted() {
        let mut backups: Vec<Backup> = (1..6).map(|w| backup(monday() - w * WEEK, true)).collect();
        backups.push(backup(monday(), false));
        let p = plan(
            &listing(backups),
            &Policy {
                last: 1,
                ..Policy::default()
            },
        )
        .expect("plan");
        assert_eq!(p.blockers.len(), 1);
        assert!(p.blockers[0].why.contains("no manifest"));
        assert!(matches!(p.entries[0].decision, Decision::Invalid(_)));
        // The newest valid backup is kept; the invalid one is not counted.
        assert!(matches!(p.entries[1].decision, Decision::Keep(ref r) if !r.is_empty()));
        assert!(refusal(&p).contains("--force"));
    }

    #[test]
    fn an_invalid_archive_older_than_every_deletion_blocks_nothing() {
        let mut backups: Vec<Backup> = (0..4).map(|w| backup(monday() - w * WEEK, true)).collect();
        backups.push(backup(monday() - 10 * WEEK, false));
        let p = plan(
            &listing(backups),
            &Policy {
                last: 2,
                ..Policy::default()
            },
        )
        .expect("plan");
        assert!(p.blockers.is_empty());
        assert_eq!(p.deletions().count(), 2);
        assert!(matches!(p.entries[4].decision, Decision::Invalid(_)));
    }

    #[test]
    fn each_database_is_pruned_on_its_own() {
        // Two databases backed up every day under one prefix: daily 2
        // keeps two of each, not the two newest of both together.
        let mut backups = Vec::new();
        for d in 0..4 {
            backups.push(backup(monday() - d * DAY, true));
            let mut other = backup(monday() - d * DAY + 600, true);
            other.key = other.key.replace("/app-", "/billing-");
            backups.push(other);
        }
        let p = plan(
            &listing(backups),
            &Policy {
                daily: 2,
                ..Policy::default()
            },
        )
        .expect("plan");
        let kept: Vec<&str> = p.kept().map(|e| e.series.as_str()).collect();
        assert_eq!(kept, ["billing", "app", "billing", "app"]);
        assert_eq!(p.deletions().count(), 4);
        // A failed run of one database does not block the other's pruning.
        let mut backups: Vec<Backup> = (1..4).map(|w| backup(monday() - w * WEEK, true)).collect();
        let mut failed = backup(monday(), false);
        failed.key = failed.key.replace("/app-", "/billing-");
        backups.push(failed);
        let p = plan(
            &listing(backups),
            &Policy {
                last: 1,
                ..Policy::default()
            },
        )
        .expect("plan");
        assert!(p.blockers.is_empty());
        assert_eq!(p.deletions().count(), 2);
        assert_eq!(
            series_of("x/2026/11/30/app-db-20261130T020000Z.dump"),
            "app-db"
        );
        assert_eq!(series_of("x/latest.dump"), "");
    }

    #[test]
    fn empty_policy_is_refused() {
        let l = listing(vec![backup(monday(), true)]);
        let e = plan(&l, &Policy::default()).expect_err("empty policy");
        assert!(e.to_string().contains("--keep-last"), "{e}");
    }

    #[test]
    fn the_newest_valid_backup_is_always_kept() {
        let l = listing(vec![backup(monday(), true)]);
        let p = plan(
            &l,
            &Policy {
                yearly: 1,
                ..Policy::default()
            },
        )
        .expect("plan");
        assert_eq!(p.kept().count(), 1);
        assert_eq!(p.deletions().count(), 0);
    }
}
