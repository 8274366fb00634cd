//! Splitting a libpq connection string (a `postgresql://` URL or
//! `key=value` pairs) into the part tokio-postgres parses and the libpq
//! parameters it does not know (`sslmode=verify-full`, `sslrootcert`, ...).

use std::collections::BTreeMap;

/// Parameters pgark handles itself and removes before tokio-postgres
/// parses the rest.
const OWN: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "passfile",
    "sslsni",
    "sslcompression",
    "gssencmode",
];

/// A connection string taken apart.
#[derive(Debug, Default)]
pub(crate) struct Split {
    /// The string for `tokio_postgres::Config::from_str`, without [`OWN`] keys.
    pub rest: String,
    /// Values of the [`OWN`] keys (the last one wins, as in libpq).
    pub own: BTreeMap<String, String>,
    /// Every key that was given (URL query and key=value keys).
    pub keys: Vec<String>,
}

impl Split {
    /// Whether `key` was given in the string.
    pub fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

/// Takes `s` apart. Errors never quote values (they may be passwords).
pub(crate) fn split(s: &str) -> Result<Split, String> {
    let s = s.trim();
    if s.starts_with("postgresql://") || s.starts_with("postgres://") {
        split_url(s)
    } else {
        split_key_value(s)
    }
}

fn split_url(s: &str) -> Result<Split, String> {
    let mut out = Split::default();
    let (base, query) = match s.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (s, None),
    };
    let mut kept = Vec::new();
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            format!(
                "missing \"=\" after \"{}\" in the URL's query",
                percent_decode(pair).unwrap_or_default()
            )
        })?;
        let key = percent_decode(k)?;
        if OWN.contains(&key.as_str()) {
            out.own.insert(key.clone(), percent_decode(v)?);
        } else {
            kept.push(pair);
        }
        out.keys.push(key);
    }
    out.rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(out)
}

fn split_key_value(s: &str) -> Result<Split, String> {
    let mut out = Split::default();
    let mut rest = String::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(format!(
                "missing \"=\" after \"{key}\" in connection info string"
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err("unterminated quoted string in connection info string".into())
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        if OWN.contains(&key.as_str()) {
            out.own.insert(key.clone(), value);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(&key);
            rest.push_str("='");
            for c in value.chars() {
                if c == '\'' || c == '\\' {
                    rest.push('\\');
                }
                rest.push(c);
            }
            rest.push('\'');
        }
        out.keys.push(key);
    }
    out.rest = rest;
    Ok(out)
}

/// `s` with its database replaced by `dbname` (a later `dbname` wins in
/// both forms, as in libpq): `?dbname=` or `&dbname=` appended to a URL,
/// ` dbname='...'` to key=value pairs.
pub(crate) fn with_dbname(s: &str, dbname: &str) -> String {
    let s = s.trim();
    if s.starts_with("postgresql://") || s.starts_with("postgres://") {
        let sep = if s.contains('?') { '&' } else { '?' };
        let encoded: String = dbname
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect();
        format!("{s}{sep}dbname={encoded}")
    } else {
        let quoted = dbname.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{s} dbname='{quoted}'")
    }
}

/// Whether `s` names a database (URL path, `dbname=` in the query or the
/// pairs). Unparsable strings name none: connecting reports them.
pub(crate) fn names_dbname(s: &str) -> bool {
    split(s)
        .ok()
        .and_then(|split| split.rest.parse::<tokio_postgres::Config>().ok())
        .is_some_and(|c| c.get_dbname().is_some_and(|d| !d.is_empty()))
}

/// Decodes `%XX` escapes (libpq does not turn `+` into a space).
pub(crate) fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("invalid percent-encoded token in the URL")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "invalid UTF-8 in a percent-encoded URL token".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_own_keys_are_removed() {
        let s = split(
            "postgresql://u:p@h:5/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .expect("split");
        assert_eq!(s.rest, "postgresql://u:p@h:5/db?application_name=x");
        assert_eq!(s.own["sslmode"], "verify-full");
        assert_eq!(s.own["sslrootcert"], "/tmp/ca.pem");
        assert!(s.has("application_name") && !s.has("host"));
        let s = split("postgres://h/db?sslmode=require").expect("split");
        assert_eq!(s.rest, "postgres://h/db");
    }

    #[test]
    fn key_value_own_keys_are_removed() {
        let s = split("host=h  password = 'a b\\'c' sslmode=verify-ca sslrootcert='/x y'")
            .expect("split");
        assert_eq!(s.rest, "host='h' password='a b\\'c'");
        assert_eq!(s.own["sslmode"], "verify-ca");
        assert_eq!(s.own["sslrootcert"], "/x y");
        assert!(split("host").is_err());
        assert!(split("host='x").is_err());
        assert_eq!(split("").expect("empty").rest, "");
    }

    #[test]
    fn errors_do_not_quote_values() {
        let e = split("postgresql://h/db?sslrootcert=%zzsecret").err();
        assert!(e.is_some_and(|e| !e.contains("secret")));
    }
}

#[cfg(test)]
mod dbname_tests {
    use super::{names_dbname, with_dbname};

    fn dbname_of(s: &str) -> Option<String> {
        let rest = super::split(s).expect("splits").rest;
        let config: tokio_postgres::Config = rest.parse().expect("parses");
        config.get_dbname().map(str::to_owned)
    }

    #[test]
    fn dbname_replaced_in_both_forms() {
        let odd = "my db/é'\\x";
        for url in [
            "postgresql://u:p@h:5/app",
            "postgresql://u:p@h:5/app?sslmode=disable",
            "postgres://h",
            "host=h user=u dbname=app",
            "host=h",
        ] {
            assert_eq!(
                dbname_of(&with_dbname(url, odd)).as_deref(),
                Some(odd),
                "{url}"
            );
            assert_eq!(
                dbname_of(&with_dbname(url, "b")).as_deref(),
                Some("b"),
                "{url}"
            );
        }
        assert!(names_dbname("postgresql://h/app"));
        assert!(names_dbname("postgresql://h?dbname=app"));
        assert!(names_dbname("host=h dbname=app"));
        assert!(!names_dbname("postgresql://h:5432"));
        assert!(!names_dbname("postgresql://h/"));
        assert!(!names_dbname("host=h"));
    }
}
