//! psql-style name patterns turned into the anchored regular expressions
//! pg_dump sends to the server (`patternToSQLRegex` in
//! `src/fe_utils/string_utils.c`): `*` and `?` are wildcards, unquoted
//! letters fold to lower case, double quotes quote (`""` is one quote),
//! `$` is always literal, other regular expression characters pass
//! through outside quotes, and `.` separates database, schema and name.

/// A pattern split at its dots into anchored regular expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// The database part as written (letters folded, no regex), when the
    /// pattern has two dots.
    pub database: Option<String>,
    /// The schema part, when the pattern has a dot.
    pub schema: Option<String>,
    /// The name part.
    pub name: String,
    /// How many separating dots the pattern has.
    pub dots: usize,
}

/// Splits `pattern` into at most `parts` (1: name, 2: schema.name,
/// 3: database.schema.name) anchored regular expressions, as
/// `patternToSQLRegex` does. Extra dots stay literal in the name part
/// but are counted.
pub fn to_regex(pattern: &str, parts: usize) -> NamePattern {
    let mut bufs: Vec<String> = vec![String::from("^(")];
    let mut literal_db = String::new();
    let mut left = true;
    let mut dots = 0;
    let mut inquotes = false;
    let mut chars = pattern.chars().peekable();
    while let Some(ch) = chars.next() {
        let full = bufs.len() >= parts;
        let cur = bufs.last_mut().expect("one buffer at least");
        match ch {
            '"' => {
                if inquotes && chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                    if left {
                        literal_db.push('"');
                    }
                } else {
                    inquotes = !inquotes;
                }
            }
            c if !inquotes && c.is_ascii_uppercase() => {
                let lower = c.to_ascii_lowercase();
                cur.push(lower);
                if left {
                    literal_db.push(lower);
                }
            }
            '*' if !inquotes => {
                cur.push_str(".*");
                if left {
                    literal_db.push('*');
                }
            }
            '?' if !inquotes => {
                cur.push('.');
                if left {
                    literal_db.push('?');
                }
            }
            '.' if !inquotes => {
                left = false;
                dots += 1;
                if full {
                    cur.push('.');
                } else {
                    cur.push_str(")$");
                    bufs.push(String::from("^("));
                }
            }
            '$' => {
                cur.push_str("\\$");
                if left {
                    literal_db.push('$');
                }
            }
            c => {
                // Quoted regex characters are literal; `[]` always is
                // (an array type's name, not a bracket expression).
                let special = inquotes && "|*+?()[]{}.^$\\".contains(c);
                if special || (c == '[' && chars.peek() == Some(&']')) {
                    cur.push('\\');
                }
                cur.push(c);
                if left {
                    literal_db.push(c);
                }
            }
        }
    }
    bufs.last_mut().expect("one buffer at least").push_str(")$");
    let name = bufs.pop().expect("one buffer at least");
    let schema = bufs.pop();
    let database = (!bufs.is_empty()).then_some(literal_db);
    NamePattern {
        database,
        schema,
        name,
        dots,
    }
}

/// The anchored regular expression for a one-part name (a database, as
/// pg_dumpall's `--exclude-database` reads it), or why `pattern` is not
/// one: a dot outside quotes would qualify it, and pg_dumpall refuses that.
pub fn one_part(pattern: &str) -> Result<String, String> {
    let p = to_regex(pattern, 1);
    if p.dots > 0 {
        return Err(format!(
            "improper qualified name (too many dotted names): {pattern}"
        ));
    }
    Ok(p.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str, n: usize) -> (Option<String>, Option<String>, String, usize) {
        let r = to_regex(p, n);
        (r.database, r.schema, r.name, r.dots)
    }

    #[test]
    fn folds_unquoted_letters_and_keeps_quoted_ones() {
        assert_eq!(to_regex("Foo", 2).name, "^(foo)$");
        assert_eq!(to_regex("\"Foo\"", 2).name, "^(Foo)$");
        assert_eq!(to_regex("\"a\"\"b\"", 2).name, "^(a\"b)$");
    }

    #[test]
    fn wildcards_and_specials() {
        assert_eq!(to_regex("t*", 2).name, "^(t.*)$");
        assert_eq!(to_regex("t?x", 2).name, "^(t.x)$");
        assert_eq!(to_regex("a$b", 2).name, "^(a\\$b)$");
        assert_eq!(to_regex("\"a*b\"", 2).name, "^(a\\*b)$");
        assert_eq!(to_regex("t(1|2)", 2).name, "^(t(1|2))$");
        assert_eq!(to_regex("int[]", 2).name, "^(int\\[])$");
    }

    #[test]
    fn splits_at_unquoted_dots() {
        assert_eq!(
            parts("App.T*", 2),
            (None, Some("^(app)$".into()), "^(t.*)$".into(), 1)
        );
        assert_eq!(parts("\"a.b\".c", 2).1, Some("^(a\\.b)$".into()));
        assert_eq!(
            parts("Db.s.t", 3),
            (Some("db".into()), Some("^(s)$".into()), "^(t)$".into(), 2)
        );
        // More dots than parts: counted, kept literal in the name.
        assert_eq!(
            parts("a.b.c", 2),
            (None, Some("^(a)$".into()), "^(b.c)$".into(), 2)
        );
        assert_eq!(parts("a.b", 1), (None, None, "^(a.b)$".into(), 1));
    }

    #[test]
    fn one_part_names_refuse_dots() {
        assert_eq!(one_part("App*").as_deref(), Ok("^(app.*)$"));
        assert_eq!(one_part("\"a.b\"").as_deref(), Ok("^(a\\.b)$"));
        assert!(one_part("db.public").is_err());
    }
}
