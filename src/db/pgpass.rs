//! The password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`), read with
//! libpq's rules.
//!
//! Each line is `hostname:port:database:username:password`; `*` in one of
//! the first four fields matches anything, `\:` and `\\` stand for `:` and
//! `\`, lines starting with `#` are comments, and the first matching line
//! wins. A file with any group or world permission is ignored with a
//! warning, as libpq does.

use std::path::Path;

/// What looking a password up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A matching line's password.
    Found(String),
    /// No line matched (or the file does not exist).
    NotFound,
    /// The file was not used; the warning says why.
    Ignored(String),
}

/// The fields a line is matched against.
#[derive(Debug)]
pub(crate) struct Key<'a> {
    pub host: &'a str,
    pub port: &'a str,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// Looks `key` up in the password file `path`.
pub(crate) fn lookup(path: &Path, key: &Key<'_>) -> Lookup {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return Lookup::NotFound,
    };
    if !meta.is_file() {
        return Lookup::Ignored(format!(
            "password file \"{}\" is not a plain file",
            path.display()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Lookup::Ignored(format!(
                "password file \"{}\" has group or world access; permissions should be \
                 u=rw (0600) or less",
                path.display()
            ));
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => match find(&String::from_utf8_lossy(&bytes), key) {
            Some(p) => Lookup::Found(p),
            None => Lookup::NotFound,
        },
        Err(e) => Lookup::Ignored(format!(
            "password file \"{}\" cannot be read: {e}",
            path.display()
        )),
    }
}

/// The password of the first line of `text` matching `key`.
pub(crate) fn find(text: &str, key: &Key<'_>) -> Option<String> {
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split(line);
        let [host, port, db, user, password, ..] = fields.as_slice() else {
            continue;
        };
        if host.matches(key.host)
            && port.matches(key.port)
            && db.matches(key.dbname)
            && user.matches(key.user)
        {
            return Some(password.text.clone());
        }
    }
    None
}

/// One field of a line, and whether it was a bare (unescaped) `*`.
#[derive(Debug, Default)]
struct Field {
    text: String,
    escaped: bool,
}

impl Field {
    fn matches(&self, value: &str) -> bool {
        (self.text == "*" && !self.escaped) || self.text == value
    }
}

/// Splits a line at unescaped colons, undoing `\` escapes; as in libpq, the
/// password ends at the next unescaped colon.
fn split(line: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut field = Field::default();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    field.text.push(n);
                    field.escaped = true;
                }
            }
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            ':' => break,
            c => field.text.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key<'static> {
        Key {
            host: "db.example.com",
            port: "5432",
            dbname: "app",
            user: "alice",
        }
    }

    #[test]
    fn first_match_wins_with_wildcards() {
        let text = "# comment\n\
                    other:5432:app:alice:no\n\
                    db.example.com:5433:*:alice:wrong-port\n\
                    db.example.com:*:app:*:yes\n\
                    *:*:*:*:fallback\n";
        assert_eq!(find(text, &key()).as_deref(), Some("yes"));
        let k = Key {
            host: "elsewhere",
            ..key()
        };
        assert_eq!(find(text, &k).as_deref(), Some("fallback"));
    }

    #[test]
    fn escapes() {
        let text = "db.example.com:5432:app:alice:p\\:a\\\\ss:ignored\n";
        assert_eq!(find(text, &key()).as_deref(), Some("p:a\\ss"));
        let k = Key {
            dbname: "a:b",
            ..key()
        };
        assert_eq!(
            find("*:*:a\\:b:*:colon-db\r\n", &k).as_deref(),
            Some("colon-db")
        );
        assert_eq!(find("*:*:a:b:*:nope\n", &k), None);
        assert_eq!(find("\\*:*:*:*:literal-star\n", &key()), None);
    }

    #[test]
    fn short_lines_are_skipped() {
        assert_eq!(find("db.example.com:5432:app\n", &key()), None);
        assert_eq!(find("*:*:*:*:\n", &key()).as_deref(), Some(""));
    }
}
