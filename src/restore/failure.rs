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
/// --inserts`) cut at each `;` outside quotes, each statement to be run on
/// its own so that one failing row does not take the others with it. Fed
/// the block piece by piece (a statement may span pieces), it keeps only
/// the statement in progress. Newlines between statements are dropped;
/// text after the last `;` is not a statement.
#[derive(Debug)]
pub(crate) struct SimpleCommands {
    std_strings: bool,
    state: State,
    current: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Scan,
    Single { backslash: bool },
    Double,
}

impl SimpleCommands {
    pub(crate) fn new(std_strings: bool) -> Self {
        SimpleCommands {
            std_strings,
            state: State::Scan,
            current: Vec::new(),
        }
    }

    /// Takes the next piece of the block; returns the statements it
    /// completed.
    pub(crate) fn feed(&mut self, piece: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &ch in piece {
            if ch == b'\n' && self.current.is_empty() {
                continue;
            }
            self.current.push(ch);
            self.state = match self.state {
                State::Scan => match ch {
                    b';' => {
                        let stmt = std::mem::take(&mut self.current);
                        out.push(String::from_utf8_lossy(&stmt).into_owned());
                        State::Scan
                    }
                    b'\'' => State::Single { backslash: false },
                    b'"' => State::Double,
                    _ => State::Scan,
                },
                State::Single { backslash } => {
                    if ch == b'\'' && !backslash {
                        State::Scan
                    } else if ch == b'\\' && !self.std_strings {
                        State::Single {
                            backslash: !backslash,
                        }
                    } else {
                        State::Single { backslash: false }
                    }
                }
                State::Double if ch == b'"' => State::Scan,
                State::Double => State::Double,
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(sql: &str, std_strings: bool, piece: usize) -> Vec<String> {
        let mut s = SimpleCommands::new(std_strings);
        sql.as_bytes()
            .chunks(piece)
            .flat_map(|p| s.feed(p))
            .collect()
    }

    #[test]
    fn inserts_are_cut_at_semicolons_outside_quotes() {
        let sql = "INSERT INTO t VALUES (1, 'a;b');\nINSERT INTO \"x;y\" VALUES (2);\n\nINSERT INTO t VALUES (3, 'it''s');\ntrailing";
        let want = vec![
            "INSERT INTO t VALUES (1, 'a;b');",
            "INSERT INTO \"x;y\" VALUES (2);",
            "INSERT INTO t VALUES (3, 'it''s');",
        ];
        // Whatever the pieces the block comes in.
        for piece in [1, 3, 7, sql.len()] {
            assert_eq!(commands(sql, true, piece), want, "pieces of {piece}");
        }
        // Without standard_conforming_strings a backslash escapes a quote.
        let old = "INSERT INTO t VALUES ('a\\';b');\nINSERT INTO t VALUES (1);";
        assert_eq!(commands(old, false, 2).len(), 2);
        assert_eq!(commands(old, true, 2).len(), 1);
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
