//! Flags: parsing and validation only.

use clap::{Args as ClapArgs, Parser, Subcommand};

use pgark::source::Source;

/// Logical PostgreSQL backups in pg_dump's custom archive format, without pg_dump.
#[derive(Debug, Parser)]
#[command(name = "pgark", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 success, 1 internal error (and diff --exit-code: the backups differ), 2 usage or configuration \
error, 3 database error, 4 storage error (files, pipes, S3), 5 the archive is corrupt, \
truncated or unsupported, 6 verification failed (a manifest mismatch, an overdue backup, bucket drift), \
7 backup: the database has objects pgark cannot dump (nothing written; see --allow-unknown)."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Back one database up into a custom archive (what `pg_dump -Fc`
    /// writes), without pg_dump. Restore it with any pg_restore of the
    /// source server's version or newer.
    Backup(BackupArgs),
    /// Print the archive's table of contents like `pg_restore --list`.
    ///
    /// The output can be edited and given to `pg_restore -L`.
    List(ListArgs),
    /// What changed between two backups: objects added, dropped or
    /// changed (by TOC entry and definition) and row counts per table.
    /// Exits 0 when it could compare; with --exit-code, 1 when they differ.
    Diff(DiffArgs),
    /// Read the whole archive, decompress every block, and report each
    /// entry's data size and row count; exit non-zero on any defect.
    Verify(VerifyArgs),
    /// List the backups under s3://bucket/prefix, newest first, with size,
    /// age and manifest status (read credentials).
    Ls(LsArgs),
    /// Check a bucket's backups against the expected cadence: the newest
    /// valid backup's age, gaps, archives without manifests, truncated or
    /// small archives. Exits 6 when a backup is overdue or missing.
    Audit(AuditArgs),
    /// Delete the backups a retention policy does not keep (restic's
    /// `forget --keep-*` rules, periods in UTC, each database name's
    /// backups counted alone). A dry run unless --apply: prints what
    /// would be deleted and why each kept backup is kept. Never deletes
    /// the newest valid backup nor an invalid archive; exits 6 without
    /// deleting anything while an archive newer than a backup to delete
    /// is invalid (unless --force).
    Prune(PruneArgs),
    /// Harden the backup bucket as the runbook says (versioning, SSE-S3,
    /// public access blocked, lifecycle rules) and audit it for drift.
    Bucket(BucketArgs),
    /// Print the IAM policies of the write-only backup user and of the
    /// reader (admin, restore drill) role.
    IamPolicy(IamPolicyArgs),
    /// Restore an archive into an existing database, like `pg_restore -d`,
    /// without pg_restore. Exits 3 on a database error, 5 on a defective
    /// archive.
    Restore(RestoreArgs),
    /// The restore drill: restore the newest valid backup (or --key) from
    /// S3 into a scratch database on the target server, check every
    /// table's row count against the manifest and run --check queries,
    /// drop the scratch database. Exits 6 when a check fails.
    Drill(DrillArgs),
    /// Decrypt an archive written with `backup --encrypt-to` (file, `-` or
    /// s3://bucket/key) to a file (written under a temporary name, renamed
    /// when complete and authenticated) or standard output, e.g. to pipe
    /// into a stock pg_restore. Exits 5 on a wrong identity or damaged
    /// ciphertext.
    Decrypt(DecryptArgs),
}

/// `pgark decrypt`.
#[derive(Debug, ClapArgs)]
pub struct DecryptArgs {
    /// The encrypted archive: a file, `-` for standard input, or
    /// s3://bucket/key.
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// Where the plaintext goes: a file, or `-` for standard output.
    #[arg(short, long)]
    pub output: String,
    /// The age identity (private key) file that decrypts an encrypted
    /// archive: AGE-SECRET-KEY-1... lines, or an unencrypted OpenSSH
    /// ed25519/RSA private key. Plain archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
}

/// `pgark restore`.
#[derive(Debug, ClapArgs)]
pub struct RestoreArgs {
    /// The archive: a file, or `-` for standard input.
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// The target database, as a libpq URL: postgresql://user:password@host:port/dbname
    /// (not needed with --list).
    #[arg(short = 'd', long, required_unless_present = "list")]
    pub dbname: Option<String>,
    /// The age identity (private key) file that decrypts an encrypted
    /// archive: AGE-SECRET-KEY-1... lines, or an unencrypted OpenSSH
    /// ed25519/RSA private key. Plain archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
    /// Print the archive's table of contents like `pgark list` (and
    /// `pg_restore --list`) instead of restoring.
    #[arg(short = 'l', long)]
    pub list: bool,
    /// Restore only the entries whose dump ids appear in this list file
    /// (as written by --list, with unwanted lines commented out with `;`),
    /// in the list's order, as pg_restore does.
    #[arg(short = 'L', long = "use-list", value_name = "FILE")]
    pub use_list: Option<std::path::PathBuf>,
    /// Restore data and post-data entries on this many connections, like
    /// pg_restore -j: needs an archive file with data offsets (not
    /// standard input, nor an archive written to a pipe).
    #[arg(short = 'j', long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// With -j: the data of a table whose block in the archive is at least
    /// this large is loaded on every idle connection at once, its rows
    /// dealt out to concurrent COPYs committed together (pg_restore loads
    /// each table on one connection): a size such as 64MB, 1GB (units of
    /// 1024), 0 for every table, or off. Only tables the restore creates
    /// are split.
    #[arg(long, default_value = "64MB", value_parser = parse_threshold)]
    pub split_threshold: SplitThreshold,
    /// Only the data, not the schema (`--data-only`, as pg_restore's).
    #[arg(short = 'a', long, conflicts_with_all = ["schema_only", "clean"])]
    pub data_only: bool,
    /// Only the schema, not the data (`--schema-only`, as pg_restore's).
    #[arg(short = 's', long)]
    pub schema_only: bool,
    /// Create the database from the archive's DATABASE entry and restore
    /// into it; --dbname names the database to connect to first (as
    /// pg_restore's --create).
    #[arg(short = 'C', long, conflicts_with = "single_transaction")]
    pub create: bool,
    /// Drop each object before creating it (its drop statement, in reverse
    /// TOC order); with --create, drop the database itself.
    #[arg(short = 'c', long)]
    pub clean: bool,
    /// With --clean: DROP ... IF EXISTS.
    #[arg(long)]
    pub if_exists: bool,
    /// Do not restore owners (no ALTER ... OWNER TO).
    #[arg(short = 'O', long)]
    pub no_owner: bool,
    /// Do not restore privileges (GRANT/REVOKE).
    #[arg(short = 'x', long = "no-acl", alias = "no-privileges")]
    pub no_acl: bool,
    /// Restore as one transaction (implies --exit-on-error).
    #[arg(short = '1', long)]
    pub single_transaction: bool,
    /// Stop at the first error. Without it, errors are counted and the
    /// restore goes on (pg_restore's default); the exit status is then
    /// non-zero when any occurred.
    #[arg(short = 'e', long)]
    pub exit_on_error: bool,
    /// Only this table (or view, sequence, ...); repeatable.
    #[arg(short = 't', long = "table")]
    pub tables: Vec<String>,
    /// Only objects in this schema; repeatable.
    #[arg(short = 'n', long = "schema")]
    pub schemas: Vec<String>,
    /// Only this section: pre-data, data, post-data; repeatable.
    #[arg(long = "section", value_parser = ["pre-data", "data", "post-data"])]
    pub sections: Vec<String>,
    /// Apply a globals file (`pgark backup --globals`) first: roles (those
    /// that exist are skipped), memberships, role settings, tablespaces,
    /// then the database's owner, grants and settings. Without FILE, the
    /// one beside the archive (<archive>.globals.sql, a file or S3 object).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "", conflicts_with = "list")]
    pub globals: Option<String>,
}

/// `pgark ls`.
#[derive(Debug, ClapArgs)]
pub struct LsArgs {
    /// s3://bucket[/prefix]
    pub url: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `pgark audit`.
#[derive(Debug, ClapArgs)]
pub struct AuditArgs {
    /// s3://bucket[/prefix]
    pub url: String,
    /// How often a backup is expected: 7d, 24h, 1w.
    #[arg(long, default_value = "7d")]
    pub every: String,
    /// How late a backup may be before it counts as missed.
    #[arg(long, default_value = "1d")]
    pub grace: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// POST the result (JSON) to this URL.
    #[arg(long, env = "PGARK_AUDIT_WEBHOOK")]
    pub webhook: Option<String>,
    /// Report retention against this policy (as `pgark prune`'s
    /// `--keep-*`): for each rule, how many of the periods it keeps have
    /// a valid backup (warnings, not failures).
    #[command(flatten)]
    pub keep: KeepArgs,
}

/// `pgark prune`.
#[derive(Debug, ClapArgs)]
pub struct PruneArgs {
    /// s3://bucket[/prefix] holding the backups (credentials allowed to
    /// list, read manifests and delete: `pgark iam-policy --role pruner`).
    #[arg(value_parser = parse_bucket_url)]
    pub url: pgark::S3Url,
    /// The retention policy.
    #[command(flatten)]
    pub keep: KeepArgs,
    /// Delete (without it, nothing is deleted: a dry run).
    #[arg(long)]
    pub apply: bool,
    /// Delete even though an archive newer than a backup to delete is not
    /// a valid backup (no manifest, truncated, ...).
    #[arg(long)]
    pub force: bool,
    /// Also delete every old version and delete marker of each deleted
    /// object (versioned buckets). Without it, a deleted backup stays as
    /// a noncurrent version until the lifecycle rule expires it.
    #[arg(long)]
    pub purge_versions: bool,
}

/// `--keep-*`: a retention policy (`pgark prune`, `pgark audit`).
#[derive(Debug, ClapArgs)]
pub struct KeepArgs {
    /// Keep the N newest backups.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_last: u32,
    /// Keep the newest backup of each of the N newest days (UTC) that
    /// have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_daily: u32,
    /// Keep the newest backup of each of the N newest ISO weeks (Monday
    /// to Sunday, UTC) that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_weekly: u32,
    /// Keep the newest backup of each of the N newest calendar months
    /// (UTC) that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_monthly: u32,
    /// Keep the newest backup of each of the N newest calendar years
    /// (UTC) that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_yearly: u32,
}

impl KeepArgs {
    /// The policy the flags describe.
    pub fn policy(&self) -> pgark::retention::Policy {
        pgark::retention::Policy {
            last: self.keep_last,
            daily: self.keep_daily,
            weekly: self.keep_weekly,
            monthly: self.keep_monthly,
            yearly: self.keep_yearly,
        }
    }
}

/// `pgark backup`.
#[derive(Debug, ClapArgs)]
pub struct BackupArgs {
    /// The source database, as a libpq URL: postgresql://user:password@host:port/dbname
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Where to write: a file; a directory (existing, or ending in /) that
    /// gets <dbname>-<UTC timestamp>.dump; - for standard output (no data
    /// offsets); s3://bucket/key, or s3://bucket/prefix/ which gets
    /// YYYY/MM/DD/<dbname>-<UTC timestamp>.dump (credentials, region and
    /// endpoint from the AWS environment: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, ...).
    /// Default: s3://$BACKUP_S3_BUCKET/$BACKUP_S3_PREFIX when
    /// BACKUP_S3_BUCKET is set (the runbook's variables), else backups/.
    #[arg(long)]
    pub to: Option<String>,
    /// The name in the archive's file name or key (default: the database's).
    #[arg(long, env = "BACKUP_NAME")]
    pub name: Option<String>,
    /// Dead man's switch: GET URL/start when the backup starts, URL when it
    /// succeeds, URL/fail when it fails (healthchecks.io style).
    #[arg(long, env = "PGARK_HEARTBEAT_URL")]
    pub heartbeat_url: Option<String>,
    /// Suffix of the heartbeat sent when a backup starts.
    #[arg(long, default_value = "/start", env = "PGARK_HEARTBEAT_START_SUFFIX")]
    pub heartbeat_start_suffix: String,
    /// Suffix of the heartbeat sent when a backup fails.
    #[arg(long, default_value = "/fail", env = "PGARK_HEARTBEAT_FAIL_SUFFIX")]
    pub heartbeat_fail_suffix: String,
    /// Log lines as JSON objects instead of text.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Database connections reading tables at once (default: one per core).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Threads compressing a table's data (default: one per core).
    #[arg(long)]
    pub compress_threads: Option<usize>,
    /// Tables whose heap is at least this large (pg_relation_size) are
    /// read by all the connections at once, one COPY per block range, in
    /// one snapshot (PostgreSQL 14+, when the range query is a TID range
    /// scan): a size such as 64MB, 1GB (units of 1024), 0 for every table
    /// of two blocks or more, or off.
    #[arg(long, default_value = "64MB", value_parser = parse_threshold)]
    pub split_threshold: SplitThreshold,
    /// How long to wait for each table's ACCESS SHARE lock before failing:
    /// 500ms, 30s, 5m, or plain seconds.
    #[arg(long, default_value = "60s", value_parser = super::duration::parse)]
    pub lock_wait_timeout: std::time::Duration,
    /// S3 part size in MiB at the start (5 or more; parts grow for large
    /// archives so 10,000 parts always suffice).
    #[arg(long, default_value_t = 8)]
    pub s3_part_size_mib: u64,
    /// S3 parts uploaded at once.
    #[arg(long, default_value_t = 4)]
    pub s3_parts_in_flight: usize,
    /// Data compression: none, gzip[:LEVEL] (0-9), zstd[:LEVEL] (-7 to 22,
    /// default 3) or lz4[:LEVEL] (0-12; pgark compresses every lz4 level
    /// with LZ4's fast mode). The default, gzip:2, comes within about 6% of
    /// pg_dump's level 6 in size at about twice the speed; gzip:6 matches
    /// pg_dump -Fc's size. zstd and lz4 need archive 1.15+ (pg_restore 16+
    /// built with that library).
    #[arg(long, default_value = "gzip:2", value_parser = parse_compression)]
    pub compress: archive_format::Compression,
    /// Archive version: auto (what the source server's own pg_restore
    /// reads), 1.14 (pg_restore 12-15), 1.15 (16), 1.16 (17, 18).
    #[arg(long, default_value = "auto")]
    pub format_version: pgark::backup::FormatVersion,
    /// Dump privileges (GRANT/REVOKE and default privileges) as ACL entries,
    /// like pg_dump without --no-acl. Off by default, as in the runbook's
    /// `pg_dump --no-owner --no-acl`.
    #[arg(long)]
    pub acl: bool,
    /// Write the backup even if the database has catalog objects pgark
    /// cannot dump (an unknown relkind, typtype, prokind, constraint
    /// type, ..., a subscription this role may not read), with a warning
    /// naming each. Without it such a backup fails with exit status 7 and
    /// one error line per object, and nothing is written.
    #[arg(long)]
    pub allow_unknown: bool,
    /// Encrypt the archive with age to this public key (repeatable): an
    /// X25519 key (age1...), an ssh-ed25519 or ssh-rsa public key line, or
    /// a file of them. `.age` is appended to the name or key; the manifest
    /// keeps table names and row counts sealed to the same keys. The job
    /// needs no private key, and cannot read what it wrote.
    #[arg(long = "encrypt-to", env = "PGARK_ENCRYPT_TO", value_delimiter = ',')]
    pub encrypt_to: Vec<String>,
    /// Back up every database of the server that allows connections and is
    /// not a template (as pg_dumpall), one archive and manifest each, plus
    /// a run record, under one run stamp: --to must be a directory or an
    /// S3 prefix. The database the URL names (else postgres, else
    /// template1) is only used to list them. One failing database fails
    /// the run (its exit status) without stopping the others.
    #[arg(long)]
    pub all_databases: bool,
    /// With --all-databases: leave out the databases matching this
    /// psql-style pattern (*, ?, "quoted"), as pg_dumpall's
    /// --exclude-database (repeatable).
    #[arg(long, value_name = "PATTERN", requires = "all_databases")]
    pub exclude_database: Vec<String>,
    #[command(flatten)]
    pub select: Box<super::select::SelectArgs>,
    /// Also write the cluster's globals beside the archive as
    /// <archive>.globals.sql (what `pg_dumpall --globals-only` writes:
    /// roles, memberships, role settings, tablespaces; plus this
    /// database's owner, grants and settings), recorded in the manifest.
    /// Password hashes only when the role may read pg_authid (a
    /// superuser); the file's header says which. Not with standard output
    /// or --encrypt-to.
    #[arg(long)]
    pub globals: bool,
}

/// `--split-threshold`: a size in bytes, or off.
#[derive(Debug, Clone, Copy)]
pub struct SplitThreshold(pub Option<u64>);

fn parse_threshold(s: &str) -> Result<SplitThreshold, String> {
    if s == "off" {
        return Ok(SplitThreshold(None));
    }
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "kb" | "kib" => 10,
        "mb" | "mib" => 20,
        "gb" | "gib" => 30,
        "tb" | "tib" => 40,
        _ => return Err(format!("{s:?} is not a size (e.g. 64MB, 1GB, 0 or off)")),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 64MB, 1GB, 0 or off)"))?;
    n.checked_mul(1 << shift)
        .map(|n| SplitThreshold(Some(n)))
        .ok_or_else(|| format!("{s:?} is too large"))
}

fn parse_compression(s: &str) -> Result<archive_format::Compression, String> {
    s.parse()
        .map_err(|e: archive_format::ParseCompressionError| e.to_string())
}

/// `pgark list`.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// The archive: a file, or `-` for standard input.
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// Also print each entry's dependencies, and the entries pg_restore
    /// handles specially (like `pg_restore --list --verbose`).
    #[arg(short, long)]
    pub verbose: bool,
    /// The age identity (private key) file that decrypts an encrypted
    /// archive: AGE-SECRET-KEY-1... lines, or an unencrypted OpenSSH
    /// ed25519/RSA private key. Plain archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
}

/// `pgark verify`.
#[derive(Debug, ClapArgs)]
pub struct VerifyArgs {
    /// The archive: a file, `-` for standard input, or s3://bucket/key
    /// (streamed, read credentials from the AWS environment).
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// Print only the summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// The manifest to compare with (default: `<archive>.manifest.json`
    /// next to a file or S3 archive, if there is one).
    #[arg(long)]
    pub manifest: Option<String>,
    /// The age identity (private key) file that decrypts an encrypted
    /// archive: AGE-SECRET-KEY-1... lines, or an unencrypted OpenSSH
    /// ed25519/RSA private key. Plain archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
}

/// `pgark diff`.
#[derive(Debug, ClapArgs)]
pub struct DiffArgs {
    /// The first (older) backup: a file, `-` for standard input, or
    /// s3://bucket/key. Row counts come from its manifest when one is
    /// beside it, else from reading every block.
    #[arg(value_parser = parse_source)]
    pub a: Source,
    /// The second (newer) backup, as A.
    #[arg(value_parser = parse_source)]
    pub b: Source,
    /// Print the differences as JSON (with both definitions of each
    /// changed object).
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the backups differ (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    /// The age identity (private key) file that decrypts encrypted
    /// archives (and their manifests' row counts): AGE-SECRET-KEY-1...
    /// lines, or an unencrypted OpenSSH ed25519/RSA private key. Plain
    /// archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
}

fn parse_source(s: &str) -> Result<Source, String> {
    s.parse().map_err(|e: pgark::Error| e.to_string())
}

/// `pgark bucket`.
#[derive(Debug, ClapArgs)]
pub struct BucketArgs {
    #[command(subcommand)]
    pub command: BucketCommand,
}

/// `pgark bucket init|audit`.
#[derive(Debug, Subcommand)]
pub enum BucketCommand {
    /// Create the bucket if it does not exist (in AWS_REGION) and apply
    /// the policy: versioning, default SSE-S3 encryption, all four public
    /// access block settings, lifecycle rules. Writes only what differs:
    /// a second run changes nothing. Exit 6 if drift remains (a lifecycle
    /// rule that is not pgark's acts sooner than the policy).
    Init(BucketPolicyArgs),
    /// Read the bucket's configuration and report drift from the policy,
    /// item by item. Exit 0 without drift, 6 with drift.
    Audit(BucketPolicyArgs),
}

/// The bucket and its policy.
#[derive(Debug, ClapArgs)]
pub struct BucketPolicyArgs {
    /// The bucket: s3://bucket (credentials, region and endpoint from the
    /// AWS environment, as for `pgark backup`).
    #[arg(value_parser = parse_whole_bucket)]
    pub bucket: pgark::S3Url,
    /// Days after which noncurrent (overwritten or deleted) versions expire.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub noncurrent_days: u32,
    /// Days after which incomplete multipart uploads are aborted.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub abort_incomplete_days: u32,
    /// Days after which current objects (the backups) expire; 0: never,
    /// and no lifecycle rule may expire them.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub expire_days: u32,
    /// `pgark prune` does the retention: no lifecycle rule expires current
    /// objects (as --expire-days 0), while noncurrent versions still
    /// expire after --noncurrent-days, finishing what prune deletes
    /// without --purge-versions.
    #[arg(long, conflicts_with = "expire_days")]
    pub pruned: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl BucketPolicyArgs {
    /// The policy the flags describe.
    pub fn hardening(&self) -> pgark::bucket::Hardening {
        pgark::bucket::Hardening {
            noncurrent_days: self.noncurrent_days,
            abort_incomplete_days: self.abort_incomplete_days,
            expire_days: (self.expire_days > 0 && !self.pruned).then_some(self.expire_days),
        }
    }
}

fn parse_whole_bucket(s: &str) -> Result<pgark::S3Url, String> {
    pgark::S3Url::whole_bucket(s).map_err(|e| e.to_string())
}

/// `pgark iam-policy`.
#[derive(Debug, ClapArgs)]
pub struct IamPolicyArgs {
    /// The bucket, and the prefix the backups go under: s3://bucket or
    /// s3://bucket/prefix.
    #[arg(value_parser = parse_bucket_url)]
    pub url: pgark::S3Url,
    /// Print only this role's policy, as one JSON document (e.g. for
    /// `aws iam put-user-policy --policy-document file:///dev/stdin`).
    #[arg(long, value_enum)]
    pub role: Option<PolicyRole>,
    /// With --role pruner: the policy for `pgark prune --purge-versions`
    /// (adds s3:ListBucketVersions and s3:DeleteObjectVersion).
    #[arg(long)]
    pub purge_versions: bool,
}

/// `--role`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PolicyRole {
    /// The write-only backup user: PutObject, AbortMultipartUpload,
    /// ListMultipartUploadParts under the prefix.
    Writer,
    /// The admin / restore drill role: reads settings, listings, objects.
    Reader,
    /// `pgark prune --apply`: lists, reads manifests, deletes objects
    /// under the prefix (and their versions with --purge-versions).
    Pruner,
}

fn parse_bucket_url(s: &str) -> Result<pgark::S3Url, String> {
    s.parse().map_err(|e: pgark::S3UrlError| e.to_string())
}

/// `pgark drill`.
#[derive(Debug, ClapArgs)]
pub struct DrillArgs {
    /// s3://bucket[/prefix] holding the backups.
    pub url: String,
    /// Any database on the target server; the drill creates (and drops)
    /// its own scratch database there.
    #[arg(long, env = "PGARK_DRILL_TARGET_URL", hide_env_values = true)]
    pub target_url: String,
    /// Drill this key instead of the newest valid backup.
    #[arg(long)]
    pub key: Option<String>,
    /// SQL that must return true in the restored copy (repeatable), e.g.
    /// "SELECT version_num = '…' FROM alembic_version".
    #[arg(long = "check")]
    pub checks: Vec<String>,
    /// Keep the scratch database.
    #[arg(long)]
    pub keep: bool,
    /// JSON report.
    #[arg(long)]
    pub json: bool,
    /// Append "Restore drill verified YYYY-MM-DD against <file>" under
    /// `### Operations` in this changelog when the drill passes.
    #[arg(long)]
    pub record: Option<std::path::PathBuf>,
    /// Heartbeat URL (/start, success, /fail), like backup's.
    #[arg(long, env = "PGARK_DRILL_HEARTBEAT_URL")]
    pub heartbeat_url: Option<String>,
    /// Also audit the bucket's cadence (as `pgark audit --every`), e.g. 7d.
    #[arg(long)]
    pub audit: Option<String>,
    /// Grace for --audit.
    #[arg(long, default_value = "1d")]
    pub grace: String,
    /// Restore with this pg_restore binary (the archive streamed into it)
    /// instead of pgark's native engine.
    #[arg(long)]
    pub with_pg_restore: Option<std::path::PathBuf>,
    /// The age identity (private key) file that decrypts an encrypted
    /// archive: AGE-SECRET-KEY-1... lines, or an unencrypted OpenSSH
    /// ed25519/RSA private key. Plain archives read without it.
    #[arg(long, env = "PGARK_IDENTITY")]
    pub identity: Option<String>,
}
