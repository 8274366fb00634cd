//! Reading a bucket of backups: `pgark ls` (the backups, newest first) and
//! `pgark audit` (is the newest valid backup recent, are there gaps in the
//! cadence, archives without manifests, manifests without archives,
//! truncated or suspiciously small archives). A backup's time comes from
//! its key and manifest, never from LastModified, which a copy or a
//! versioned restore changes.

use aws_sdk_s3::Client;
use serde::Serialize;

use crate::cluster::record::{self, RunRecord};
use crate::manifest::{self, Manifest, SUFFIX};
use crate::sink::s3::{build_client, chain_line, Failure, S3Action, S3ClientOptions, S3Error};
use crate::S3Url;

/// Archives smaller than this are not backups (an empty database's
/// archive is a few KiB).
pub const MIN_ARCHIVE_BYTES: u64 = 1024;

/// One archive found in the bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Backup {
    /// The archive's key.
    pub key: String,
    /// Its size in the bucket.
    pub size: u64,
    /// When it was taken (Unix seconds): the manifest's `started_at`, else
    /// the timestamp in the key.
    pub taken_at: Option<i64>,
    /// The manifest, if there is one and it parses.
    #[serde(skip)]
    pub manifest: Option<Manifest>,
    /// Why the manifest is missing or unusable, if it is.
    pub manifest_problem: Option<String>,
    /// The objects that belong to this archive: every key that is the
    /// archive's key followed by `.` and more (its manifest, and whatever
    /// else is written next to it), unless it belongs to a longer archive
    /// key (`X.dump.age.manifest.json` is `X.dump.age`'s, not `X.dump`'s).
    pub sidecars: Vec<String>,
}

impl Backup {
    /// Why this archive does not count as a backup, if it does not.
    pub fn invalid(&self) -> Option<String> {
        if let Some(p) = &self.manifest_problem {
            return Some(p.clone());
        }
        let m = self.manifest.as_ref()?;
        if m.size != self.size {
            return Some(format!(
                "truncated or replaced: the object has {} bytes, its manifest says {}",
                self.size, m.size
            ));
        }
        if self.size < MIN_ARCHIVE_BYTES {
            return Some(format!("only {} bytes", self.size));
        }
        if self.taken_at.is_none() {
            return Some("no time in its key or manifest".into());
        }
        None
    }
}

/// Everything under a prefix.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Archives, newest first (those without a time last).
    pub backups: Vec<Backup>,
    /// Manifests whose archive is missing.
    pub orphan_manifests: Vec<String>,
    /// The run records of `--all-databases` runs
    /// ([`crate::cluster::record`]), newest first.
    pub runs: Vec<Run>,
    /// The keys of those runs' files: records and globals files.
    pub run_files: Vec<String>,
}

/// A run record found in the bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Its key.
    pub key: String,
    /// The record, if it parses.
    pub record: Option<RunRecord>,
    /// Why it does not, if it does not.
    pub problem: Option<String>,
}

/// The time in a key like `.../<name>-20261123T000000Z.dump`.
pub fn time_from_key(key: &str) -> Option<i64> {
    let file = key.rsplit('/').next()?;
    let file = file.strip_suffix(crate::crypt::SUFFIX).unwrap_or(file);
    let stem = file.strip_suffix(".dump")?;
    let stamp = stem.rsplit('-').next()?;
    let b = stamp.as_bytes();
    // Bytes, not chars: a key is any UTF-8 a writer chose, and slicing
    // below is only safe once every byte is one of the expected ASCII ones.
    let shape = |i: usize, c: &u8| match i {
        8 => *c == b'T',
        15 => *c == b'Z',
        _ => c.is_ascii_digit(),
    };
    if b.len() != 16 || !b.iter().enumerate().all(|(i, c)| shape(i, c)) {
        return None;
    }
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    );
    manifest::parse_rfc3339(&rfc)
}

/// Why `m`, found at `key`'s manifest key, is not `key`'s manifest, if it
/// is not: its `archive` names another object (a manifest copied next to
/// the wrong archive vouches for nothing). An `s3://` archive must name
/// this key (in any bucket: a replica keeps its manifests); a path (a
/// file backup uploaded later) must end in the key's file name.
fn foreign_manifest(key: &str, m: &Manifest) -> Option<String> {
    let same = match S3Url::parse(&m.archive) {
        Ok(t) => t.key == key,
        Err(_) if m.archive.starts_with("s3://") => false,
        Err(_) => m.archive.rsplit('/').next() == key.rsplit('/').next(),
    };
    (!same).then(|| format!("its manifest describes another archive ({})", m.archive))
}

fn s3_error(bucket: &str, key: &str, action: &str, e: impl std::fmt::Display) -> S3Error {
    S3Error::Config {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        message: format!("{action} failed: {e}"),
    }
}

/// `pgark ls`: the backups under `url` (a bucket, or a bucket and key
/// prefix), newest first, with their manifests read, on the caller's
/// runtime with an S3 client built from `s3`.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// let url = pgark::S3Url::parse("s3://backups/prod/")?;
/// let s3 = pgark::sink::s3::S3ClientOptions::default().with_region("eu-west-1");
/// let listing = pgark::audit::ls(&url, &s3).await?;
/// for b in &listing.backups {
///     println!("{} {} {}", b.key, b.size, b.invalid().unwrap_or_else(|| "ok".into()));
/// }
/// # Ok(()) }
/// ```
pub async fn ls(url: &S3Url, s3: &S3ClientOptions) -> crate::Result<Listing> {
    let client = build_client(s3).await;
    Ok(list(&client, &url.bucket, &url.key).await?)
}

/// `pgark audit`: the backups under `url` ([`ls`]) checked against
/// `cadence` ([`check`]).
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use pgark::audit::{self, Cadence};
/// let url = pgark::S3Url::parse("s3://backups/prod/")?;
/// let s3 = pgark::sink::s3::S3ClientOptions::default();
/// let week = 7 * 86_400;
/// let now = std::time::SystemTime::now()
///     .duration_since(std::time::UNIX_EPOCH)
///     .map_or(0, |d| d.as_secs() as i64);
/// let (_listing, report) = audit::audit(&url, &s3, Cadence { every: week, grace: 3600, now }).await?;
/// if !report.ok() {
///     for f in &report.findings {
///         eprintln!("{}", f.message);
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn audit(
    url: &S3Url,
    s3: &S3ClientOptions,
    cadence: Cadence,
) -> crate::Result<(Listing, AuditReport)> {
    let listing = ls(url, s3).await?;
    let report = check(&listing, cadence);
    Ok((listing, report))
}

/// Lists the backups under `prefix` and reads their manifests.
pub(crate) async fn list(client: &Client, bucket: &str, prefix: &str) -> Result<Listing, S3Error> {
    let mut objects: Vec<(String, u64)> = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| {
                Failure::from_sdk(&e).into_error(bucket, prefix, S3Action::ListObjectsV2, 1)
            })?;
        for o in out.contents() {
            if let Some(k) = o.key() {
                objects.push((k.to_owned(), o.size().unwrap_or(0).max(0) as u64));
            }
        }
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => break,
        }
    }
    let mut read = std::collections::HashMap::new();
    for key in objects_to_read(&objects) {
        let bytes = read_object(client, bucket, &key).await;
        read.insert(key, bytes.map_err(|e| e.to_string()));
    }
    Ok(listing_of(&objects, &read))
}

fn is_archive(key: &str) -> bool {
    key.ends_with(".dump") || key.ends_with(".dump.age")
}

/// The objects [`listing_of`] reads: the run records and each archive's
/// manifest that exists.
pub fn objects_to_read(objects: &[(String, u64)]) -> Vec<String> {
    let keys: std::collections::HashSet<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    let mut out = Vec::new();
    for (key, _) in objects {
        if record::is_record_key(key) {
            out.push(key.clone());
        } else if is_archive(key) {
            let manifest = format!("{key}{SUFFIX}");
            if keys.contains(manifest.as_str()) {
                out.push(manifest);
            }
        }
    }
    out
}

/// The backups and runs among `objects` (every key and size under a
/// prefix), with the objects at [`objects_to_read`]'s keys as read (their
/// bytes, or why they could not be read): what `ls` and `audit` list,
/// from keys any writer may have chosen.
pub fn listing_of(
    objects: &[(String, u64)],
    read: &std::collections::HashMap<String, Result<Vec<u8>, String>>,
) -> Listing {
    let keys: std::collections::HashSet<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    let mut backups = Vec::new();
    let mut orphan_manifests = Vec::new();
    let mut runs = Vec::new();
    let mut run_files = Vec::new();
    for (key, size) in objects {
        if record::run_file_stamp(key).is_some() {
            run_files.push(key.clone());
        }
        if record::is_record_key(key) {
            runs.push(run_of(key, read));
            continue;
        }
        if let Some(archive) = key.strip_suffix(SUFFIX) {
            if !keys.contains(archive) {
                orphan_manifests.push(key.clone());
            }
            continue;
        }
        if !is_archive(key) {
            continue;
        }
        backups.push(backup_of(key, *size, read));
    }
    attach_sidecars(&mut backups, objects.iter().map(|(k, _)| k.as_str()));
    backups.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then(b.key.cmp(&a.key)));
    runs.sort_by(|a, b| run_time(b).cmp(&run_time(a)).then(b.key.cmp(&a.key)));
    Listing {
        backups,
        orphan_manifests,
        runs,
        run_files,
    }
}

/// The run record at `key`, or why it could not be read.
fn run_of(key: &str, read: &std::collections::HashMap<String, Result<Vec<u8>, String>>) -> Run {
    let (record, problem) = match read.get(key) {
        Some(Ok(bytes)) => match RunRecord::from_json(bytes) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(format!("run record unreadable: {e}"))),
        },
        Some(Err(e)) => (None, Some(format!("run record unreadable: {e}"))),
        None => (None, Some("run record not read".into())),
    };
    Run {
        key: key.to_owned(),
        record,
        problem,
    }
}

/// The archive at `key` with its manifest (or why it has none usable),
/// taken when the manifest says, else when its key says.
fn backup_of(
    key: &str,
    size: u64,
    read: &std::collections::HashMap<String, Result<Vec<u8>, String>>,
) -> Backup {
    let (manifest, manifest_problem) = match read.get(&format!("{key}{SUFFIX}")) {
        Some(Ok(bytes)) => match Manifest::from_json(bytes) {
            Ok(m) => match foreign_manifest(key, &m) {
                Some(problem) => (None, Some(problem)),
                None => (Some(m), None),
            },
            Err(e) => (None, Some(format!("manifest unreadable: {e}"))),
        },
        Some(Err(e)) => (None, Some(format!("manifest unreadable: {e}"))),
        None => (None, Some("no manifest (the run did not complete)".into())),
    };
    let taken_at = manifest
        .as_ref()
        .and_then(|m| manifest::parse_rfc3339(&m.started_at))
        .or_else(|| time_from_key(key));
    Backup {
        key: key.to_owned(),
        size,
        taken_at,
        manifest,
        manifest_problem,
        sidecars: Vec::new(),
    }
}

/// When a run started (from its record, else its key).
fn run_time(run: &Run) -> Option<i64> {
    run.record
        .as_ref()
        .and_then(|r| manifest::parse_rfc3339(&r.started_at))
        .or_else(|| {
            let file = run.key.rsplit('/').next()?;
            let stamp = file.strip_prefix("run-")?.strip_suffix(".json")?;
            time_from_key(&format!("x-{stamp}.dump"))
        })
}

/// One database's backups under a prefix: its [series](crate::prune::series_of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseStatus {
    /// The name in its archives' keys (the database's, made file-safe).
    pub database: String,
    /// Its archives.
    pub archives: usize,
    /// Those that are valid backups.
    pub valid: usize,
    /// Its newest valid backup's key.
    pub newest: Option<String>,
    /// When that was taken (Unix seconds).
    pub newest_at: Option<i64>,
    /// Its failure in an `--all-databases` run newer than its newest
    /// valid backup: the run's start and the error.
    pub failed_run: Option<(String, String)>,
}

/// Every database (series) under the prefix, by name: its archives, its
/// newest valid backup, and a newer run that failed it.
pub fn databases(listing: &Listing) -> Vec<DatabaseStatus> {
    let mut out: std::collections::BTreeMap<String, DatabaseStatus> = Default::default();
    let status = |name: &str| DatabaseStatus {
        database: name.to_owned(),
        archives: 0,
        valid: 0,
        newest: None,
        newest_at: None,
        failed_run: None,
    };
    for b in &listing.backups {
        let name = crate::prune::series_of(&b.key);
        let s = out.entry(name.clone()).or_insert_with(|| status(&name));
        s.archives += 1;
        if b.invalid().is_none() {
            s.valid += 1;
            if b.taken_at > s.newest_at {
                s.newest_at = b.taken_at;
                s.newest = Some(b.key.clone());
            }
        }
    }
    // Runs newest first: a database's newest attempt decides.
    let mut seen = std::collections::HashSet::new();
    for run in &listing.runs {
        let (Some(r), Some(at)) = (&run.record, run_time(run)) else {
            continue;
        };
        for d in &r.databases {
            let name = crate::backup::safe_name(&d.database);
            if !seen.insert(name.clone()) {
                continue;
            }
            let s = out.entry(name.clone()).or_insert_with(|| status(&name));
            if let Some(e) = &d.error {
                if s.newest_at.is_none_or(|t| t < at) {
                    s.failed_run = Some((r.started_at.clone(), e.clone()));
                }
            }
        }
    }
    out.into_values().collect()
}

/// Gives each archive the objects whose key is its key followed by `.` and
/// more, the longest archive key winning.
fn attach_sidecars<'a>(backups: &mut [Backup], keys: impl Iterator<Item = &'a str>) {
    let index: std::collections::HashMap<String, usize> = backups
        .iter()
        .enumerate()
        .map(|(i, b)| (b.key.clone(), i))
        .collect();
    for key in keys {
        if index.contains_key(key) {
            continue;
        }
        let mut stem = key;
        while let Some(dot) = stem.rfind('.') {
            stem = &stem[..dot];
            if let Some(&i) = index.get(stem) {
                backups[i].sidecars.push(key.to_owned());
                break;
            }
        }
    }
}

async fn read_object(client: &Client, bucket: &str, key: &str) -> Result<Vec<u8>, S3Error> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| Failure::from_sdk(&e).into_error(bucket, key, S3Action::GetObject, 1))?;
    let len = out.content_length().unwrap_or(0);
    if len > manifest::MAX_MANIFEST_BYTES {
        let max = manifest::MAX_MANIFEST_BYTES;
        let why = format!("{len} bytes, more than a manifest's {max}");
        return Err(s3_error(bucket, key, "reading the object", why));
    }
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| s3_error(bucket, key, "reading the object", chain_line(&e)))?;
    Ok(body.into_bytes().to_vec())
}

/// What `audit` checks against.
#[derive(Debug, Clone, Copy)]
pub struct Cadence {
    /// A backup is expected this often (seconds).
    pub every: i64,
    /// Slack before a backup counts as missed (seconds).
    pub grace: i64,
    /// Now (Unix seconds).
    pub now: i64,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `overdue`, `gap`, `invalid`, `orphan-manifest`, `small`, `empty`.
    pub kind: String,
    /// Whether it makes the audit fail.
    pub fails: bool,
    /// What, in one line.
    pub message: String,
}

/// The audit's result.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Archives found.
    pub archives: usize,
    /// Archives that count as backups.
    pub valid: usize,
    /// The newest valid backup's key.
    pub newest: Option<String>,
    /// Its age in seconds.
    pub newest_age: Option<i64>,
    /// Everything found wrong.
    pub findings: Vec<Finding>,
    /// Each database (series) under the prefix.
    pub databases: Vec<DatabaseStatus>,
}

impl AuditReport {
    /// Whether the audit passes.
    pub fn ok(&self) -> bool {
        !self.findings.iter().any(|f| f.fails)
    }
}

/// Human duration: `3d 4h`, `5h 2m`, `40s`.
pub fn human(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// Checks a listing against a cadence.
pub fn check(listing: &Listing, cadence: Cadence) -> AuditReport {
    let mut findings = Vec::new();
    let finding = |kind: &str, fails: bool, message: String| Finding {
        kind: kind.into(),
        fails,
        message,
    };
    let valid = valid_backups(listing, &mut findings);
    for m in &listing.orphan_manifests {
        findings.push(finding(
            "orphan-manifest",
            false,
            format!("{m}: manifest without its archive"),
        ));
    }
    audit_each_series(&valid, cadence, &mut findings);
    let databases = databases(listing);
    for d in &databases {
        if let Some((at, error)) = &d.failed_run {
            findings.push(finding(
                "failed",
                true,
                format!(
                    "database {}: its backup in the run of {at} failed: {error}",
                    d.database
                ),
            ));
        }
    }
    if valid.is_empty() {
        findings.push(finding("overdue", true, "no valid backup at all".into()));
    }
    let newest = valid.iter().copied().max_by_key(|b| b.taken_at);
    let newest_age = newest
        .and_then(|b| b.taken_at)
        .map(|t| cadence.now.saturating_sub(t));
    AuditReport {
        archives: listing.backups.len(),
        valid: valid.len(),
        newest: newest.map(|b| b.key.clone()),
        newest_age,
        findings,
        databases,
    }
}

/// The listing's valid backups; each invalid one is a failing finding.
fn valid_backups<'a>(listing: &'a Listing, findings: &mut Vec<Finding>) -> Vec<&'a Backup> {
    let mut valid: Vec<&Backup> = Vec::new();
    for b in &listing.backups {
        match b.invalid() {
            Some(why) => findings.push(Finding {
                kind: "invalid".into(),
                fails: true,
                message: format!("{}: not a valid backup: {why}", b.key),
            }),
            None => valid.push(b),
        }
    }
    valid
}

/// Audits each database (series) alone: its cadence, gaps and sizes,
/// named in the messages when there are several.
fn audit_each_series(valid: &[&Backup], cadence: Cadence, findings: &mut Vec<Finding>) {
    let mut series: std::collections::BTreeMap<String, Vec<&Backup>> = Default::default();
    for b in valid {
        series
            .entry(crate::prune::series_of(&b.key))
            .or_default()
            .push(b);
    }
    let named = series.len() > 1;
    for (name, backups) in &mut series {
        let label = if named {
            format!("database {name}: ")
        } else {
            String::new()
        };
        audit_series(&label, backups, cadence, findings);
    }
}

/// Gaps, size outliers and an overdue newest backup of one database's
/// valid backups; `label` names it in the messages.
fn audit_series(label: &str, valid: &mut [&Backup], cadence: Cadence, findings: &mut Vec<Finding>) {
    let finding = |kind: &str, fails: bool, message: String| Finding {
        kind: kind.into(),
        fails,
        message,
    };
    // Oldest first for gaps and size outliers.
    valid.sort_by_key(|b| b.taken_at);
    let limit = cadence.every.saturating_add(cadence.grace);
    for pair in valid.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if let (Some(ta), Some(tb)) = (a.taken_at, b.taken_at) {
            if tb.saturating_sub(ta) > limit {
                findings.push(finding(
                    "gap",
                    true,
                    format!(
                        "{label}gap of {} between {} ({}) and {} ({}): at least one backup is missing",
                        human(tb.saturating_sub(ta)),
                        manifest::rfc3339(ta),
                        a.key,
                        manifest::rfc3339(tb),
                        b.key
                    ),
                ));
            }
        }
    }
    for (i, b) in valid.iter().enumerate().skip(1) {
        let mut before: Vec<u64> = valid[i.saturating_sub(4)..i]
            .iter()
            .map(|p| p.size)
            .collect();
        before.sort_unstable();
        let median = before[before.len() / 2];
        if b.size.saturating_mul(2) < median {
            findings.push(finding(
                "small",
                false,
                format!(
                    "{label}{}: {} bytes, less than half of the {} bytes its predecessors had",
                    b.key, b.size, median
                ),
            ));
        }
    }
    let Some(newest) = valid.last() else {
        return;
    };
    if let Some(age) = newest.taken_at.map(|t| cadence.now.saturating_sub(t)) {
        if age > limit {
            findings.push(finding(
                "overdue",
                true,
                format!(
                    "{label}the newest valid backup {} is {} old; one is expected every {}",
                    newest.key,
                    human(age),
                    human(cadence.every)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn backup(key_time: i64, size: u64, manifest_size: Option<u64>) -> Backup {
        let stamp = manifest::rfc3339(key_time).replace(['-', ':'], "");
        let key = format!("app-{stamp}.dump");
        let manifest = manifest_size.map(|s| Manifest {
            format: manifest::FORMAT.into(),
            pgark_version: "0".into(),
            archive: key.clone(),
            database: "app".into(),
            server_version: "16.2".into(),
            server_version_num: 160_002,
            archive_version: "1.15".into(),
            compression: "gzip:2".into(),
            started_at: manifest::rfc3339(key_time),
            finished_at: manifest::rfc3339(key_time + 60),
            size: s,
            sha256: String::new(),
            parts: vec![],
            tables: vec![],
            large_objects: 0,
            extensions: vec![],
            snapshot: String::new(),
            selection: vec![],
            encryption: None,
            globals: None,
        });
        Backup {
            taken_at: Some(key_time),
            manifest_problem: manifest.is_none().then(|| "no manifest".into()),
            key,
            size,
            manifest,
            sidecars: vec![],
        }
    }

    #[test]
    fn sidecars_go_to_the_longest_archive_key() {
        let mut backups = vec![backup(0, 2000, Some(2000)), backup(DAY, 2000, Some(2000))];
        let (a, b) = (backups[0].key.clone(), backups[1].key.clone());
        let mut encrypted = backup(0, 2000, Some(2000));
        encrypted.key = format!("{a}.age");
        backups.push(encrypted);
        let keys = [
            a.clone(),
            format!("{a}{SUFFIX}"),
            format!("{a}.age"),
            format!("{a}.age{SUFFIX}"),
            format!("{b}{SUFFIX}"),
            format!("{b}.sha256"),
            "unrelated.manifest.json".to_owned(),
        ];
        attach_sidecars(&mut backups, keys.iter().map(String::as_str));
        assert_eq!(backups[0].sidecars, [format!("{a}{SUFFIX}")]);
        assert_eq!(
            backups[1].sidecars,
            [format!("{b}{SUFFIX}"), format!("{b}.sha256")]
        );
        assert_eq!(backups[2].sidecars, [format!("{a}.age{SUFFIX}")]);
    }

    #[test]
    fn a_manifest_naming_another_key_is_foreign() {
        let key = "db/app-20261123T000000Z.dump";
        let mut m = backup(0, 2048, Some(2048)).manifest.expect("manifest");
        for (archive, foreign) in [
            ("s3://bkt/db/app-20261123T000000Z.dump", false),
            ("s3://replica/db/app-20261123T000000Z.dump", false),
            ("/backups/app-20261123T000000Z.dump", false),
            ("s3://bkt/db/app-20261116T000000Z.dump", true),
            ("s3://bkt/other/app-20261123T000000Z.dump", true),
            ("/backups/app-20261116T000000Z.dump", true),
            ("s3://", true),
        ] {
            m.archive = archive.into();
            assert_eq!(foreign_manifest(key, &m).is_some(), foreign, "{archive}");
        }
    }

    #[test]
    fn key_times_parse() {
        assert_eq!(
            time_from_key("2026/11/23/vidit-20261123T000000Z.dump"),
            manifest::parse_rfc3339("2026-11-23T00:00:00Z")
        );
        assert_eq!(time_from_key("x/notes.txt"), None);
    }

    #[test]
    fn multibyte_key_stamps_are_not_times() {
        // 16 bytes with `T` and `Z` in place, but `é` straddles the slices.
        assert_eq!(time_from_key("db-202é112T000000Z.dump"), None);
        assert_eq!(time_from_key("db-2026112éT00000Z.dump"), None);
        assert_eq!(time_from_key("db-+0261123T000000Z.dump"), None);
    }

    #[test]
    fn huge_cadence_saturates() {
        let listing = Listing {
            backups: vec![backup(0, 10, Some(10)), backup(DAY, 10, Some(10))],
            orphan_manifests: vec![],
            runs: vec![],
            run_files: vec![],
        };
        let report = check(
            &listing,
            Cadence {
                every: i64::MAX,
                grace: i64::MAX,
                now: i64::MIN,
            },
        );
        assert!(!report.findings.iter().any(|f| f.kind == "gap"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn any_key_parses_without_panic(key in "\\PC{0,40}") {
            let _ = time_from_key(&key);
        }

        #[test]
        fn stamp_shaped_keys_parse_without_panic(
            stamp in "[0-9é+T Z-]{14,18}",
            prefix in "[a-z/é-]{0,8}",
        ) {
            let _ = time_from_key(&format!("{prefix}-{stamp}.dump"));
        }
    }

    #[test]
    fn healthy_weekly_history_passes() {
        let now = 100 * DAY;
        let listing = Listing {
            backups: (0..5)
                .map(|w| backup(now - w * 7 * DAY - DAY, 50_000, Some(50_000)))
                .collect(),
            orphan_manifests: vec![],
            runs: vec![],
            run_files: vec![],
        };
        let r = check(
            &listing,
            Cadence {
                every: 7 * DAY,
                grace: DAY,
                now,
            },
        );
        assert!(r.ok(), "{:?}", r.findings);
        assert_eq!(r.valid, 5);
    }

    #[test]
    fn each_database_has_its_own_cadence_and_failed_runs_show() {
        let now = 100 * DAY;
        let named = |name: &str, at: i64| {
            let mut b = backup(at, 50_000, Some(50_000));
            b.key = b.key.replacen("app-", &format!("{name}-"), 1);
            b
        };
        let run = |db: &str, error: Option<&str>, at: i64| Run {
            key: format!("run-{}.json", manifest::rfc3339(at).replace(['-', ':'], "")),
            record: Some(RunRecord {
                format: record::FORMAT.into(),
                stamp: String::new(),
                started_at: manifest::rfc3339(at),
                finished_at: manifest::rfc3339(at + 60),
                databases: vec![record::RunDatabase {
                    database: db.into(),
                    archive: None,
                    error: error.map(str::to_owned),
                }],
                excluded: vec![],
                globals: None,
            }),
            problem: None,
        };
        let listing = Listing {
            backups: vec![named("fresh", now - DAY), named("stale", now - 20 * DAY)],
            orphan_manifests: vec![],
            runs: vec![run("fresh", Some("boom"), now - 2 * DAY)],
            run_files: vec![],
        };
        let cadence = Cadence {
            every: 7 * DAY,
            grace: DAY,
            now,
        };
        let r = check(&listing, cadence);
        let fails: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert!(fails[0].starts_with("database stale: the newest valid backup"));
        assert_eq!(r.databases.len(), 2);
        // A failed run newer than the newest backup fails the audit.
        let listing = Listing {
            runs: vec![run("fresh", Some("boom"), now - DAY / 2)],
            backups: vec![named("fresh", now - DAY)],
            orphan_manifests: vec![],
            run_files: vec![],
        };
        let r = check(&listing, cadence);
        assert!(!r.ok());
        assert_eq!(
            r.findings[0].message,
            format!(
                "database fresh: its backup in the run of {} failed: boom",
                manifest::rfc3339(now - DAY / 2)
            )
        );
    }

    #[test]
    fn gap_truncation_and_overdue_fail() {
        let now = 100 * DAY;
        let listing = Listing {
            backups: vec![
                backup(now - 9 * DAY, 50_000, Some(60_000)),  // truncated
                backup(now - 23 * DAY, 50_000, Some(50_000)), // week 2 missing before it
                backup(now - 37 * DAY, 50_000, Some(50_000)),
                backup(now - 44 * DAY, 50_000, None),
            ],
            orphan_manifests: vec!["x.dump.manifest.json".into()],
            runs: vec![],
            run_files: vec![],
        };
        let r = check(
            &listing,
            Cadence {
                every: 7 * DAY,
                grace: DAY,
                now,
            },
        );
        assert!(!r.ok());
        let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
        for k in ["invalid", "gap", "overdue", "orphan-manifest"] {
            assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
        }
        assert!(r.findings.iter().any(|f| f.message.contains("truncated")));
    }
}
