//! Native restore: what `pg_restore -d DB` does with a custom archive,
//! without the pg_restore binary.
//!
//! One connection, one pass over the archive (serially; `-j` in parallel.rs):
//!
//! 1. the session settings pg_restore uses (`statement_timeout = 0`, ...,
//!    `client_encoding` from the ENCODING entry, `standard_conforming_strings`
//!    from STDSTRINGS, the SEARCHPATH entry's empty search path,
//!    `check_function_bodies = false`, `row_security = off`);
//! 2. with `clean`, every selected entry's drop statement in reverse TOC
//!    order (with `IF EXISTS` injected the way pg_restore's `--if-exists`
//!    does);
//! 3. every selected entry in TOC order, in pg_restore's three passes
//!    (privileges after everything else, then event triggers and
//!    materialized view refreshes): its definition, `ALTER ... OWNER TO`
//!    unless `no_owner`, and its data: `COPY ... FROM STDIN` fed with the
//!    decompressed block as stored (pg_dump's `\.` line ends it), large
//!    objects through `lo_open`/`lowrite`.
//!
//! The ENCODING, STDSTRINGS and SEARCHPATH entries only set up the
//! session; DATABASE and DATABASE PROPERTIES are restored with
//! [`RestoreOptions::create`] only, each followed by a new connection to
//! the database it created. Errors either stop the restore at once
//! ([`RestoreOptions::exit_on_error`]) or are counted and reported at the
//! end ([`RestoreReport::errors`], [`EntryError`] worded as pg_restore
//! words them), as pg_restore does by default, the restore going on in a
//! clean protocol state (see `engine.rs`); archive defects (a truncated or
//! corrupt block) always stop it.
//!
//! ```no_run
//! # async fn run() -> Result<(), pgark::Error> {
//! let source: pgark::source::Source = "s3://backups/db/app-20261201T030000Z.dump".parse()?;
//! let mut opts = pgark::restore::RestoreOptions::new("postgresql://localhost/copy");
//! opts.no_owner = true;
//! opts.no_acl = true;
//! opts.exit_on_error = true;
//! opts.s3 = pgark::sink::s3::S3ClientOptions::from_env().with_endpoint_url("http://127.0.0.1:9000");
//! let report = pgark::restore::restore(&source, &opts).await?;
//! println!("{} entries, {} rows", report.entries, report.rows);
//! # Ok(()) }
//! ```

mod data;
mod engine;
mod failure;
mod parallel;
mod statements;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use archive_format::{ArchiveReader, DataOffset, Section, TocEntry};

use crate::db::cancel::Running;
use crate::error::{Error, Result};
use crate::runtime::off_workers;
use crate::sink::s3::S3ClientOptions;
use crate::source::{S3Reads, Source};
use data::{Blocks, Reopen};
use engine::Engine;
pub use failure::EntryError;
pub(crate) use statements::quote_ident;
use statements::Pass;
use tokio::runtime::Handle;

/// What to restore and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RestoreOptions {
    /// The target database, as a libpq URL.
    pub url: String,
    /// How to reach S3 when the archive is there (default: the AWS
    /// configuration chain, [`S3ClientOptions::default`]).
    pub s3: S3ClientOptions,
    /// Drop every selected object before creating it (`--clean`).
    pub clean: bool,
    /// With `clean`, `DROP ... IF EXISTS` (`--if-exists`).
    pub if_exists: bool,
    /// Skip `ALTER ... OWNER TO` and create schemas without AUTHORIZATION
    /// (`--no-owner`).
    pub no_owner: bool,
    /// Skip privileges: ACL and DEFAULT ACL entries (`--no-acl`).
    pub no_acl: bool,
    /// One transaction around the whole restore; implies `exit_on_error`
    /// (`--single-transaction`).
    pub single_transaction: bool,
    /// Stop at the first error (`--exit-on-error`); otherwise errors are
    /// counted and the restore goes on, as pg_restore does by default.
    pub exit_on_error: bool,
    /// Only these tables (and views, sequences...) by name (`-t`); empty
    /// for all.
    pub tables: Vec<String>,
    /// Only objects in these schemas (`-n`); empty for all.
    pub schemas: Vec<String>,
    /// Only these sections (`--section`); empty for all.
    pub sections: Vec<Section>,
    /// Only the entries with these dump ids, restored in this order (`-L`,
    /// from [`read_list`]); `None` for all, in TOC order.
    pub use_list: Option<Vec<i32>>,
    /// Only data (`--data-only`): table data, large objects, sequence
    /// values, as pg_restore's `_tocEntryRequired` tells them.
    pub data_only: bool,
    /// Only the schema (`--schema-only`).
    pub schema_only: bool,
    /// Create the database from the DATABASE entry (`--create`), connected
    /// to `url` first, then restore into it.
    pub create: bool,
    /// Connections for the data and post-data entries (`-j`); 1 for a
    /// serial restore. More than 1 needs an archive file with data offsets.
    pub jobs: usize,
    /// With `jobs` > 1, the data of a table whose stored block is at least
    /// this many bytes is split across the connections idle when it
    /// starts (see `engine/split.rs`), which pg_restore cannot do; `None`
    /// never splits. Only tables created by the restore are split.
    pub split_threshold: Option<u64>,
    /// A globals file (`pgark backup --globals`, [`crate::globals`]) to
    /// apply first: roles, memberships, tablespaces on the target server
    /// (roles that exist are skipped), then the database's owner, grants
    /// and settings on the target database (with `create`, on the
    /// database created, after the restore). [`crate::globals::beside`]
    /// names the one next to an archive.
    pub globals: Option<Source>,
    /// Cancelling it stops the restore between two pieces of data or
    /// entries (a statement running is dropped with its connection) with
    /// [`Error::Interrupted`]; what was restored so far stays, as after a
    /// failed restore.
    pub cancel: Option<crate::CancellationToken>,
}

/// The default [`RestoreOptions::split_threshold`]: 64 MiB stored.
pub const DEFAULT_SPLIT_THRESHOLD: u64 = 64 * 1024 * 1024;

impl RestoreOptions {
    /// Everything, into `url`, with pg_restore's defaults.
    pub fn new(url: impl Into<String>) -> Self {
        RestoreOptions {
            url: url.into(),
            s3: S3ClientOptions::default(),
            clean: false,
            if_exists: false,
            no_owner: false,
            no_acl: false,
            single_transaction: false,
            exit_on_error: false,
            tables: Vec::new(),
            schemas: Vec::new(),
            sections: Vec::new(),
            use_list: None,
            data_only: false,
            schema_only: false,
            create: false,
            jobs: 1,
            split_threshold: Some(DEFAULT_SPLIT_THRESHOLD),
            globals: None,
            cancel: None,
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreReport {
    /// TOC entries restored (selected and run, with or without errors).
    pub entries: usize,
    /// Rows loaded by COPY.
    pub rows: u64,
    /// Large objects written.
    pub large_objects: u64,
    /// Errors ignored on restore (empty with `exit_on_error`, which stops
    /// at the first).
    pub errors: Vec<EntryError>,
    /// The errors as pg_restore counts them ("errors ignored on restore:
    /// N"): one per failed statement, and with `-j` one more for each
    /// entry a worker restored with errors (pg_restore's leader adds the
    /// worker's count and then one for the entry's status).
    pub error_count: usize,
}

/// Restores the archive at `source` into the database `opts.url` names.
///
/// Returns the report when the restore ran to the end, also when it went
/// past errors ([`RestoreReport::errors`]); fails at the first error with
/// `exit_on_error` or `single_transaction` (the error names the entry), on
/// a defective archive, and when the connection fails.
///
/// Runs on the caller's tokio runtime (the archive is read on one of its
/// blocking threads); [`crate::blocking::restore`] is the same without one.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use pgark::restore::RestoreOptions;
/// // One table, from S3 (its TOC and its data block by range requests).
/// let source: pgark::source::Source = "s3://backups/prod/app-20261201T030000Z.dump".parse()?;
/// let mut opts = RestoreOptions::new("postgresql://localhost/scratch");
/// opts.s3 = pgark::sink::s3::S3ClientOptions::default().with_region("eu-west-1");
/// opts.tables = vec!["orders".into()];
/// opts.exit_on_error = true;
/// let report = pgark::restore::restore(&source, &opts).await?;
/// println!("{} rows", report.rows);
/// # Ok(()) }
/// ```
pub async fn restore(source: &Source, opts: &RestoreOptions) -> Result<RestoreReport> {
    restore_with_globals(source, opts)
        .await
        .map_err(|e| e.during(crate::Interruption::Restore))
}

/// [`restore`]: the globals file's parts before and after the archive.
async fn restore_with_globals(source: &Source, opts: &RestoreOptions) -> Result<RestoreReport> {
    let cancel = opts.cancel.as_ref();
    let later = match &opts.globals {
        Some(g) => {
            let text = crate::globals::read(g, &opts.s3).await?;
            crate::cancel::or_cancelled(cancel, apply_globals(&text, opts)).await?
        }
        None => None,
    };
    let report = {
        let (source, opts) = (source.clone(), opts.clone());
        off_workers(move |handle| restore_on(handle, &source, &opts)).await?
    };
    if let Some((dbname, sql)) = later {
        let url = crate::drill::with_dbname(&opts.url, &engine::url_encode(&dbname))?;
        crate::cancel::or_cancelled(cancel, async {
            let (client, _) = crate::db::connect(&url).await?;
            crate::globals::apply_sql(&client, &sql).await
        })
        .await?;
    }
    Ok(report)
}

/// Applies the globals file's cluster part on the target, and its
/// database part too unless the restore creates the database: then that
/// part and the database's name are returned, to be applied after.
async fn apply_globals(text: &str, opts: &RestoreOptions) -> Result<Option<(String, String)>> {
    let (cluster, database) = crate::globals::parts(text);
    let (client, _) = crate::db::connect(&opts.url).await?;
    crate::globals::apply_sql(&client, cluster).await?;
    match database {
        Some((name, sql)) if opts.create => Ok(Some((name, sql.to_owned()))),
        Some((_, sql)) => {
            crate::globals::apply_sql(&client, sql).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The option combinations pg_restore refuses.
fn check_options(opts: &RestoreOptions) -> Result<()> {
    let refused = if opts.data_only && opts.schema_only {
        "--schema-only and --data-only cannot be used together (as in pg_restore)"
    } else if opts.data_only && opts.clean {
        "--clean and --data-only cannot be used together (as in pg_restore)"
    } else if opts.create && opts.single_transaction {
        "--create and --single-transaction cannot be used together (as in pg_restore)"
    } else if opts.jobs > 1 && opts.single_transaction {
        "cannot specify both --single-transaction and multiple jobs (as in pg_restore)"
    } else {
        return Ok(());
    };
    Err(Error::Config(refused.into()))
}

/// With `-j`, the source the workers read blocks from (not standard
/// input, which cannot be read at several places at once).
fn parallel_source(source: &Source, opts: &RestoreOptions) -> Result<Option<Source>> {
    if opts.jobs <= 1 {
        return Ok(None);
    }
    match source.base() {
        Source::File(_) | Source::S3(_) | Source::Encrypted(_) => Ok(Some(source.clone())),
        Source::Stdin => Err(Error::Config(
            "parallel restore (-j) needs an archive file or S3 object: standard input \
             cannot be read at several places at once (pg_restore refuses it too); \
             restore without -j"
                .into(),
        )),
    }
}

fn restore_on(handle: &Handle, source: &Source, opts: &RestoreOptions) -> Result<RestoreReport> {
    check_options(opts)?;
    let parallel = parallel_source(source, opts)?;
    let reopen: Option<Reopen> = match source.base() {
        Source::File(_) => {
            let source = source.clone();
            Some(Box::new(move || source.open()))
        }
        _ => None,
    };
    // A selective or parallel restore from S3 reads the TOC, then each
    // block it restores with a range request, never the rest of the
    // object.
    let selective = !opts.tables.is_empty()
        || !opts.schemas.is_empty()
        || opts.use_list.is_some()
        || !opts.sections.is_empty();
    let running = Running::default();
    let restored = handle.block_on(crate::cancel::or_cancelled(opts.cancel.as_ref(), async {
        // One S3 client for every read of the restore.
        let s3 = match source.base() {
            Source::S3(_) => Some(S3Reads::new(&opts.s3).await),
            _ => None,
        };
        let (input, ranged) = match source.base() {
            Source::S3(_) if selective || parallel.is_some() => {
                (source.open_head_via(s3.as_ref())?, Some(source.clone()))
            }
            _ => (source.open_via(s3.as_ref())?, None),
        };
        let reads = Reads {
            source: source.clone(),
            s3,
        };
        restore_from(
            input,
            reopen,
            parallel,
            ranged,
            reads,
            running.clone(),
            opts,
        )
        .await
    }));
    if let Err(Error::Interrupted { .. }) = restored {
        // Its connections close once their statements end: now.
        handle.block_on(running.cancel_all());
    }
    restored
}

/// Where blocks are read from: the source, and for S3 the client every
/// read of the restore shares.
struct Reads {
    source: Source,
    s3: Option<S3Reads>,
}

impl Reads {
    /// The stored size of each data block: up to the next block's offset,
    /// the last one up to the end of the archive.
    async fn block_sizes(&self, offsets: &HashMap<i32, u64>) -> Result<HashMap<i32, u64>> {
        // (For an encrypted archive, the ciphertext's end: a little past
        // the plaintext's, good enough for a size.)
        let end = match (self.source.base(), &self.s3) {
            (Source::File(path), _) => std::fs::metadata(path)
                .map_err(|source| Error::File {
                    path: path.clone(),
                    source,
                })?
                .len(),
            (Source::S3(crate::S3Url { bucket, key }), Some(s3)) => s3.size(bucket, key).await?,
            _ => u64::MAX,
        };
        let mut starts: Vec<u64> = offsets.values().copied().collect();
        starts.sort_unstable();
        Ok(offsets
            .iter()
            .map(|(&id, &o)| {
                let next = starts.iter().copied().find(|&s| s > o).unwrap_or(end);
                (id, next.saturating_sub(o))
            })
            .collect())
    }
}

/// Reads a list file as `pg_restore -L` does: on each line, whatever
/// precedes the first `;` is the entry's dump id; lines starting with `;`
/// (comments, entries commented out) and blank lines are skipped. Returns
/// the ids in the file's order and the lines ignored because they hold no id (pg_restore warns
/// "line ignored" about them).
pub fn read_list(text: &str) -> (Vec<i32>, Vec<String>) {
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut ignored = Vec::new();
    for line in text.lines() {
        let before = line.split(';').next().unwrap_or_default();
        if before.trim().is_empty() {
            continue;
        }
        // strtol: leading white space, an optional sign, digits.
        let t = before.trim_start();
        let digits: String = t
            .char_indices()
            .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && (c == '+' || c == '-')))
            .map(|(_, c)| c)
            .collect();
        match digits.parse::<i32>() {
            Ok(id) if id > 0 && seen.insert(id) => ids.push(id),
            _ => ignored.push(before.trim_end().to_owned()),
        }
    }
    (ids, ignored)
}

/// Restores from an archive read sequentially from `input`; `reopen`, when
/// given, reads it again from the start (for archives whose data blocks
/// are not in TOC order). With `parallel` (the archive's path), data and
/// post-data entries run on `opts.jobs` connections.
async fn restore_from(
    input: Box<dyn Read + Send>,
    reopen: Option<Reopen>,
    parallel: Option<Source>,
    ranged: Option<Source>,
    reads: Reads,
    running: Running,
    opts: &RestoreOptions,
) -> Result<RestoreReport> {
    let mut reader = ArchiveReader::new(input);
    let toc = TocRead::new(reader.read_toc()?, opts)?;
    if parallel.is_some() {
        toc.check_offsets_for_parallel()?;
    }
    let mut blocks = match ranged {
        // Serially, each block at its stored offset (when every block has
        // one): the TOC was all that was read in sequence.
        Some(source) if toc.no_offset.is_none() => {
            Blocks::at_offsets(&source, reads.s3.as_ref(), toc.offsets.clone(), &toc.header)?
        }
        _ => Blocks::new(reader, reopen, toc.header.compression.algorithm())?,
    }
    .cancel_on(opts.cancel.clone());
    let entries = &toc.entries;
    let session = Session::from_toc(entries, running);
    let mut engine =
        Engine::connect(opts, opts.url.clone(), &session, opts.single_transaction).await?;
    let selected = select(entries, opts);
    if opts.clean {
        clean(&mut engine, entries, &selected, opts).await?;
    }
    match parallel {
        Some(source) => {
            let files = Files {
                source,
                s3: reads.s3.clone(),
                sizes: reads.block_sizes(&toc.offsets).await?,
                offsets: toc.offsets,
                header: toc.header,
                cancel: opts.cancel.clone(),
            };
            parallel::run(
                &mut engine,
                entries,
                &selected,
                &mut blocks,
                &files,
                &session,
            )
            .await?;
        }
        None => run_pass(&mut engine, entries, &selected, &mut blocks, Pass::Main).await?,
    }
    for pass in [Pass::Acl, Pass::PostAcl] {
        run_pass(&mut engine, entries, &selected, &mut blocks, pass).await?;
    }
    if opts.single_transaction {
        engine.setup("COMMIT").await?;
    }
    engine.finish(entries.last()).await?;
    Ok(engine.report)
}

/// The TOC as the restore uses it: the entries in restore order (`-L`'s),
/// each data block's offset.
struct TocRead {
    header: archive_format::Header,
    entries: Vec<TocEntry>,
    offsets: Arc<HashMap<i32, u64>>,
    /// The first entry whose data has no stored offset (written to a
    /// pipe).
    no_offset: Option<archive_format::EntryName>,
}

impl TocRead {
    fn new(toc: archive_format::Toc, opts: &RestoreOptions) -> Result<TocRead> {
        let mut offsets = HashMap::new();
        let mut no_offset = None;
        for s in &toc.entries {
            match s.offset {
                DataOffset::Set(o) => {
                    offsets.insert(s.entry.dump_id, o);
                }
                DataOffset::NotSet if no_offset.is_none() => no_offset = Some(s.entry.name()),
                _ => {}
            }
        }
        let mut entries: Vec<TocEntry> = toc.entries.into_iter().map(|s| s.entry).collect();
        if let Some(list) = &opts.use_list {
            entries = in_list_order(entries, list)?;
        }
        Ok(TocRead {
            header: toc.header,
            entries,
            offsets: Arc::new(offsets),
            no_offset,
        })
    }

    /// A parallel restore reads blocks at their offsets: all must be set.
    fn check_offsets_for_parallel(&self) -> Result<()> {
        match &self.no_offset {
            None => Ok(()),
            Some(name) => Err(Error::Config(format!(
                "parallel restore (-j) needs the data offsets the TOC stores, and this \
                 archive has none (it was written to a pipe; first: {name}); pg_restore \
                 refuses it too: restore without -j"
            ))),
        }
    }
}

/// `--clean`: drops what is selected, in reverse order, before anything is
/// created (with `--create`, only the database itself: the connection is
/// not to it yet).
async fn clean(
    engine: &mut Engine<'_>,
    entries: &[TocEntry],
    selected: &[bool],
    opts: &RestoreOptions,
) -> Result<()> {
    let dropped = |e: &TocEntry| {
        !opts.create || matches!(e.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES")
    };
    for (e, _) in entries
        .iter()
        .zip(selected)
        .rev()
        .filter(|(e, s)| **s && dropped(e))
    {
        if let Some(sql) = statements::drop_statement(e, opts.if_exists) {
            engine.select_schema(e).await?;
            engine.exec(e, &sql).await?;
        }
    }
    // The schema set before may have been dropped.
    engine.forget_schema();
    Ok(())
}

/// The selected entries of `pass`, serially, in order.
async fn run_pass(
    engine: &mut Engine<'_>,
    entries: &[TocEntry],
    selected: &[bool],
    blocks: &mut Blocks,
    pass: Pass,
) -> Result<()> {
    for (e, _) in entries.iter().zip(selected).filter(|(_, s)| **s) {
        if statements::pass(e) == pass {
            engine.restore_entry(e, blocks).await?;
        }
    }
    Ok(())
}

/// `SortTocFromFile`: the entries the list names move to the end, in the
/// list's order; the others stay in front, in TOC order (they are not
/// restored, and in a parallel restore their dependencies count as met
/// first).
fn in_list_order(entries: Vec<TocEntry>, list: &[i32]) -> Result<Vec<TocEntry>> {
    let mut slots: Vec<Option<TocEntry>> = entries.into_iter().map(Some).collect();
    let index: HashMap<i32, usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.as_ref().map(|e| (e.dump_id, i)))
        .collect();
    let mut wanted = Vec::with_capacity(list.len());
    for id in list {
        let Some(e) = index.get(id).and_then(|&i| slots[i].take()) else {
            return Err(Error::Config(format!(
                "the list file names dump id {id}, which the archive does not hold \
                 (pg_restore: could not find entry for ID {id})"
            )));
        };
        wanted.push(e);
    }
    let mut out: Vec<TocEntry> = slots.into_iter().flatten().collect();
    out.extend(wanted);
    Ok(out)
}

/// What parallel workers need to read data blocks themselves.
struct Files {
    source: Source,
    s3: Option<S3Reads>,
    offsets: Arc<HashMap<i32, u64>>,
    /// Stored size of each data block.
    sizes: HashMap<i32, u64>,
    header: archive_format::Header,
    cancel: Option<crate::CancellationToken>,
}

impl Files {
    /// A reader of blocks at their offsets, for one worker.
    fn blocks(&self) -> Result<Blocks> {
        Blocks::at_offsets(
            &self.source,
            self.s3.as_ref(),
            self.offsets.clone(),
            &self.header,
        )
        .map(|b| b.cancel_on(self.cancel.clone()))
    }
}

/// The session state pg_restore takes from the special entries, and the
/// connections opened with it.
#[derive(Debug)]
struct Session {
    encoding: Option<String>,
    std_strings: bool,
    search_path: Option<String>,
    running: Running,
}

impl Session {
    fn from_toc(entries: &[TocEntry], running: Running) -> Self {
        let defn = |desc: &str| {
            entries
                .iter()
                .find(|e| e.desc == desc)
                .and_then(|e| e.defn.as_deref())
                .map(|d| String::from_utf8_lossy(d).into_owned())
        };
        Session {
            encoding: defn("ENCODING")
                .and_then(|d| statements::quoted_value(&d).map(str::to_owned)),
            std_strings: defn("STDSTRINGS")
                .map(|d| statements::quoted_value(&d) != Some("off"))
                .unwrap_or(true),
            search_path: defn("SEARCHPATH").filter(|d| !d.trim().is_empty()),
            running,
        }
    }

    /// `_doSetFixedOutputState`.
    fn statements(&self, server_version: i32) -> String {
        let mut s = String::from(
            "SET statement_timeout = 0;\nSET lock_timeout = 0;\n\
             SET idle_in_transaction_session_timeout = 0;\n",
        );
        if server_version >= 170000 {
            s.push_str("SET transaction_timeout = 0;\n");
        }
        if let Some(enc) = &self.encoding {
            s.push_str(&format!(
                "SET client_encoding = {};\n",
                statements::quote_literal(enc)
            ));
        }
        s.push_str(&format!(
            "SET standard_conforming_strings = {};\n",
            if self.std_strings { "on" } else { "off" }
        ));
        if let Some(sp) = &self.search_path {
            s.push_str(sp);
            s.push('\n');
        }
        s.push_str(
            "SET check_function_bodies = false;\nSET xmloption = content;\n\
             SET client_min_messages = warning;\n",
        );
        if !self.std_strings {
            s.push_str("SET escape_string_warning = off;\n");
        }
        s.push_str("SET row_security = off;\n");
        s
    }
}

/// Which entries are restored (`_tocEntryRequired`).
fn select(entries: &[TocEntry], opts: &RestoreOptions) -> Vec<bool> {
    let mut section = Section::PreData;
    let desc: HashMap<i32, &str> = entries
        .iter()
        .map(|e| (e.dump_id, e.desc.as_str()))
        .collect();
    let mut marked: HashSet<i32> = HashSet::new();
    entries
        .iter()
        .map(|e| {
            if e.section != Section::None {
                section = e.section;
            }
            // In a selective restore, a comment, label or privilege goes
            // with its object: restored when one of its dependencies
            // (other than another ACL) was marked before it.
            let parent = e
                .dependencies
                .iter()
                .any(|d| marked.contains(d) && desc.get(d).is_some_and(|&k| k != "ACL"));
            let r = required(e, section, opts, parent);
            if r {
                marked.insert(e.dump_id);
            }
            r
        })
        .collect()
}

fn required(e: &TocEntry, section: Section, opts: &RestoreOptions, parent: bool) -> bool {
    let desc = e.desc.as_str();
    if matches!(desc, "ENCODING" | "STDSTRINGS" | "SEARCHPATH") {
        return false;
    }
    // Restored with --create only, "independently of all else".
    if matches!(desc, "DATABASE" | "DATABASE PROPERTIES") {
        return opts.create;
    }
    if let Some(list) = &opts.use_list {
        if !list.contains(&e.dump_id) {
            return false;
        }
    }
    if opts.no_acl && statements::is_acl(e) {
        return false;
    }
    if !opts.sections.is_empty() && !opts.sections.contains(&section) {
        return false;
    }
    // Comments, labels and privileges of the database itself go with
    // DATABASE, restored only with --create.
    let on_database =
        matches!(desc, "COMMENT" | "SECURITY LABEL" | "ACL") && e.tag.starts_with(b"DATABASE ");
    let dependent = matches!(desc, "COMMENT" | "SECURITY LABEL" | "ACL");
    let selective = !opts.schemas.is_empty() || !opts.tables.is_empty();
    if on_database {
        if !opts.create {
            return false;
        }
    } else if dependent && selective {
        if !parent {
            return false;
        }
    } else {
        if !opts.schemas.is_empty() {
            match e.namespace_lossy() {
                Some(ns) if opts.schemas.iter().any(|s| *s == ns) => {}
                _ => return false,
            }
        }
        if !opts.tables.is_empty() {
            let tag = e.tag_lossy();
            if !statements::is_table_like(desc) || !opts.tables.iter().any(|t| *t == tag) {
                return false;
            }
        }
    }
    let (schema, data) = components(e);
    (schema && !opts.data_only) || (data && !opts.schema_only)
}

/// Whether the entry has a schema and a data component
/// (`_tocEntryRequired`): an entry with a data block has data, and so do
/// sequence values and everything about large objects; an entry without
/// a definition (or whose definition is only the load-via-partition-root
/// note) has no schema component.
fn components(e: &TocEntry) -> (bool, bool) {
    let large_object = |kind: &str| e.desc == kind && e.tag.starts_with(b"LARGE OBJECT ");
    let data_kind = matches!(e.desc.as_str(), "SEQUENCE SET" | "BLOB" | "BLOB METADATA")
        || large_object("ACL")
        || large_object("COMMENT")
        || large_object("SECURITY LABEL");
    let (mut schema, data) = match (e.had_dumper, data_kind) {
        (true, _) => (true, true),
        (false, true) => (false, true),
        (false, false) => (true, false),
    };
    let defn = e.defn.as_deref().unwrap_or_default();
    if defn.is_empty() || defn.starts_with(b"-- load via partition root ") {
        schema = false;
    }
    (schema, data)
}
