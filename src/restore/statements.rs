//! The SQL a restore sends, derived from TOC entries the way pg_restore's
//! `_printTocEntry`, `_getObjectDescription` and `RestoreArchive` derive
//! it. Pure functions: no I/O.

use archive_format::TocEntry;

/// Which of pg_restore's passes an entry is restored in
/// (`_tocEntryRestorePass`): privileges after everything else, event
/// triggers and materialized view refreshes after privileges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Pass {
    Main,
    Acl,
    PostAcl,
}

pub(crate) fn pass(e: &TocEntry) -> Pass {
    match e.desc.as_str() {
        "ACL" | "ACL LANGUAGE" | "DEFAULT ACL" => Pass::Acl,
        "EVENT TRIGGER" | "MATERIALIZED VIEW DATA" => Pass::PostAcl,
        "COMMENT" if e.tag.starts_with(b"EVENT TRIGGER ") => Pass::PostAcl,
        _ => Pass::Main,
    }
}

/// `_tocEntryIsACL`.
pub(crate) fn is_acl(e: &TocEntry) -> bool {
    matches!(e.desc.as_str(), "ACL" | "ACL LANGUAGE" | "DEFAULT ACL")
}

/// Entries whose desc names a table-like object for `-t` (pg_restore's
/// `selTable` list).
pub(crate) fn is_table_like(desc: &str) -> bool {
    matches!(
        desc,
        "TABLE"
            | "TABLE DATA"
            | "VIEW"
            | "FOREIGN TABLE"
            | "MATERIALIZED VIEW"
            | "MATERIALIZED VIEW DATA"
            | "SEQUENCE"
            | "SEQUENCE SET"
    )
}

/// An identifier, always double-quoted. pg_restore's `fmtId` quotes only
/// when needed; for the server the two spellings are the same name.
pub(crate) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A string literal right whatever standard_conforming_strings is
/// (doubled quotes, and an E'' literal when it holds a backslash).
pub(crate) fn quote_literal(s: &str) -> String {
    crate::schema::quote::literal(s, false)
}

fn text(b: &Option<Vec<u8>>) -> Option<String> {
    b.as_deref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .filter(|s| !s.is_empty())
}

/// True when `sql` holds nothing but blank lines and `--` comments (a
/// TABLE DATA entry's `-- load via partition root` note, the public
/// schema's placeholder).
pub(crate) fn is_comment_only(sql: &str) -> bool {
    sql.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("--"))
}

/// The entry's definition as pg_restore would execute it (`_printTocEntry`):
/// with `--no-owner` a SCHEMA is created without its AUTHORIZATION clause;
/// `BLOB METADATA` expands to one `lo_create` per large object. `None` when
/// there is nothing to run.
pub(crate) fn definition(e: &TocEntry, no_owner: bool) -> Option<String> {
    let defn = text(&e.defn).unwrap_or_default();
    if no_owner && e.desc == "SCHEMA" && !defn.starts_with("--") {
        return Some(format!("CREATE SCHEMA {};\n", quote_ident(&e.tag_lossy())));
    }
    if e.desc == "BLOB METADATA" {
        return per_blob(e, "SELECT pg_catalog.lo_create('", "')");
    }
    if defn.is_empty() || is_comment_only(&defn) {
        return None;
    }
    Some(defn)
}

/// One command per large object of a 1.16 `BLOB METADATA` entry, whose
/// definition is a list of OIDs, one a line (`IssueCommandPerBlob`).
pub(crate) fn per_blob(e: &TocEntry, begin: &str, end: &str) -> Option<String> {
    let defn = text(&e.defn)?;
    let sql: String = defn
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|oid| format!("{begin}{oid}{end};\n"))
        .collect();
    (!sql.is_empty()).then_some(sql)
}

/// `ALTER ... OWNER TO` for the entry, when pg_restore without
/// `--no-owner` issues one: the entry has an owner and a drop statement
/// ("anything without a DROP command is not a separately ownable object"),
/// and its type is one `_getObjectDescription` knows.
pub(crate) fn alter_owner(e: &TocEntry) -> Option<String> {
    let owner = text(&e.owner)?;
    let drop = text(&e.drop_stmt)?;
    let owner_q = quote_ident(&owner);
    if e.desc == "BLOB METADATA" {
        return per_blob(e, "ALTER LARGE OBJECT ", &format!(" OWNER TO {owner_q}"));
    }
    let object = object_description(e, &drop)?;
    Some(format!("ALTER {object} OWNER TO {owner_q};\n"))
}

/// `_getObjectDescription`.
fn object_description(e: &TocEntry, drop: &str) -> Option<String> {
    let ty = e.desc.as_str();
    match ty {
        "COLLATION"
        | "CONVERSION"
        | "DOMAIN"
        | "FOREIGN TABLE"
        | "MATERIALIZED VIEW"
        | "SEQUENCE"
        | "STATISTICS"
        | "TABLE"
        | "TEXT SEARCH DICTIONARY"
        | "TEXT SEARCH CONFIGURATION"
        | "TYPE"
        | "VIEW"
        | "DATABASE"
        | "PROCEDURAL LANGUAGE"
        | "SCHEMA"
        | "EVENT TRIGGER"
        | "FOREIGN DATA WRAPPER"
        | "SERVER"
        | "PUBLICATION"
        | "SUBSCRIPTION" => {
            let mut s = format!("{ty} ");
            if let Some(ns) = text(&e.namespace) {
                s.push_str(&quote_ident(&ns));
                s.push('.');
            }
            s.push_str(&quote_ident(&e.tag_lossy()));
            Some(s)
        }
        "BLOB" => Some(format!("LARGE OBJECT {}", e.tag_lossy())),
        "AGGREGATE" | "FUNCTION" | "OPERATOR" | "OPERATOR CLASS" | "OPERATOR FAMILY"
        | "PROCEDURE" => {
            let rest = drop.strip_prefix("DROP ")?;
            Some(rest.trim_end_matches([';', '\n']).to_owned())
        }
        _ => None,
    }
}

/// The statement `--clean` runs for the entry, with `IF EXISTS` injected
/// as pg_restore's `RestoreArchive` does for `--if-exists`. `None` when
/// the entry has no drop statement.
pub(crate) fn drop_statement(e: &TocEntry, if_exists: bool) -> Option<String> {
    if e.desc == "BLOB METADATA" {
        return if if_exists {
            per_blob(
                e,
                "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '",
                "'",
            )
        } else {
            per_blob(e, "SELECT pg_catalog.lo_unlink('", "')")
        };
    }
    let drop = text(&e.drop_stmt)?;
    if !if_exists || drop.starts_with("--") {
        return Some(drop);
    }
    if e.desc == "BLOB" {
        return Some(format!(
            "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '{}';\n",
            e.catalog_id.oid
        ));
    }
    Some(inject_if_exists(&e.desc, &drop))
}

/// The string rewrite of pg_restore's `--if-exists`: `ALTER TABLE` becomes
/// `ALTER TABLE IF EXISTS`, and `IF EXISTS` goes after the first
/// `DROP <desc>` (`DROP CONSTRAINT` for constraints). DEFAULT, DATABASE
/// PROPERTIES and `CREATE OR REPLACE VIEW` statements are left alone; a
/// statement without the expected words is run unchanged.
pub(crate) fn inject_if_exists(desc: &str, drop: &str) -> String {
    let mut out = String::new();
    let mut rest = drop;
    if let Some(r) = drop.strip_prefix("ALTER TABLE") {
        out.push_str("ALTER TABLE IF EXISTS");
        rest = r;
    }
    if desc == "DEFAULT"
        || desc == "DATABASE PROPERTIES"
        || rest.starts_with("CREATE OR REPLACE VIEW")
    {
        out.push_str(rest);
        return out;
    }
    let words = match desc {
        "CONSTRAINT" | "CHECK CONSTRAINT" | "FK CONSTRAINT" => "DROP CONSTRAINT".to_owned(),
        _ => format!("DROP {desc}"),
    };
    match rest.find(&words) {
        Some(i) => {
            out.push_str(&rest[..i]);
            out.push_str(&words);
            out.push_str(" IF EXISTS");
            out.push_str(&rest[i + words.len()..]);
        }
        None => out.push_str(rest),
    }
    out
}

/// `is_load_via_partition_root`: a TABLE DATA entry of a partition whose
/// rows go through the partitioned table (`--load-via-partition-root`),
/// told by its comment or by a COPY naming another table.
pub(crate) fn is_load_via_partition_root(e: &TocEntry) -> bool {
    if e.defn
        .as_deref()
        .is_some_and(|d| d.starts_with(b"-- load via partition root "))
    {
        return true;
    }
    let Some(copy) = text(&e.copy_stmt) else {
        return false;
    };
    let ns = e.namespace_lossy().unwrap_or_default();
    let tag = e.tag_lossy();
    // pg_restore compares with fmtQualifiedId's spelling, which quotes
    // only where needed; both spellings name the table itself.
    [
        format!("COPY {}.{} ", fmt_id(&ns), fmt_id(&tag)),
        format!("COPY {}.{} ", quote_ident(&ns), quote_ident(&tag)),
    ]
    .iter()
    .all(|own| !copy.starts_with(own.as_str()))
}

/// `fmtId` without the keyword list: quoted unless a plain lower-case
/// identifier.
fn fmt_id(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        s.to_owned()
    } else {
        quote_ident(s)
    }
}

/// The value between the first pair of single quotes (`processEncodingEntry`).
pub(crate) fn quoted_value(defn: &str) -> Option<&str> {
    let start = defn.find('\'')? + 1;
    let len = defn[start..].find('\'')?;
    Some(&defn[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive_format::Section;

    fn entry(desc: &str, tag: &str, drop: &str) -> TocEntry {
        let mut e = TocEntry::new(1, desc, tag, Section::PreData);
        e.namespace = Some(b"public".to_vec());
        e.drop_stmt = Some(drop.as_bytes().to_vec());
        e.owner = Some(b"alice".to_vec());
        e
    }

    #[test]
    fn if_exists_is_injected_like_pg_restore() {
        let cases = [
            (
                "TABLE",
                "DROP TABLE public.t;\n",
                "DROP TABLE IF EXISTS public.t;\n",
            ),
            (
                "FK CONSTRAINT",
                "ALTER TABLE ONLY public.t DROP CONSTRAINT t_fk;\n",
                "ALTER TABLE IF EXISTS ONLY public.t DROP CONSTRAINT IF EXISTS t_fk;\n",
            ),
            (
                "DEFAULT",
                "ALTER TABLE public.t ALTER COLUMN id DROP DEFAULT;\n",
                "ALTER TABLE IF EXISTS public.t ALTER COLUMN id DROP DEFAULT;\n",
            ),
            (
                "MATERIALIZED VIEW",
                "DROP MATERIALIZED VIEW public.mv;\n",
                "DROP MATERIALIZED VIEW IF EXISTS public.mv;\n",
            ),
            (
                "FUNCTION",
                "DROP FUNCTION public.f(integer);\n",
                "DROP FUNCTION IF EXISTS public.f(integer);\n",
            ),
            (
                "SCHEMA",
                "DROP SCHEMA app;\n",
                "DROP SCHEMA IF EXISTS app;\n",
            ),
            // Nothing to hook onto: unchanged.
            ("TABLE", "DROP VIEW public.v;\n", "DROP VIEW public.v;\n"),
        ];
        for (desc, drop, want) in cases {
            assert_eq!(inject_if_exists(desc, drop), want, "{desc}: {drop}");
        }
    }

    #[test]
    fn comments_and_large_objects_drop_specially() {
        let mut public = entry("SCHEMA", "public", "-- *not* dropping schema\n");
        assert_eq!(
            drop_statement(&public, true).as_deref(),
            Some("-- *not* dropping schema\n")
        );
        public.drop_stmt = None;
        assert_eq!(drop_statement(&public, true), None);

        let mut blob = entry("BLOB", "90001", "SELECT pg_catalog.lo_unlink('90001');\n");
        blob.catalog_id.oid = 90001;
        assert_eq!(
            drop_statement(&blob, true).as_deref(),
            Some("SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '90001';\n")
        );
        let mut meta = entry("BLOB METADATA", "1..2", "-- dummy");
        meta.defn = Some(b"1\n2\n".to_vec());
        assert_eq!(
            definition(&meta, true).as_deref(),
            Some("SELECT pg_catalog.lo_create('1');\nSELECT pg_catalog.lo_create('2');\n")
        );
        assert_eq!(
            alter_owner(&meta).as_deref(),
            Some("ALTER LARGE OBJECT 1 OWNER TO \"alice\";\nALTER LARGE OBJECT 2 OWNER TO \"alice\";\n")
        );
    }

    #[test]
    fn owners_follow_get_object_description() {
        let t = entry("TABLE", "T x", "DROP TABLE public.\"T x\";\n");
        assert_eq!(
            alter_owner(&t).as_deref(),
            Some("ALTER TABLE \"public\".\"T x\" OWNER TO \"alice\";\n")
        );
        let f = entry(
            "FUNCTION",
            "f(integer)",
            "DROP FUNCTION public.f(integer);\n",
        );
        assert_eq!(
            alter_owner(&f).as_deref(),
            Some("ALTER FUNCTION public.f(integer) OWNER TO \"alice\";\n")
        );
        // No owner for indexes; nothing without a drop statement.
        assert_eq!(
            alter_owner(&entry("INDEX", "i", "DROP INDEX public.i;\n")),
            None
        );
        let mut data = entry("TABLE DATA", "t", "");
        data.drop_stmt = None;
        assert_eq!(alter_owner(&data), None);
    }

    #[test]
    fn schema_without_owner_and_comment_only_definitions() {
        let mut s = entry("SCHEMA", "app", "DROP SCHEMA app;\n");
        s.defn = Some(b"CREATE SCHEMA app AUTHORIZATION bob;\n".to_vec());
        assert_eq!(
            definition(&s, true).as_deref(),
            Some("CREATE SCHEMA \"app\";\n")
        );
        assert_eq!(
            definition(&s, false).as_deref(),
            Some("CREATE SCHEMA app AUTHORIZATION bob;\n")
        );
        let mut d = entry("TABLE DATA", "p1", "");
        d.defn = Some(b"-- load via partition root public.p\n".to_vec());
        assert_eq!(definition(&d, true), None);
        assert_eq!(
            quoted_value("SET client_encoding = 'UTF8';\n"),
            Some("UTF8")
        );
    }
}
