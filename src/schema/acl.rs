//! GRANT and REVOKE statements from ACLs, the way pg_dump's
//! `buildACLCommands` and `parseAclItem` (dumputils.c) write them: the
//! object's ACL is compared item by item with its base ACL (the built-in
//! default for its owner, or its initial privileges); items only in the
//! base are revoked, items only in the ACL are granted, the owner's own
//! grants first.

use crate::schema::quote::ident;

/// What the statements are about.
#[derive(Debug, Clone, Copy)]
pub struct AclTarget<'a> {
    /// `TABLE`, `SEQUENCE`, `FUNCTION`, `SCHEMA`, `TABLES` (default
    /// privileges), ...
    pub keyword: &'a str,
    /// The object's quoted name (with its arguments for functions); empty
    /// for default privileges.
    pub name: &'a str,
    /// A column's quoted name, for column privileges.
    pub column: Option<&'a str>,
    /// The object's schema, unquoted.
    pub schema: Option<&'a str>,
    /// The object's owner.
    pub owner: Option<&'a str>,
    /// Put before each GRANT and REVOKE (`ALTER DEFAULT PRIVILEGES ...`).
    pub prefix: &'a str,
    /// The source server's major version (MAINTAIN exists from 17).
    pub server_major: u32,
}

/// One parsed `grantee=privs/grantor` item.
#[derive(Debug, PartialEq, Eq)]
struct AclItem {
    /// Empty for PUBLIC.
    grantee: String,
    grantor: String,
    /// Privileges without grant option, as keywords joined by `,`.
    privs: String,
    /// Privileges with grant option.
    privs_with_grant: String,
}

/// The privilege letters of an object type, in pg_dump's order.
fn privilege_letters(
    keyword: &str,
    column: bool,
    server_major: u32,
) -> Option<&'static [(char, &'static str)]> {
    const TABLE: &[(char, &str)] = &[
        ('r', "SELECT"),
        ('a', "INSERT"),
        ('x', "REFERENCES"),
        ('d', "DELETE"),
        ('t', "TRIGGER"),
        ('D', "TRUNCATE"),
        ('w', "UPDATE"),
    ];
    const TABLE_17: &[(char, &str)] = &[
        ('r', "SELECT"),
        ('a', "INSERT"),
        ('x', "REFERENCES"),
        ('d', "DELETE"),
        ('t', "TRIGGER"),
        ('D', "TRUNCATE"),
        ('m', "MAINTAIN"),
        ('w', "UPDATE"),
    ];
    const COLUMN: &[(char, &str)] = &[
        ('r', "SELECT"),
        ('a', "INSERT"),
        ('x', "REFERENCES"),
        ('w', "UPDATE"),
    ];
    const SEQUENCE: &[(char, &str)] = &[('r', "SELECT"), ('U', "USAGE"), ('w', "UPDATE")];
    const EXECUTE: &[(char, &str)] = &[('X', "EXECUTE")];
    const USAGE: &[(char, &str)] = &[('U', "USAGE")];
    const SCHEMA: &[(char, &str)] = &[('C', "CREATE"), ('U', "USAGE")];
    const LARGE_OBJECT: &[(char, &str)] = &[('r', "SELECT"), ('w', "UPDATE")];
    const DATABASE: &[(char, &str)] = &[('C', "CREATE"), ('c', "CONNECT"), ('T', "TEMPORARY")];
    const TABLESPACE: &[(char, &str)] = &[('C', "CREATE")];
    const PARAMETER: &[(char, &str)] = &[('s', "SET"), ('A', "ALTER SYSTEM")];
    Some(match keyword {
        "TABLE" | "TABLES" if column => COLUMN,
        "TABLE" | "TABLES" if server_major >= 17 => TABLE_17,
        "TABLE" | "TABLES" => TABLE,
        "SEQUENCE" | "SEQUENCES" => SEQUENCE,
        "FUNCTION" | "FUNCTIONS" | "PROCEDURE" | "PROCEDURES" => EXECUTE,
        "LANGUAGE" | "TYPE" | "TYPES" | "FOREIGN DATA WRAPPER" | "FOREIGN SERVER" => USAGE,
        "SCHEMA" | "SCHEMAS" => SCHEMA,
        "LARGE OBJECT" | "LARGE OBJECTS" => LARGE_OBJECT,
        "DATABASE" => DATABASE,
        "TABLESPACE" => TABLESPACE,
        "PARAMETER" => PARAMETER,
        _ => return None,
    })
}

/// Reads a role name as `aclitemout` writes it: bare, or double-quoted
/// with `""` for a quote. Returns the name and the rest.
fn role_name(s: &str) -> (String, &str) {
    let mut out = String::new();
    if let Some(rest) = s.strip_prefix('"') {
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if matches!(chars.peek(), Some((_, '"'))) {
                    chars.next();
                    out.push('"');
                } else {
                    return (out, &rest[i + 1..]);
                }
            } else {
                out.push(c);
            }
        }
        (out, "")
    } else {
        let end = s.find(['=', '/']).unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

fn add(buf: &mut String, keyword: &str, column: Option<&str>) {
    if !buf.is_empty() {
        buf.push(',');
    }
    buf.push_str(keyword);
    if let Some(c) = column {
        buf.push_str(&format!("({c})"));
    }
}

fn parse_item(item: &str, target: &AclTarget<'_>) -> Option<AclItem> {
    let (grantee, rest) = role_name(item);
    let rest = rest.strip_prefix('=')?;
    let (letters, grantor) = match rest.rfind('/') {
        Some(slash) => (&rest[..slash], role_name(&rest[slash + 1..]).0),
        None => (rest, String::new()),
    };
    let table = privilege_letters(target.keyword, target.column.is_some(), target.server_major)?;
    let mut privs = String::new();
    let mut with_grant = String::new();
    let (mut all_with, mut all_without) = (true, true);
    for &(code, keyword) in table {
        match letters.find(code) {
            Some(pos) if letters[pos + 1..].starts_with('*') => {
                add(&mut with_grant, keyword, target.column);
                all_without = false;
            }
            Some(_) => {
                add(&mut privs, keyword, target.column);
                all_with = false;
            }
            None => {
                all_with = false;
                all_without = false;
            }
        }
    }
    let all = || match target.column {
        Some(c) => format!("ALL({c})"),
        None => "ALL".to_owned(),
    };
    if all_with {
        privs.clear();
        with_grant = all();
    } else if all_without {
        with_grant.clear();
        privs = all();
    }
    Some(AclItem {
        grantee,
        grantor,
        privs,
        privs_with_grant: with_grant,
    })
}

fn on_clause(target: &AclTarget<'_>) -> String {
    let mut s = format!("ON {} ", target.keyword);
    if let Some(ns) = target.schema.filter(|n| !n.is_empty()) {
        s.push_str(&format!("{}.", ident(ns)));
    }
    if !target.name.is_empty() {
        s.push_str(&format!("{} ", target.name));
    }
    s
}

fn grantee_sql(grantee: &str) -> String {
    if grantee.is_empty() {
        "PUBLIC".to_owned()
    } else {
        ident(grantee)
    }
}

/// The statements turning `base` into `acl`; empty when they are equal.
/// `None` when an item cannot be parsed (pg_dump fails the dump then).
pub fn acl_commands(target: &AclTarget<'_>, acl: &[String], base: &[String]) -> Option<String> {
    let owner = target.owner.filter(|o| !o.is_empty());
    let on = on_clause(target);
    let prefix = target.prefix;
    let mut first = String::new();
    let mut second = String::new();
    for item in base.iter().filter(|b| !acl.contains(b)) {
        let p = parse_item(item, target)?;
        if !p.privs.is_empty() {
            first.push_str(&format!(
                "{prefix}REVOKE {} {on}FROM {};\n",
                p.privs,
                grantee_sql(&p.grantee)
            ));
        }
    }
    for item in acl.iter().filter(|a| !base.contains(a)) {
        let mut p = parse_item(item, target)?;
        if p.privs.is_empty() && p.privs_with_grant.is_empty() {
            continue;
        }
        if p.grantor.is_empty() {
            if let Some(o) = owner {
                p.grantor = o.to_owned();
            }
        }
        let owners_own = owner.is_some_and(|o| p.grantee == o && p.grantor == o);
        let sql = if owners_own { &mut first } else { &mut second };
        let as_grantor = !p.grantor.is_empty() && owner != Some(p.grantor.as_str());
        if as_grantor {
            sql.push_str(&format!(
                "SET SESSION AUTHORIZATION {};\n",
                ident(&p.grantor)
            ));
        }
        if !p.privs.is_empty() {
            sql.push_str(&format!(
                "{prefix}GRANT {} {on}TO {};\n",
                p.privs,
                grantee_sql(&p.grantee)
            ));
        }
        if !p.privs_with_grant.is_empty() {
            sql.push_str(&format!(
                "{prefix}GRANT {} {on}TO {} WITH GRANT OPTION;\n",
                p.privs_with_grant,
                grantee_sql(&p.grantee)
            ));
        }
        if as_grantor {
            sql.push_str("RESET SESSION AUTHORIZATION;\n");
        }
    }
    first.push_str(&second);
    Some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> AclTarget<'_> {
        AclTarget {
            keyword: "TABLE",
            name,
            column: None,
            schema: Some("public"),
            owner: Some("alice"),
            prefix: "",
            server_major: 16,
        }
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_acl_gives_nothing() {
        let t = table("t");
        let base = v(&["alice=arwdDxt/alice"]);
        assert_eq!(acl_commands(&t, &base, &base).as_deref(), Some(""));
    }

    #[test]
    fn grants_and_revokes_as_pg_dump_writes_them() {
        let t = table("t");
        let acl = v(&[
            "alice=arwdDxt/alice",
            "bob=r/alice",
            "=a*/alice",
            "\"Carol \"\"C\"\"\"=arwdDxt/bob",
        ]);
        let base = v(&["alice=arwdDxt/alice"]);
        assert_eq!(
            acl_commands(&t, &acl, &base).as_deref(),
            Some(
                "GRANT SELECT ON TABLE public.t TO bob;\n\
                 GRANT INSERT ON TABLE public.t TO PUBLIC WITH GRANT OPTION;\n\
                 SET SESSION AUTHORIZATION bob;\n\
                 GRANT ALL ON TABLE public.t TO \"Carol \"\"C\"\"\";\n\
                 RESET SESSION AUTHORIZATION;\n"
            )
        );
    }

    #[test]
    fn owner_revoking_its_own_rights() {
        let t = table("t");
        let acl = v(&["alice=r/alice"]);
        let base = v(&["alice=arwdDxt/alice"]);
        assert_eq!(
            acl_commands(&t, &acl, &base).as_deref(),
            Some("REVOKE ALL ON TABLE public.t FROM alice;\nGRANT SELECT ON TABLE public.t TO alice;\n")
        );
    }

    #[test]
    fn column_privileges_name_the_column() {
        let mut t = table("t");
        t.column = Some("\"Col\"");
        let acl = v(&["bob=rw/alice"]);
        assert_eq!(
            acl_commands(&t, &acl, &[]).as_deref(),
            Some("GRANT SELECT(\"Col\"),UPDATE(\"Col\") ON TABLE public.t TO bob;\n")
        );
    }

    #[test]
    fn default_privileges_have_a_prefix_and_no_name() {
        let t = AclTarget {
            keyword: "TABLES",
            name: "",
            column: None,
            schema: None,
            owner: Some("alice"),
            prefix: "ALTER DEFAULT PRIVILEGES FOR ROLE alice IN SCHEMA app ",
            server_major: 15,
        };
        assert_eq!(
            acl_commands(&t, &v(&["bob=r/alice"]), &[]).as_deref(),
            Some("ALTER DEFAULT PRIVILEGES FOR ROLE alice IN SCHEMA app GRANT SELECT ON TABLES TO bob;\n")
        );
    }

    #[test]
    fn unknown_type_or_item_is_refused() {
        let mut t = table("t");
        assert_eq!(acl_commands(&t, &v(&["no equals sign"]), &[]), None);
        t.keyword = "WIDGET";
        assert_eq!(acl_commands(&t, &v(&["bob=r/alice"]), &[]), None);
    }
}
