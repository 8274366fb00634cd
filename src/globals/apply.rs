//! Running a globals file: statement by statement (CREATE TABLESPACE
//! cannot run in a transaction block), the cluster's part on one database,
//! the database's part (after [`super::sql::DATABASE_MARKER`]) on the
//! restored one.

use tokio_postgres::error::SqlState;

use super::sql::DATABASE_MARKER;
use crate::error::{Error, Result};

/// What applying a globals file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GlobalsApplied {
    /// Statements run.
    pub statements: usize,
    /// Tablespaces that existed already (their CREATE was skipped).
    pub existing_tablespaces: usize,
}

/// The two parts of a globals file: the cluster's (roles, memberships,
/// settings, tablespaces), and the database's with the source database's
/// name (`None` for a file without that part, e.g. pg_dumpall's).
pub(crate) fn parts(text: &str) -> (&str, Option<(String, &str)>) {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix(DATABASE_MARKER) {
            let name = serde_json::from_str::<String>(name.trim()).unwrap_or_default();
            return (&text[..at], Some((name, &text[at + line.len()..])));
        }
        at += line.len();
    }
    (text, None)
}

/// Runs the globals file `text` on the database `url` names: its cluster
/// part, then its database part (which applies to that database). Stops
/// at the first failing statement, naming it by number and first words,
/// never by its text (a `CREATE ROLE` may hold a password hash); a
/// `CREATE TABLESPACE` of a tablespace that exists is skipped with a
/// warning.
pub async fn apply(url: &str, text: &str) -> Result<GlobalsApplied> {
    let (cluster, database) = parts(text);
    let (client, _) = crate::db::connect(url).await?;
    let mut done = apply_sql(&client, cluster).await?;
    if let Some((_, sql)) = database {
        let more = apply_sql(&client, sql).await?;
        done.statements += more.statements;
    }
    Ok(done)
}

/// Runs `sql` (a globals file, or a part of one) on `client`, one
/// statement at a time.
pub(crate) async fn apply_sql(
    client: &tokio_postgres::Client,
    sql: &str,
) -> Result<GlobalsApplied> {
    let mut done = GlobalsApplied::default();
    for (n, stmt) in split_statements(sql).into_iter().enumerate() {
        match client.batch_execute(stmt).await {
            Ok(()) => done.statements += 1,
            Err(e)
                if e.code() == Some(&SqlState::DUPLICATE_OBJECT)
                    && starts_with_words(stmt, &["CREATE", "TABLESPACE"]) =>
            {
                tracing::warn!("globals: {}: exists, skipped", first_words(stmt, 3));
                done.existing_tablespaces += 1;
            }
            Err(e) => {
                return Err(Error::query(
                    &format!(
                        "applying the globals (statement {}: {} ...)",
                        n + 1,
                        first_words(stmt, 3)
                    ),
                    &e,
                ))
            }
        }
    }
    Ok(done)
}

fn starts_with_words(stmt: &str, words: &[&str]) -> bool {
    let mut it = stmt.split_whitespace();
    words
        .iter()
        .all(|w| it.next().is_some_and(|x| x.eq_ignore_ascii_case(w)))
}

/// The statement's first `n` words (a DO block: just `DO`), without
/// anything that could be a password.
fn first_words(stmt: &str, n: usize) -> String {
    let words: Vec<&str> = stmt
        .split_whitespace()
        .take(n)
        .take_while(|w| !w.starts_with('$') && !w.contains('\''))
        .collect();
    words.join(" ")
}

/// Splits SQL into statements at top-level semicolons, as psql does:
/// quotes (`'...'`, `E'...'`, `"..."`), dollar quotes, `--` and nested
/// `/* */` comments are kept whole. Comments before a statement are left
/// out, and so are statements holding only comments and blanks; each
/// statement keeps its text up to its `;`.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    let mut has_code = false;
    while i < b.len() {
        let c = b[i];
        let comment = matches!((c, b.get(i + 1)), (b'-', Some(b'-')) | (b'/', Some(b'*')));
        if !has_code && !comment && !c.is_ascii_whitespace() && c != b';' {
            start = i;
        }
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(b.len(), |k| i + k + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i);
                continue;
            }
            b'\'' => {
                let escapes = i > 0 && matches!(b[i - 1], b'E' | b'e') && !ident_byte(b, i - 1);
                i = skip_quoted(b, i + 1, b'\'', escapes);
                has_code = true;
                continue;
            }
            b'"' => {
                i = skip_quoted(b, i + 1, b'"', false);
                has_code = true;
                continue;
            }
            b'$' if i == 0 || !is_word(b[i - 1]) => {
                if let Some(end) = skip_dollar_quoted(sql, i) {
                    i = end;
                    has_code = true;
                    continue;
                }
            }
            b';' => {
                if has_code {
                    out.push(sql[start..=i].trim());
                }
                start = i + 1;
                has_code = false;
            }
            c if !c.is_ascii_whitespace() => has_code = true,
            _ => {}
        }
        i += 1;
    }
    if has_code {
        out.push(sql[start..].trim());
    }
    out
}

/// The index after the nested `/* */` comment starting at `i` (the end
/// of `b` when it is not closed).
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The index after the dollar-quoted string starting at `i` (the end of
/// `sql` when it is not closed); `None` when no dollar quote starts there.
fn skip_dollar_quoted(sql: &str, i: usize) -> Option<usize> {
    let tag = dollar_tag(&sql[i..])?;
    let body = i + tag.len();
    Some(
        sql[body..]
            .find(tag)
            .map_or(sql.len(), |k| body + k + tag.len()),
    )
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Whether the `E` at `at` is part of a longer word (then the quote
/// after it is not an escape string's).
fn ident_byte(b: &[u8], at: usize) -> bool {
    at > 0 && is_word(b[at - 1])
}

/// The index after the closing quote (a doubled quote stays inside; with
/// `escapes`, a backslash escapes the next byte).
fn skip_quoted(b: &[u8], mut i: usize, quote: u8, escapes: bool) -> usize {
    while i < b.len() {
        if escapes && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// `$tag$` at the start of `s`, if it is one.
fn dollar_tag(s: &str) -> Option<&str> {
    let rest = &s[1..];
    let end = rest.find('$')?;
    let tag = &rest[..end];
    let ok = tag.chars().enumerate().all(|(k, c)| {
        c == '_' || c.is_alphabetic() || (k > 0 && c.is_ascii_digit()) || !c.is_ascii()
    });
    ok.then(|| &s[..end + 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_psql() {
        let sql = "SET a = 1;\n-- a comment; not a statement\n\
                   DO $pgark$\nBEGIN\nRAISE NOTICE 'x;y';\nEND\n$pgark$;\n\
                   COMMENT ON ROLE \"a;b\" IS 'it''s; fine';\n/* c; /* nested; */ */\n\
                   SELECT E'\\';', $$;$$, x$y;\n;\n  -- trailing\n";
        assert_eq!(
            split_statements(sql),
            vec![
                "SET a = 1;",
                "DO $pgark$\nBEGIN\nRAISE NOTICE 'x;y';\nEND\n$pgark$;",
                "COMMENT ON ROLE \"a;b\" IS 'it''s; fine';",
                "SELECT E'\\';', $$;$$, x$y;",
            ]
        );
    }

    #[test]
    fn parts_at_the_marker() {
        let text = "CREATE ROLE a;\n-- pgark-globals-database: \"my \\\"db\\\"\"\nALTER x;\n";
        let (cluster, db) = parts(text);
        assert_eq!(cluster, "CREATE ROLE a;\n");
        assert_eq!(db, Some(("my \"db\"".to_owned(), "ALTER x;\n")));
        assert_eq!(parts("CREATE ROLE a;\n"), ("CREATE ROLE a;\n", None));
    }

    #[test]
    fn names_statements_without_secrets() {
        assert_eq!(
            first_words("CREATE TABLESPACE ts OWNER a LOCATION '/x';", 3),
            "CREATE TABLESPACE ts"
        );
        assert_eq!(first_words("DO $pgark$\nBEGIN CREATE ROLE", 3), "DO");
        assert!(starts_with_words(
            "create  tablespace ts",
            &["CREATE", "TABLESPACE"]
        ));
    }
}
