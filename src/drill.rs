//! The restore drill (`pgark drill`): the runbook's quarterly manual
//! procedure as one schedulable command. Picks the newest valid backup in
//! a bucket (and fails, restoring nothing, when a newer backup is broken:
//! its size differs from its manifest's; `--key` picks one instead), checks that the target server has every extension the
//! manifest lists, restores it natively into a scratch database, compares
//! every table's row count with the manifest, runs the configured checks,
//! and drops the scratch database again, also when a step failed.

use serde::Serialize;

use crate::audit;
use crate::cancel::or_cancelled;
use crate::db::connect;
use crate::db::row::RowExt;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, SUFFIX};
use crate::restore::{self, quote_ident, RestoreOptions};
use crate::runtime::{now_unix, off_workers};
use crate::sink::s3::{build_client, S3ClientOptions};
use crate::source::{read_s3_object, S3Reads, Source};
use tokio::runtime::Handle;

/// What to drill.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DrillOptions {
    /// The bucket.
    pub bucket: String,
    /// Prefix of the backups.
    pub prefix: String,
    /// A given key instead of the newest valid backup.
    pub key: Option<String>,
    /// Any database on the target server (the drill creates its own).
    pub target_url: String,
    /// SQL statements that must each return true in the restored copy.
    pub checks: Vec<String>,
    /// Keep the scratch database.
    pub keep: bool,
    /// Also audit the bucket's cadence: (every, grace) in seconds.
    pub audit: Option<(i64, i64)>,
    /// Restore with this pg_restore binary (fed the archive on standard
    /// input) instead of the native engine.
    pub pg_restore: Option<std::path::PathBuf>,
    /// How to reach the bucket (default: the AWS environment).
    pub s3: S3ClientOptions,
    /// Decrypts an encrypted backup and its manifest's sealed part.
    pub identity: Option<crate::crypt::Identities>,
    /// Cancelling it stops the drill's verify or restore with
    /// [`Error::Interrupted`], after the scratch database is dropped.
    pub cancel: Option<crate::CancellationToken>,
}

impl DrillOptions {
    /// Drill the newest valid backup under `s3://bucket/prefix` into a
    /// scratch database on the server `target_url` points at, with the
    /// defaults: native restore, no extra checks, no audit, scratch
    /// database dropped, S3 settings from the environment.
    pub fn new(
        bucket: impl Into<String>,
        prefix: impl Into<String>,
        target_url: impl Into<String>,
    ) -> Self {
        DrillOptions {
            bucket: bucket.into(),
            prefix: prefix.into(),
            key: None,
            target_url: target_url.into(),
            checks: Vec::new(),
            keep: false,
            audit: None,
            pg_restore: None,
            s3: S3ClientOptions::default(),
            identity: None,
            cancel: None,
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

/// The drill's report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DrillReport {
    /// The archive drilled.
    pub key: String,
    /// The scratch database (empty when nothing was restored: a backup
    /// newer than the newest valid one is broken).
    pub database: String,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Whether the scratch database was dropped.
    pub dropped: bool,
}

impl DrillReport {
    /// Whether everything held.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// `url` with its database name replaced by `dbname`.
pub fn with_dbname(url: &str, dbname: &str) -> Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base
        .find("://")
        .ok_or_else(|| Error::Config("the target must be a postgresql:// URL".into()))?
        + 3;
    let path_start = base[scheme_end..].find('/').map(|i| scheme_end + i);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    let mut out = format!("{host_part}/{dbname}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// `url` without its password (in the user part or `?password=`), and the
/// password, percent-decoded: for a child process's environment, not its
/// command line, where every user of the machine can read it.
fn without_password(url: &str) -> Result<(String, Option<String>)> {
    let bad = || Error::Config("the target must be a postgresql:// URL".into());
    let scheme_end = url.find("://").ok_or_else(bad)? + 3;
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let authority = &base[scheme_end..authority_end];
    let mut password = None;
    let mut out = base[..scheme_end].to_owned();
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            match user.split_once(':') {
                Some((name, p)) => {
                    password = Some(p.to_owned());
                    out.push_str(name);
                }
                None => out.push_str(user),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(&base[authority_end..]);
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|kv| match kv.split_once('=') {
                Some(("password", p)) => {
                    password = Some(p.to_owned());
                    false
                }
                _ => true,
            })
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    let password = password
        .map(|p| crate::db::percent_decode(&p).map_err(Error::Config))
        .transpose()?;
    Ok((out, password))
}

/// What the drill restores.
enum Picked {
    /// This archive, with its manifest.
    Backup(String, Box<Manifest>),
    /// Nothing: a backup newer than the newest valid one is broken (its
    /// size differs from its manifest's), and the drill exists to prove
    /// that the latest backup restores.
    BrokenNewer { key: String, problem: String },
}

/// Picks the archive: the given key, or the newest valid backup unless a
/// newer one is broken.
fn pick(handle: &Handle, opts: &DrillOptions) -> Result<Picked> {
    let key = match &opts.key {
        Some(k) => k.clone(),
        None => {
            let listing = handle.block_on(or_cancelled(opts.cancel.as_ref(), async {
                let client = build_client(&opts.s3).await;
                Ok(audit::list(&client, &opts.bucket, &opts.prefix).await?)
            }))?;
            let Some(newest) = listing.backups.iter().position(|b| b.invalid().is_none()) else {
                return Err(Error::Config(format!(
                    "s3://{}/{}: no valid backup (with a complete manifest) to drill",
                    opts.bucket, opts.prefix
                )));
            };
            // Newer archives without a manifest may still be uploading;
            // one with a manifest that does not match it is broken.
            let broken = listing.backups[..newest]
                .iter()
                .find_map(|b| Some((b, b.manifest.as_ref().and(b.invalid())?)));
            if let Some((b, problem)) = broken {
                return Ok(Picked::BrokenNewer {
                    key: b.key.clone(),
                    problem,
                });
            }
            listing.backups[newest].key.clone()
        }
    };
    let manifest_key = format!("{key}{SUFFIX}");
    let bytes = handle.block_on(or_cancelled(
        opts.cancel.as_ref(),
        read_s3_object(&opts.s3, &opts.bucket, &manifest_key),
    ))?;
    let bytes = bytes.ok_or_else(|| {
        Error::Config(format!(
            "s3://{}/{key}: no manifest next to the archive; the drill needs its row counts",
            opts.bucket
        ))
    })?;
    let mut m = Manifest::from_json(&bytes).map_err(Error::Config)?;
    if m.encryption.is_some() {
        let Some(ids) = &opts.identity else {
            return Err(crate::crypt::CryptError::NoIdentity {
                what: format!("s3://{}/{key}", opts.bucket),
            }
            .into());
        };
        crate::crypt::unseal_manifest(&mut m, ids)?;
    }
    Ok(Picked::Backup(key, Box::new(m)))
}

/// Runs the drill. An error means the drill could not run (nothing to
/// drill, a missing extension, the target refused); a report with failed
/// checks means the backup did not pass.
///
/// Runs on the caller's tokio runtime (the archive is read on one of its
/// blocking threads); [`crate::blocking::drill`] is the same without one.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use pgark::drill::DrillOptions;
/// // The newest valid backup under s3://backups/prod/, restored into a
/// // scratch database on the server of this URL, counted, dropped.
/// let mut opts = DrillOptions::new("backups", "prod/", "postgresql://drill@scratch.internal/postgres");
/// opts.s3 = pgark::sink::s3::S3ClientOptions::default().with_region("eu-west-1");
/// let report = pgark::drill::drill(&opts).await?;
/// for c in report.checks.iter().filter(|c| !c.ok) {
///     eprintln!("{}: {}", c.name, c.detail);
/// }
/// assert!(report.ok(), "the backup {} did not pass", report.key);
/// # Ok(()) }
/// ```
pub async fn drill(opts: &DrillOptions) -> Result<DrillReport> {
    let opts = opts.clone();
    off_workers(move |handle| drill_on(handle, &opts))
        .await
        .map_err(|e| match e {
            // Stopped after its scratch database was created: named.
            Error::Interrupted {
                during: crate::Interruption::Drill { .. },
                ..
            } => e,
            e => e.during(crate::Interruption::Drill {
                scratch: None,
                not_dropped: None,
            }),
        })
}

fn drill_on(handle: &Handle, opts: &DrillOptions) -> Result<DrillReport> {
    let (key, manifest) = match pick(handle, opts)? {
        Picked::Backup(key, manifest) => (key, *manifest),
        Picked::BrokenNewer { key, problem } => return Ok(broken_newer(opts, key, &problem)),
    };
    // Verify first: a bad archive stops the drill before anything is
    // created.
    let s3 = handle.block_on(S3Reads::new(&opts.s3));
    let verify_check = verify(opts, &s3, &key, &manifest)?;
    let scratch = format!("pgark_drill_{}_{}", now_unix(), std::process::id());
    crate::cancel::check(opts.cancel.as_ref())?;
    handle.block_on(create_scratch(opts, &manifest, &scratch))?;
    let scratch_url = with_dbname(&opts.target_url, &scratch)?;
    let mut checks = vec![verify_check];
    let result = run_checks(
        handle,
        &s3,
        opts,
        &key,
        &manifest,
        &scratch_url,
        &mut checks,
    );
    if let Err(Error::Interrupted { by, .. }) = result {
        return Err(interrupted(handle, opts, by, scratch));
    }
    let dropped = if opts.keep {
        false
    } else {
        drop_scratch(handle, opts, &scratch)?;
        true
    };
    if let Some((every, grace)) = opts.audit {
        checks.push(audit_check(handle, opts, every, grace)?);
    }
    if let Err(e) = result {
        checks.push(Check {
            name: "drill".into(),
            ok: false,
            detail: e.to_string(),
        });
    }
    Ok(DrillReport {
        key,
        database: scratch,
        checks,
        dropped,
    })
}

/// The report of a drill that restored nothing: a backup newer than every
/// valid one is broken.
fn broken_newer(opts: &DrillOptions, key: String, problem: &str) -> DrillReport {
    let detail = format!(
        "s3://{}/{key} is newer than every valid backup and broken: {problem}; \
         nothing was restored (--key picks an older backup to drill)",
        opts.bucket
    );
    DrillReport {
        key,
        database: String::new(),
        checks: vec![Check {
            name: "newest backup".into(),
            ok: false,
            detail,
        }],
        dropped: false,
    }
}

/// The archive to drill: every block read and decompressed, size, digest
/// and row counts against `manifest`. A mismatch is an error (nothing is
/// restored).
fn verify(opts: &DrillOptions, s3: &S3Reads, key: &str, manifest: &Manifest) -> Result<Check> {
    let source = Source::S3(crate::S3Url::new(opts.bucket.clone(), key.to_owned()))
        .decrypting(opts.identity.clone());
    let checked =
        crate::crypt::check_source(&source, Some(manifest), Some(s3), opts.cancel.as_ref())?;
    if !checked.mismatches.is_empty() {
        return Err(Error::Config(format!(
            "s3://{}/{key} does not match its manifest: {}; nothing was restored",
            opts.bucket,
            checked.mismatches.join("; ")
        )));
    }
    Ok(Check {
        name: "verify".into(),
        ok: true,
        detail: format!(
            "{} bytes, sha256 {}, {} rows in {} tables",
            checked.size,
            checked.digest,
            checked.report.total_rows(),
            manifest.tables.len()
        ),
    })
}

/// Creates the scratch database, once the target offers every extension
/// the archive needs (before anything is created).
async fn create_scratch(opts: &DrillOptions, manifest: &Manifest, scratch: &str) -> Result<()> {
    let (client, _) = connect(&opts.target_url).await?;
    let rows = client
        .query(
            "SELECT name::text FROM pg_catalog.pg_available_extensions",
            &[],
        )
        .await
        .map_err(|e| Error::query("listing the target's available extensions", &e))?;
    let available: Vec<String> = rows.iter().map(|r| r.col(0)).collect::<Result<_>>()?;
    let missing: Vec<String> = manifest
        .extensions
        .iter()
        .filter(|e| !available.contains(&e.name))
        .map(|e| format!("{} {}", e.name, e.version))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "the target server lacks extension(s) the backup needs: {}; nothing was restored",
            missing.join(", ")
        )));
    }
    client
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(scratch)))
        .await
        .map_err(|e| Error::query("creating the scratch database", &e))
}

/// A drill interrupted (by `by`) once its scratch database exists: the
/// database is dropped, even with `keep` (what is there is a restore cut
/// short), or named as left.
fn interrupted(handle: &Handle, opts: &DrillOptions, by: &'static str, scratch: String) -> Error {
    let not_dropped = drop_scratch(handle, opts, &scratch)
        .err()
        .map(|e| e.to_string());
    Error::Interrupted {
        by,
        during: crate::Interruption::Drill {
            scratch: Some(scratch),
            not_dropped,
        },
    }
}

/// Drops the scratch database, closing any connection to it.
fn drop_scratch(handle: &Handle, opts: &DrillOptions, scratch: &str) -> Result<()> {
    handle.block_on(async {
        let (client, _) = connect(&opts.target_url).await?;
        client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(scratch)
            ))
            .await
            .map_err(|e| Error::query("dropping the scratch database", &e))
    })
}

/// Restores into the scratch database, then counts each table's rows
/// against `manifest` and runs the `--check`s there, each one a check.
fn run_checks(
    handle: &Handle,
    s3: &S3Reads,
    opts: &DrillOptions,
    key: &str,
    manifest: &Manifest,
    scratch_url: &str,
    checks: &mut Vec<Check>,
) -> Result<()> {
    checks.push(restore_scratch(handle, s3, opts, key, scratch_url)?);
    handle.block_on(or_cancelled(opts.cancel.as_ref(), async {
        let (client, _) = connect(scratch_url).await?;
        let config = extension_config_tables(&client).await?;
        for t in &manifest.tables {
            let extension_table = config.contains(&(t.schema.clone(), t.name.clone()));
            checks.push(count_rows(&client, t, extension_table).await);
        }
        for sql in &opts.checks {
            checks.push(user_check(&client, sql).await);
        }
        Ok(())
    }))
}

/// The archive restored into the scratch database, natively or by
/// `opts.pg_restore` (`--no-owner --no-acl --exit-on-error`).
fn restore_scratch(
    handle: &Handle,
    s3: &S3Reads,
    opts: &DrillOptions,
    key: &str,
    scratch_url: &str,
) -> Result<Check> {
    let source = Source::S3(crate::S3Url::new(opts.bucket.clone(), key.to_owned()))
        .decrypting(opts.identity.clone());
    let detail = match &opts.pg_restore {
        Some(binary) => {
            let input = crate::cancel::reader(source.open_via(Some(s3))?, opts.cancel.as_ref());
            let restored = with_pg_restore(binary, input, scratch_url);
            crate::cancel::check(opts.cancel.as_ref())?;
            restored?
        }
        None => {
            let mut ropts = RestoreOptions::new(scratch_url.to_owned());
            ropts.no_owner = true;
            ropts.no_acl = true;
            ropts.exit_on_error = true;
            ropts.s3 = opts.s3.clone();
            ropts.cancel = opts.cancel.clone();
            let report = handle.block_on(restore::restore(&source, &ropts))?;
            format!("{} entries, {} rows", report.entries, report.rows)
        }
    };
    Ok(Check {
        name: "restore".into(),
        ok: true,
        detail,
    })
}

/// Extension configuration tables (PostGIS's spatial_ref_sys...), which
/// hold the extension's own rows besides the dumped ones: schema, name.
async fn extension_config_tables(client: &tokio_postgres::Client) -> Result<Vec<(String, String)>> {
    client
        .query(
            "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_extension e, \
             pg_catalog.unnest(e.extconfig) AS t(oid) \
             JOIN pg_catalog.pg_class c ON c.oid = t.oid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
            &[],
        )
        .await
        .map_err(|e| Error::query("listing extension configuration tables", &e))?
        .iter()
        .map(|r| Ok((r.col(0)?, r.col(1)?)))
        .collect()
}

/// The rows of table `t` against its manifest's count: exactly, or at
/// least for an extension configuration table.
async fn count_rows(
    client: &tokio_postgres::Client,
    t: &crate::manifest::TableStats,
    extension_table: bool,
) -> Check {
    let sql = format!(
        "SELECT count(*) FROM ONLY {}.{}",
        quote_ident(&t.schema),
        quote_ident(&t.name)
    );
    let count = client.query_one(sql.as_str(), &[]).await;
    let (ok, detail) = match count.as_ref().map(|row| row.col::<_, i64>(0)) {
        Ok(Ok(n)) if extension_table => (
            n as u64 >= t.rows,
            format!(
                "{n} rows, the manifest says {} dumped besides the extension's own",
                t.rows
            ),
        ),
        Ok(Ok(n)) => (
            n as u64 == t.rows,
            format!("{n} rows, the manifest says {}", t.rows),
        ),
        Ok(Err(e)) => (false, e.to_string()),
        Err(e) => (false, Error::query("counting", e).to_string()),
    };
    Check {
        name: format!("rows {}.{}", t.schema, t.name),
        ok,
        detail,
    }
}

/// One `--check`: SQL that must return one boolean, true.
async fn user_check(client: &tokio_postgres::Client, sql: &str) -> Check {
    let (ok, detail) = match client.query_one(sql, &[]).await {
        Ok(row) => match row.try_get::<_, bool>(0) {
            Ok(b) => (b, b.to_string()),
            Err(_) => (false, "the check must return one boolean".into()),
        },
        Err(e) => (false, Error::query("running the check", &e).to_string()),
    };
    Check {
        name: format!("check: {sql}"),
        ok,
        detail,
    }
}

/// pg_restore's command line for `url`: the password, if `url` holds
/// one, in `PGPASSWORD`, never on the command line (`ps` shows it to
/// every user of the machine).
fn pg_restore_command(binary: &std::path::Path, url: &str) -> Result<std::process::Command> {
    let (url, password) = without_password(url)?;
    let mut cmd = std::process::Command::new(binary);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.args(["--no-owner", "--no-acl", "--exit-on-error", "-d", &url]);
    Ok(cmd)
}

/// Restores with a real pg_restore binary, the archive streamed into its
/// standard input (`--no-owner --no-acl --exit-on-error`). The password
/// goes in `PGPASSWORD`, never on its command line.
fn with_pg_restore(
    binary: &std::path::Path,
    mut input: Box<dyn std::io::Read + Send>,
    url: &str,
) -> Result<String> {
    use std::process::Stdio;
    let mut child = pg_restore_command(binary, url)?
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Config(format!("cannot run {}: {e}", binary.display())))?;
    let copied = match child.stdin.take() {
        Some(mut stdin) => std::io::copy(&mut input, &mut stdin),
        None => Ok(0),
    };
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Config(format!("{}: {e}", binary.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Database {
            context: format!("{} failed", binary.display()),
            message: stderr
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("")
                .to_owned(),
        });
    }
    let bytes = copied.map_err(|e| Error::Config(format!("streaming the archive: {e}")))?;
    Ok(format!("{} restored {bytes} bytes", binary.display()))
}

/// The bucket's cadence audit as one check.
fn audit_check(handle: &Handle, opts: &DrillOptions, every: i64, grace: i64) -> Result<Check> {
    let listing = handle.block_on(async {
        let client = build_client(&opts.s3).await;
        audit::list(&client, &opts.bucket, &opts.prefix).await
    })?;
    let now = now_unix();
    let report = audit::check(&listing, audit::Cadence { every, grace, now });
    let failing: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.fails)
        .map(|f| f.message.as_str())
        .collect();
    Ok(Check {
        name: "audit".into(),
        ok: report.ok(),
        detail: if failing.is_empty() {
            format!(
                "{} archives, {} valid, cadence holds",
                report.archives, report.valid
            )
        } else {
            failing.join("; ")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_restore_gets_the_password_in_its_environment_only() {
        for url in [
            "postgresql://drill:s%3Dcr%C3%A9t@db.internal:5433/scratch?sslmode=require",
            "postgresql://drill@db.internal:5433/scratch?password=s%3Dcr%C3%A9t&sslmode=require",
        ] {
            let cmd = pg_restore_command(std::path::Path::new("pg_restore"), url).expect("url");
            let args: Vec<String> = cmd
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            assert!(
                args.iter()
                    .all(|a| !a.contains("s%3Dcr") && !a.contains("s=cr")),
                "{args:?}"
            );
            assert!(
                args.contains(
                    &"postgresql://drill@db.internal:5433/scratch?sslmode=require".to_owned()
                ),
                "{args:?}"
            );
            let env: Vec<_> = cmd.get_envs().collect();
            assert_eq!(
                env,
                [(
                    std::ffi::OsStr::new("PGPASSWORD"),
                    Some(std::ffi::OsStr::new("s=crét"))
                )],
                "{url}"
            );
        }
    }

    #[test]
    fn urls_get_the_scratch_database() {
        assert_eq!(
            with_dbname("postgresql://u:p@h:5432/app?sslmode=require", "x").ok(),
            Some("postgresql://u:p@h:5432/x?sslmode=require".into())
        );
        assert_eq!(
            with_dbname("postgres://h", "x").ok(),
            Some("postgres://h/x".into())
        );
    }
}
