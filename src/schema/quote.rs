//! SQL quoting for generated DDL. Identifiers come from the server's own
//! `quote_ident()` in the catalog queries; literals are quoted here.

/// A string literal, valid whatever `standard_conforming_strings` is: with
/// it on (the default) quotes are doubled; with it off, a string holding a
/// backslash is written as `E'...'` with backslashes doubled.
pub fn literal(s: &str, std_strings: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let escape_backslash = !std_strings && s.contains('\\');
    if escape_backslash {
        out.push('E');
    }
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if escape_backslash => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An identifier as pg_dump's `fmtId` writes it, for names that do not
/// come from a catalog query: bare when it is a plain lower-case word,
/// quoted otherwise. (SQL keywords are quoted too, conservatively: a
/// quoted identifier is always correct.)
pub fn ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !KEYWORDS.contains(&s) {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Keywords a GUC or role name could collide with that need quoting.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_role",
    "current_user",
    "default",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "leading",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "when",
    "where",
    "window",
    "with",
];

/// GUCs whose value is a list of names, each quoted on its own
/// (pg_dump's `variable_is_guc_list_quote`).
fn is_list_guc(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "local_preload_libraries"
            | "search_path"
            | "session_preload_libraries"
            | "shared_preload_libraries"
            | "temp_tablespaces"
            | "unix_socket_directories"
    )
}

/// Splits a list GUC's stored value into its names (`SplitGUCList`):
/// comma-separated, double quotes protect, `""` inside them is a quote.
fn split_guc_list(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = value.trim_start();
    if rest.is_empty() {
        return Some(out);
    }
    loop {
        let name;
        if let Some(q) = rest.strip_prefix('"') {
            let mut s = String::new();
            let mut chars = q.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if chars.peek().map(|p| p.1) == Some('"') {
                        s.push('"');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            rest = &q[end?..];
            name = s;
        } else {
            let end = rest
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            name = rest[..end].to_owned();
            rest = &rest[end..];
        }
        out.push(name);
        rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => return Some(out),
            None => return None,
        }
    }
}

/// pg_dump's `makeAlterConfigCommand`: `ALTER <target> SET name TO value;`
/// for one `name=value` item of `pg_db_role_setting`.
pub fn alter_config(target: &str, item: &str, std_strings: bool) -> String {
    let Some((name, value)) = item.split_once('=') else {
        return String::new();
    };
    let value = match split_guc_list(value).filter(|_| is_list_guc(name)) {
        Some(names) => names
            .iter()
            .map(|n| literal(n, std_strings))
            .collect::<Vec<_>>()
            .join(", "),
        None => literal(value, std_strings),
    };
    format!("ALTER {target} SET {} TO {value};\n", ident(name))
}

#[cfg(test)]
mod tests {
    use super::{alter_config, ident, literal, split_guc_list};

    #[test]
    fn formats_settings_like_pg_dump() {
        assert_eq!(
            alter_config(
                "DATABASE s",
                "search_path=\"$user\", public, topology",
                true
            ),
            "ALTER DATABASE s SET search_path TO '$user', 'public', 'topology';\n"
        );
        assert_eq!(
            alter_config("DATABASE s", "work_mem=64MB", true),
            "ALTER DATABASE s SET work_mem TO '64MB';\n"
        );
        assert_eq!(
            alter_config("DATABASE s", "app.note=it's", true),
            "ALTER DATABASE s SET \"app.note\" TO 'it''s';\n"
        );
        assert_eq!(
            split_guc_list(r#""a""b", c ,d"#),
            Some(vec!["a\"b".to_owned(), "c".to_owned(), "d".to_owned()])
        );
        assert_eq!(split_guc_list(""), Some(vec![]));
        assert_eq!(split_guc_list("\"open"), None);
        assert_eq!(ident("Mixed"), "\"Mixed\"");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("app_user"), "app_user");
    }

    #[test]
    fn quotes_literals() {
        assert_eq!(literal("it's", true), "'it''s'");
        assert_eq!(literal("a\\b", true), "'a\\b'");
        assert_eq!(literal("a\\b", false), "E'a\\\\b'");
        assert_eq!(literal("", true), "''");
    }
}
