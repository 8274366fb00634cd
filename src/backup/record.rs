//! What a backup records beside its archive: the manifest (sizes,
//! digests, rows per table, extensions, the selection) and, with
//! `--globals`, the globals file.

use sha2::Digest as _;

use super::contents::Contents;
use super::pipeline::Written;
use super::{write_beside, BackupOptions};
use crate::db::ServerInfo;
use crate::error::Result;
use crate::globals::Globals;
use crate::manifest::{self, ExtensionVersion, Manifest, PartDigest, TableStats};
use crate::runtime::now_unix;
use crate::schema;

/// The manifest of the archive `written`.
pub(super) fn manifest_of(
    opts: &BackupOptions,
    info: &ServerInfo,
    (version, snapshot): (archive_format::ArchiveVersion, &str),
    contents: &Contents,
    written: &Written,
    start_unix: i64,
) -> Manifest {
    let stored = &written.stored;
    Manifest {
        format: manifest::FORMAT.into(),
        pgark_version: env!("CARGO_PKG_VERSION").into(),
        archive: stored.location.clone(),
        database: info.dbname.clone(),
        server_version: info.version.clone(),
        server_version_num: info.version_num,
        archive_version: version.to_string(),
        compression: opts.compression.to_string(),
        started_at: manifest::rfc3339(start_unix),
        finished_at: manifest::rfc3339(now_unix()),
        size: stored.bytes,
        sha256: stored.sha256.clone(),
        parts: match &stored.s3 {
            Some(u) if u.multipart => u
                .parts
                .iter()
                .map(|p| PartDigest {
                    size: p.size,
                    sha256: p.sha256.clone(),
                })
                .collect(),
            _ => Vec::new(),
        },
        tables: written
            .tables
            .iter()
            .map(|t| {
                let (schema, name) = contents.names.get(&t.dump_id).cloned().unwrap_or_default();
                TableStats {
                    schema,
                    name,
                    rows: t.rows,
                    bytes: t.bytes,
                }
            })
            .collect(),
        large_objects: written.large_objects,
        extensions: extensions(contents),
        snapshot: snapshot.to_owned(),
        selection: opts.selection.to_args(),
        encryption: None,
        globals: None,
    }
}

/// The dumped extensions and their versions.
fn extensions(contents: &Contents) -> Vec<ExtensionVersion> {
    contents
        .cat
        .extensions
        .iter()
        .filter(|e| {
            let key = schema::Key::new(schema::Class::Extension, e.oid);
            contents.dumped.contains(&key)
        })
        .map(|e| ExtensionVersion {
            name: e.name.clone(),
            version: e.version.clone(),
        })
        .collect()
}

/// Writes the globals file beside the archive and records it in
/// `manifest`; returns where it went (`None` on stdout).
pub(super) async fn write_globals(
    opts: &BackupOptions,
    g: &Globals,
    written: &Written,
    s3_client: Option<aws_sdk_s3::Client>,
    manifest: &mut Manifest,
) -> Result<Option<String>> {
    let sql = g.to_sql();
    let location = write_beside(
        "globals file",
        crate::globals::SUFFIX,
        sql.as_bytes().to_vec(),
        &written.stored,
        s3_client,
        opts,
    )
    .await?;
    opts.phase(|| {
        format!(
            "globals written: {} ({} roles, {} memberships, {} tablespaces; passwords {})",
            location.as_deref().unwrap_or("-"),
            g.roles.len(),
            g.memberships.len(),
            g.tablespaces.len(),
            if g.passwords {
                "included"
            } else {
                "not readable, left out"
            }
        )
    });
    manifest.globals = location.clone().map(|location| manifest::GlobalsFile {
        location,
        size: sql.len() as u64,
        sha256: crate::sink::s3::hex(&sha2::Sha256::digest(sql.as_bytes())),
        passwords: g.passwords,
    });
    Ok(location)
}
