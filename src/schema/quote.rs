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

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn quotes_literals() {
        assert_eq!(literal("it's", true), "'it''s'");
        assert_eq!(literal("a\\b", true), "'a\\b'");
        assert_eq!(literal("a\\b", false), "E'a\\\\b'");
        assert_eq!(literal("", true), "''");
    }
}
