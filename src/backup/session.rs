//! A backup's connections: the coordinator, in one REPEATABLE READ
//! snapshot it exports, and `jobs - 1` workers that join it; S3 checked
//! first, so missing credentials or an unreachable bucket fail before any
//! database work.

use archive_format::ArchiveVersion;

use super::{
    check_compression, check_globals, choose_version, BackupOptions, FormatVersion, Target,
};
use crate::db::{begin_snapshot, connect, export_snapshot, join_snapshot, ServerInfo};
use crate::error::Result;
use crate::sink::s3::{build_client, preflight};
use crate::S3Url;

/// The open connections of one backup, all in one snapshot.
pub(super) struct Session {
    /// The coordinator first, then the workers.
    pub clients: Vec<tokio_postgres::Client>,
    /// The source server and database.
    pub info: ServerInfo,
    /// The archive version to write.
    pub version: ArchiveVersion,
    /// The exported snapshot's id.
    pub snapshot: String,
    /// The S3 client the preflight used, for an S3 target.
    pub s3: Option<aws_sdk_s3::Client>,
}

impl Session {
    /// Checks the options, the S3 target, connects and opens the snapshot
    /// on every connection.
    pub async fn open(opts: &BackupOptions) -> Result<Session> {
        if let FormatVersion::Fixed(v) = opts.format_version {
            check_compression(v, opts.compression)?;
        }
        check_globals(opts)?;
        let s3 = match &opts.target {
            Target::S3 { bucket, key } => {
                let client = build_client(&opts.s3).await;
                preflight(&client, &S3Url::new(bucket.clone(), key.clone())).await?;
                Some(client)
            }
            _ => None,
        };
        let (client, _target) = connect(&opts.database_url).await?;
        let info = begin_snapshot(&client).await?;
        let version = choose_version(opts.format_version, &info)?;
        check_compression(version, opts.compression)?;
        opts.phase(|| {
            format!(
                "connected: database {}, PostgreSQL {}, archive version {version}",
                info.dbname, info.version
            )
        });
        // Workers: jobs-1 more connections in the coordinator's snapshot;
        // the catalog is read on all of them at once, then the data.
        let snapshot = export_snapshot(&client).await?;
        let mut clients = vec![client];
        for _ in 1..opts.jobs.max(1) {
            let (c, _) = connect(&opts.database_url).await?;
            join_snapshot(&c, &snapshot).await?;
            clients.push(c);
        }
        Ok(Session {
            clients,
            info,
            version,
            snapshot,
            s3,
        })
    }

    /// The coordinator's connection.
    pub fn coordinator(&self) -> &tokio_postgres::Client {
        &self.clients[0]
    }
}
