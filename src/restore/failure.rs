//! Errors a restore goes past, worded as pg_restore words them
//! (`warn_or_exit_horribly` in pg_backup_archiver.c, `ExecuteSqlCommand` and
//! `EndDBCopyMode` in pg_backup_db.c), so that greps written for
//! pg_restore's output keep working.

use std::fmt;

/// An error the restore went past (without `exit_on_error`), or the one it
/// stopped at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    /// The entry, as in `TABLE DATA public.t (dump id 42)`.
    pub entry: String,
    /// What failed, in pg_restore's words: `could not execute query`,
    /// `COPY failed for table "t"`, `could not set search_path to "s"`, ...
    pub context: String,
    /// The server's message as libpq reports it (`ERROR:  ...`, then any
    /// DETAIL, HINT and CONTEXT lines), or `no connection to the server`
    /// once the connection is gone.
    pub message: String,
    /// The statement, for pg_restore's `Command was:` line (statements
    /// pg_restore runs through `ExecuteSqlCommand` only).
    pub command: Option<String>,
}

impl fmt::Display for EntryError {
    /// `could not execute query: ERROR:  ...` and, for a statement,
    /// `Command was: ...` on the next line, as pg_restore prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.message)?;
        if let Some(command) = &self.command {
            write!(f, "\nCommand was: {}", command.trim_end())?;
        }
        Ok(())
    }
}

/// pg_restore's message when the connection is gone: libpq's for a
/// statement sent on a closed connection.
pub(crate) const NO_CONNECTION: &str = "no connection to the server";

/// The message of a failed call, as libpq's `PQerrorMessage` gives it with
/// the default verbosity.
pub(crate) fn server_message(e: &tokio_postgres::Error) -> String {
    if e.is_closed() {
        return NO_CONNECTION.to_owned();
    }
    let Some(db) = e.as_db_error() else {
        return e.to_string();
    };
    let mut m = format!("{}:  {}", db.severity(), db.message());
    for (label, value) in [
        ("DETAIL", db.detail()),
        ("HINT", db.hint()),
        ("CONTEXT", db.where_()),
    ] {
        if let Some(v) = value {
            m.push_str(&format!("\n{label}:  {v}"));
        }
    }
    m
}

/// `ExecuteSimpleCommands`: data stored as SQL statements (`pg_dump
/// --inserts`) cut at each `;` outside quotes, each statement run on its
/// own so that one failing row does not take the others with it. Newlines
/// between statements are dropped; text after the last `;` is not a
/// statement.
pub(crate) fn simple_commands(sql: &str, std_strings: bool) -> Vec<&str> {
    #[derive(PartialEq)]
    enum State {
        Scan,
        Single { backslash: bool },
        Double,
    }
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut state = State::Scan;
    let mut start: Option<usize> = None;
    for (i, &ch) in bytes.iter().enumerate() {
        if start.is_none() {
            if ch == b'\n' {
                continue;
            }
            start = Some(i);
        }
        state = match state {
            State::Scan => match ch {
                b';' => {
                    if let Some(s) = start.take() {
                        out.push(&sql[s..=i]);
                    }
                    State::Scan
                }
                b'\'' => State::Single { backslash: false },
                b'"' => State::Double,
                _ => State::Scan,
            },
            State::Single { backslash } => {
                if ch == b'\'' && !backslash {
                    State::Scan
                } else if ch == b'\\' && !std_strings {
                    State::Single {
                        backslash: !backslash,
                    }
                } else {
                    State::Single { backslash: false }
                }
            }
            State::Double => {
                if ch == b'"' {
                    State::Scan
                } else {
                    State::Double
                }
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_are_cut_at_semicolons_outside_quotes() {
        let sql = "INSERT INTO t VALUES (1, 'a;b');\nINSERT INTO \"x;y\" VALUES (2);\n\nINSERT INTO t VALUES (3, 'it''s');\ntrailing";
        assert_eq!(
            simple_commands(sql, true),
            vec![
                "INSERT INTO t VALUES (1, 'a;b');",
                "INSERT INTO \"x;y\" VALUES (2);",
                "INSERT INTO t VALUES (3, 'it''s');",
            ]
        );
        // Without standard_conforming_strings a backslash escapes a quote.
        let old = "INSERT INTO t VALUES ('a\\';b');\nINSERT INTO t VALUES (1);";
        assert_eq!(simple_commands(old, false).len(), 2);
        assert_eq!(simple_commands(old, true).len(), 1);
    }

    #[test]
    fn statements_print_like_pg_restore() {
        let e = EntryError {
            entry: "TABLE DATA public.a (dump id 3)".into(),
            context: "could not execute query".into(),
            message: "ERROR:  relation \"public.a\" does not exist".into(),
            command: Some("COPY public.a (x) FROM stdin;\n".into()),
        };
        assert_eq!(
            e.to_string(),
            "could not execute query: ERROR:  relation \"public.a\" does not exist\n\
             Command was: COPY public.a (x) FROM stdin;"
        );
    }
}
