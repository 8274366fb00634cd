//! psql-style name patterns for `--exclude-database`, as pg_dumpall reads
//! them: [`to_regex`] is `patternToSQLRegex` of PostgreSQL's
//! `fe_utils/string_utils.c` for a one-part name, and the server matches
//! the result (`datname ~ regex`), as pg_dumpall has it do.
//!
//! Outside double quotes letters are folded to lower case, `*` matches any
//! text and `?` any one character, and other regular expression characters
//! keep their meaning (`a|b`); inside double quotes every character stands
//! for itself (`""` for a quote). `$` is always literal. A dot outside
//! quotes would separate qualified names, which a database name is not:
//! pg_dumpall refuses it, and so does [`to_regex`].

/// The anchored POSIX regular expression for `pattern`, or why it is not a
/// database name pattern.
pub fn to_regex(pattern: &str) -> Result<String, String> {
    let mut out = String::from("^(");
    let mut in_quotes = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                out.push('"');
            }
            '"' => in_quotes = !in_quotes,
            c if !in_quotes && c.is_ascii_uppercase() => out.push(c.to_ascii_lowercase()),
            '*' if !in_quotes => out.push_str(".*"),
            '?' if !in_quotes => out.push('.'),
            '.' if !in_quotes => {
                return Err(format!(
                    "improper qualified name (too many dotted names): {pattern}"
                ))
            }
            '$' => out.push_str("\\$"),
            c => {
                let special = in_quotes && "|*+?()[]{}.^$\\".contains(c);
                // `[]` is quoted outside quotes too (an array type name).
                if special || (c == '[' && chars.peek() == Some(&']')) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out.push_str(")$");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::to_regex;

    #[test]
    fn psql_pattern_rules() {
        assert_eq!(to_regex("app").expect("a pattern"), "^(app)$");
        assert_eq!(to_regex("App*").expect("a pattern"), "^(app.*)$");
        assert_eq!(to_regex("t?st").expect("a pattern"), "^(t.st)$");
        assert_eq!(to_regex("\"App*\"").expect("a pattern"), "^(App\\*)$");
        assert_eq!(to_regex("\"a\"\"b\"").expect("a pattern"), "^(a\"b)$");
        assert_eq!(to_regex("a|b").expect("a pattern"), "^(a|b)$");
        assert_eq!(to_regex("x$").expect("a pattern"), "^(x\\$)$");
        assert_eq!(to_regex("\"a.b\"").expect("a pattern"), "^(a\\.b)$");
        assert!(to_regex("db.public").is_err());
    }
}
