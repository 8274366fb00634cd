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
    let mut t = Translation::new(parts);
    let mut chars = pattern.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if t.inquotes && chars.peek() == Some(&'"') => {
                chars.next();
                t.push("\"", '"');
            }
            '"' => t.inquotes = !t.inquotes,
            c if !t.inquotes && c.is_ascii_uppercase() => {
                let lower = c.to_ascii_lowercase();
                t.push(&lower.to_string(), lower);
            }
            '*' if !t.inquotes => t.push(".*", '*'),
            '?' if !t.inquotes => t.push(".", '?'),
            '.' if !t.inquotes => t.dot(),
            '$' => t.push("\\$", '$'),
            c => {
                // Quoted regex characters are literal; `[]` always is
                // (an array type's name, not a bracket expression).
                let special = t.inquotes && "|*+?()[]{}.^$\\".contains(c);
                if special || (c == '[' && chars.peek() == Some(&']')) {
                    t.push(&format!("\\{c}"), c);
                } else {
                    t.push(&c.to_string(), c);
                }
            }
        }
    }
    t.finish()
}

/// `to_regex`'s state as it walks a pattern.
struct Translation {
    /// How many parts the pattern may have.
    parts: usize,
    /// The finished parts before the current one.
    done: Vec<String>,
    /// The part being written.
    cur: String,
    /// The first part as written (letters folded, no regex).
    literal_db: String,
    /// Still in the first part.
    left: bool,
    dots: usize,
    inquotes: bool,
}

impl Translation {
    fn new(parts: usize) -> Self {
        Translation {
            parts,
            done: Vec::new(),
            cur: String::from("^("),
            literal_db: String::new(),
            left: true,
            dots: 0,
            inquotes: false,
        }
    }

    /// Appends `regex` to the current part, and `written` to the first
    /// part as written while in it.
    fn push(&mut self, regex: &str, written: char) {
        self.cur.push_str(regex);
        if self.left {
            self.literal_db.push(written);
        }
    }

    /// An unquoted dot: the next part starts, unless the pattern has all
    /// its parts already (the dot is then literal, but counted).
    fn dot(&mut self) {
        self.left = false;
        self.dots += 1;
        if self.done.len() + 1 >= self.parts {
            self.cur.push('.');
        } else {
            self.cur.push_str(")$");
            self.done
                .push(std::mem::replace(&mut self.cur, String::from("^(")));
        }
    }

    fn finish(mut self) -> NamePattern {
        self.cur.push_str(")$");
        let schema = self.done.pop();
        let database = (!self.done.is_empty()).then_some(self.literal_db);
        NamePattern {
            database,
            schema,
            name: self.cur,
            dots: self.dots,
        }
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
