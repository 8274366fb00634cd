//! What a backup holds, decided inside its snapshot: the selection, the
//! catalog, the dump objects in pg_dump's order, the TOC and the data
//! plan (large tables split into ctid ranges), with every dumped table
//! locked as pg_dump locks it.

use std::collections::{HashMap, HashSet};

use archive_format::{CreateTime, Header, TocEntry};

use super::session::Session;
use super::{skip_empty_heaps, split, BackupOptions, SplitTable};
use crate::catalog::Catalog;
use crate::db::lock_tables;
use crate::error::{Error, Result};
use crate::globals::Globals;
use crate::schema::{self, BuildOptions, TocInfo};

/// The archive's contents, before any data is read.
pub(super) struct Contents {
    pub cat: Catalog,
    /// The globals, read in the snapshot (`--globals`).
    pub globals: Option<Globals>,
    /// The objects written.
    pub dumped: HashSet<schema::Key>,
    pub header: Header,
    pub entries: Vec<TocEntry>,
    /// The data entries and how each is read.
    pub plan: Vec<schema::DataPlan>,
    /// Schema and name of each entry, by dump id.
    pub names: HashMap<i32, (String, String)>,
    /// Catalog objects pgark cannot dump (with `allow_unknown`).
    pub unknown: Vec<String>,
    pub split: Vec<SplitTable>,
}

impl Contents {
    /// Reads the catalog on every connection of `session` and builds the
    /// TOC; locks the dumped tables; plans the data.
    pub async fn read(
        opts: &BackupOptions,
        session: &Session,
        start_unix: i64,
    ) -> Result<Contents> {
        let (info, client) = (&session.info, session.coordinator());
        let readers: Vec<&tokio_postgres::Client> = session.clients.iter().collect();
        let selected =
            crate::select::resolve::resolve(client, &info.dbname, &opts.selection).await?;
        let cat = Catalog::load_on(&readers).await?;
        // In the snapshot, like the catalog.
        let globals = match opts.globals {
            true => Some(crate::globals::dump_on(client).await?),
            false => None,
        };
        let (objects, unknown) = dump_objects(opts, session, &cat, &selected)?;
        let dumped: HashSet<schema::Key> = objects.iter().map(|o| o.key).collect();
        let (entries, mut plan) = schema::toc(&objects, &toc_info(session));
        let header = header(opts, session, start_unix)?;
        let locked = locked_tables(&cat, &dumped);
        lock_tables(client, &locked, opts.lock_wait_timeout).await?;
        let split = plan_data(opts, session, &mut plan).await?;
        opts.phase(|| {
            format!(
                "catalog read: {} TOC entries, {} data entries, {} catalog queries; {} tables locked",
                entries.len(),
                plan.len(),
                cat.queries,
                locked.len()
            )
        });
        Ok(Contents {
            names: names(&entries),
            cat,
            globals,
            dumped,
            header,
            entries,
            plan,
            unknown,
            split,
        })
    }
}

/// The dump objects in pg_dump's order, selected, and the catalog
/// objects pgark cannot dump (an error unless `allow_unknown`).
fn dump_objects(
    opts: &BackupOptions,
    session: &Session,
    cat: &Catalog,
    selected: &crate::select::resolve::Resolved,
) -> Result<(Vec<schema::DumpObject>, Vec<String>)> {
    let info = &session.info;
    let mut objects = schema::build(
        cat,
        BuildOptions {
            version: session.version,
            std_strings: info.std_strings,
            acl: opts.acl,
            server_major: info.major(),
            load_via_partition_root: opts.selection.load_via_partition_root,
            public_created: selected.includes_schema(cat, "public"),
        },
    );
    let unknown: Vec<String> = schema::unknown_objects(cat, &objects)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !unknown.is_empty() && !opts.allow_unknown {
        return Err(Error::Unsupported(unknown));
    }
    crate::select::filter::apply(&mut objects, cat, &opts.selection, selected, info.major());
    Ok((schema::sort(objects, cat), unknown))
}

/// The archive header: format version, compression, start time, database
/// and server.
fn header(opts: &BackupOptions, session: &Session, start_unix: i64) -> Result<Header> {
    Header::new(
        session.version,
        opts.compression,
        CreateTime::from_unix_utc(start_unix),
        &session.info.dbname,
        &session.info.version,
        concat!("pgark ", env!("CARGO_PKG_VERSION")),
    )
    .map_err(|e| Error::Config(e.to_string()))
}

/// Plans the data reads: empty heaps skipped, large tables split into
/// block ranges (with `split_threshold`).
async fn plan_data(
    opts: &BackupOptions,
    session: &Session,
    plan: &mut [schema::DataPlan],
) -> Result<Vec<SplitTable>> {
    let client = session.coordinator();
    skip_empty_heaps(client, plan).await?;
    Ok(match opts.split_threshold {
        Some(threshold) => {
            let connections = session.clients.len();
            let major = session.info.major();
            split::split_large_tables(client, plan, major, threshold, connections).await?
        }
        None => Vec::new(),
    })
}

/// The database-level facts the TOC's first entries carry.
fn toc_info(session: &Session) -> TocInfo {
    let info = &session.info;
    TocInfo {
        version: session.version,
        dbname: info.dbname.clone(),
        db_oid: info.db_oid,
        db_owner: info.db_owner.clone(),
        // tokio-postgres always talks UTF8; the data is converted to it.
        encoding: "UTF8".into(),
        std_strings: info.std_strings,
        db_comment: info.db_comment.clone(),
        db_quoted: info.db_quoted.clone(),
        db_create: info.db_create.clone(),
        db_props: info.db_props.clone(),
    }
}

/// What is dumped is locked, like pg_dump: nothing dropped or rewritten
/// under the dump. The tables' qualified names.
fn locked_tables(cat: &Catalog, dumped: &HashSet<schema::Key>) -> Vec<String> {
    cat.relations
        .iter()
        .filter(|r| matches!(r.kind, 'r' | 'p'))
        .filter(|r| {
            dumped.contains(&schema::Key::new(schema::Class::Relation, r.oid))
                || dumped.contains(&schema::Key::new(schema::Class::TableData, r.oid))
        })
        .map(|r| r.qualified.clone())
        .collect()
}

/// Schema and name of each TOC entry, by dump id (for the manifest).
fn names(entries: &[TocEntry]) -> HashMap<i32, (String, String)> {
    let text = |b: &Option<Vec<u8>>| {
        b.as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    entries
        .iter()
        .map(|e| {
            let name = (
                text(&e.namespace),
                String::from_utf8_lossy(&e.tag).into_owned(),
            );
            (e.dump_id, name)
        })
        .collect()
}
