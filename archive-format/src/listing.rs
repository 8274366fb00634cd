//! The TOC as `pg_restore --list` prints it (`PrintTOCSummary`).
//!
//! Entry lines are `dumpId; tableoid oid desc schema tag owner`, with `-`
//! for a missing schema and newlines in names replaced by spaces, so a list
//! written here can be edited and fed to `pg_restore -L`, which reads only
//! the dump id before each `;` and ignores lines starting with `;`.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::header::{CompressionAlgorithm, HeaderCompression};
use crate::reader::Toc;
use crate::toc::TocEntry;

/// What to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// List every entry (also those pg_restore handles specially or skips
    /// without `--create`) and their dependencies, like `pg_restore -l -v`.
    pub verbose: bool,
}

/// Replaces newlines with spaces; an empty or missing value prints as
/// nothing, or as `-` when `hyphen` is set (`sanitize_line`).
fn sanitize(s: Option<&[u8]>, hyphen: bool) -> Cow<'_, str> {
    match s {
        None | Some(b"") => Cow::Borrowed(if hyphen { "-" } else { "" }),
        Some(b) => {
            let text = String::from_utf8_lossy(b);
            if text.contains(['\n', '\r']) {
                Cow::Owned(text.replace(['\n', '\r'], " "))
            } else {
                text
            }
        }
    }
}

/// Whether a plain `pg_restore -l` (no `--create`, no filters) lists the entry.
pub fn listed_by_default(entry: &TocEntry) -> bool {
    match entry.desc.as_str() {
        // Replayed at session start, never listed as objects.
        "ENCODING" | "STDSTRINGS" | "SEARCHPATH" => false,
        // Restored only with --create.
        "DATABASE" | "DATABASE PROPERTIES" => false,
        "COMMENT" | "ACL" | "SECURITY LABEL" | "ACL LANGUAGE" => {
            !entry.tag.starts_with(b"DATABASE ")
        }
        _ => true,
    }
}

/// pg_restore 15 prints a 1.14 archive's zlib level; 16+ print the
/// algorithm name (`???` when unknown). Each archive is listed the way the
/// pg_restore of its own version lists it.
fn compression_text(c: HeaderCompression) -> String {
    match c {
        HeaderCompression::ZlibLevel(l) => l.to_string(),
        HeaderCompression::Algorithm(CompressionAlgorithm::Unknown(_)) => "???".into(),
        HeaderCompression::Algorithm(a) => a.name(),
    }
}

/// Writes the listing of `toc`.
pub fn write(out: &mut impl Write, toc: &Toc, options: &Options) -> io::Result<()> {
    let h = &toc.header;
    let text = |s: &Option<Vec<u8>>| sanitize(s.as_deref(), false).into_owned();
    writeln!(out, ";")?;
    writeln!(out, "; Archive created at {} UTC", h.created)?;
    writeln!(out, ";     dbname: {}", text(&h.dbname))?;
    writeln!(out, ";     TOC Entries: {}", toc.entries.len())?;
    writeln!(
        out,
        ";     Compression: {}",
        compression_text(h.compression)
    )?;
    writeln!(
        out,
        ";     Dump Version: {}.{}-{}",
        h.version.major, h.version.minor, h.version.rev
    )?;
    writeln!(out, ";     Format: CUSTOM")?;
    writeln!(out, ";     Integer: {} bytes", h.int_size)?;
    writeln!(out, ";     Offset: {} bytes", h.off_size)?;
    if h.server_version.is_some() {
        writeln!(
            out,
            ";     Dumped from database version: {}",
            text(&h.server_version)
        )?;
    }
    if h.dump_version.is_some() {
        writeln!(
            out,
            ";     Dumped by pg_dump version: {}",
            text(&h.dump_version)
        )?;
    }
    writeln!(out, ";\n;\n; Selected TOC Entries:\n;")?;
    for stored in &toc.entries {
        let e = &stored.entry;
        if !options.verbose && !listed_by_default(e) {
            continue;
        }
        writeln!(
            out,
            "{}; {} {} {} {} {} {}",
            e.dump_id,
            e.catalog_id.tableoid,
            e.catalog_id.oid,
            e.desc,
            sanitize(e.namespace.as_deref(), true),
            sanitize(Some(&e.tag), false),
            sanitize(e.owner.as_deref(), false),
        )?;
        if options.verbose && !e.dependencies.is_empty() {
            write!(out, ";\tdepends on:")?;
            for d in &e.dependencies {
                write!(out, " {d}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
