//! The globals file: pg_dumpall's statements, with each role created only
//! when it does not exist, and the database's part written for whatever
//! database the file is run in.

use std::fmt::Write as _;

use super::{Globals, Membership, ParameterAcl, Role, Tablespace};
use crate::schema::acl::{acl_commands, AclTarget};
use crate::schema::quote::{alter_config, ident, literal};

/// The line that starts the database's part of the file (followed by the
/// source database's name as a JSON string): run in the restored database,
/// and with `restore --create` in the database the restore creates.
pub(super) const DATABASE_MARKER: &str = "-- pgark-globals-database: ";

/// Stands for the database's name in its statements until they are
/// written as a `format()` string.
const DB: char = '\u{1}';

impl Globals {
    /// The globals file: psql runs it as well as `pgark restore --globals`.
    /// Holds password hashes when [`Globals::passwords`] (keep it as
    /// private as the archive).
    pub fn to_sql(&self) -> String {
        self.render(true)
    }

    /// The file without the database's part: roles, memberships, role
    /// settings and tablespaces only (`pg_dumpall --globals-only`'s
    /// content), for a file shared by several databases' archives.
    pub fn cluster_sql(&self) -> String {
        self.render(false)
    }

    fn render(&self, with_database: bool) -> String {
        let mut s = String::new();
        let major = self.server_version_num / 10000;
        let _ = writeln!(
            s,
            "--\n-- PostgreSQL cluster globals written by pgark {} from database {} \
             (PostgreSQL {}.{})\n--",
            env!("CARGO_PKG_VERSION"),
            one_line(&self.dbname),
            major,
            self.server_version_num % 10000
        );
        s.push_str(if self.passwords {
            "-- Passwords: included (pg_authid was readable). Keep this file private.\n"
        } else {
            "-- Passwords: NOT included: pg_authid was not readable by the backup's role\n\
             -- (not a superuser); roles are created without passwords.\n"
        });
        s.push_str(
            "-- Roles that exist where this runs are skipped, not altered.\n--\n\n\
             SET default_transaction_read_only = off;\n\
             SET client_encoding = 'UTF8';\n\
             SET standard_conforming_strings = on;\n\n",
        );
        if !self.roles.is_empty() {
            s.push_str("--\n-- Roles\n--\n\n");
            for r in &self.roles {
                s.push_str(&create_role(r));
            }
            s.push('\n');
        }
        if !self.role_settings.is_empty() {
            s.push_str("--\n-- User Configurations\n--\n\n");
            for (role, item) in &self.role_settings {
                s.push_str(&alter_config(&format!("ROLE {}", ident(role)), item, true));
            }
            s.push('\n');
        }
        if !self.memberships.is_empty() {
            s.push_str("--\n-- Role memberships\n--\n\n");
            for m in &self.memberships {
                s.push_str(&grant_membership(m));
            }
            s.push('\n');
        }
        if !self.parameter_acls.is_empty() {
            s.push_str("--\n-- Role privileges on configuration parameters\n--\n\n");
            for p in &self.parameter_acls {
                s.push_str(&parameter_acl(p, major as u32));
            }
            s.push('\n');
        }
        if !self.tablespaces.is_empty() {
            s.push_str("--\n-- Tablespaces\n--\n\n");
            for t in &self.tablespaces {
                s.push_str(&tablespace(t, major as u32));
            }
            s.push('\n');
        }
        if with_database {
            let _ = writeln!(
                s,
                "{DATABASE_MARKER}{}\n--\n-- The database's owner, privileges and settings \
                 (applied to the current database)\n--\n",
                serde_json::Value::String(self.dbname.clone())
            );
            s.push_str(&self.database_sql(major as u32));
        }
        s
    }

    /// The database's statements, on `current_database()`.
    fn database_sql(&self, major: u32) -> String {
        let d = &self.database;
        let db = DB.to_string();
        let mut body = format!("ALTER DATABASE {db} OWNER TO {};\n", ident(&d.owner));
        let target = AclTarget {
            keyword: "DATABASE",
            name: &db,
            column: None,
            schema: None,
            owner: Some(&d.owner),
            prefix: "",
            server_major: major,
        };
        match acl_commands(&target, &d.acl, &d.base_acl) {
            Some(sql) => body.push_str(&sql),
            None => tracing::warn!(
                "globals: the database's ACL could not be read ({:?}): not written",
                d.acl
            ),
        }
        for item in &d.settings {
            body.push_str(&alter_config(&format!("DATABASE {db}"), item, true));
        }
        for (role, item) in &d.role_settings {
            body.push_str(&alter_config(
                &format!("ROLE {} IN DATABASE {db}", ident(role)),
                item,
                true,
            ));
        }
        let format = body.replace('%', "%%").replace(DB, "%1$I");
        do_block(&format!(
            "BEGIN\nEXECUTE pg_catalog.format({}, pg_catalog.current_database());\nEND\n",
            literal(&format, true)
        ))
    }
}

/// A name on one line, for comments.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `DO $tag$body$tag$;` with a tag the body does not hold.
fn do_block(body: &str) -> String {
    let mut tag = "$pgark$".to_owned();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$pgark{n}$");
    }
    format!("DO {tag}\n{body}{tag};\n")
}

/// The role, created with its attributes when it does not exist.
fn create_role(r: &Role) -> String {
    let name = ident(&r.name);
    let mut create = format!("CREATE ROLE {name} WITH");
    for (on, yes, no) in [
        (r.superuser, "SUPERUSER", "NOSUPERUSER"),
        (r.inherit, "INHERIT", "NOINHERIT"),
        (r.create_role, "CREATEROLE", "NOCREATEROLE"),
        (r.create_db, "CREATEDB", "NOCREATEDB"),
        (r.login, "LOGIN", "NOLOGIN"),
        (r.replication, "REPLICATION", "NOREPLICATION"),
        (r.bypass_rls, "BYPASSRLS", "NOBYPASSRLS"),
    ] {
        create.push(' ');
        create.push_str(if on { yes } else { no });
    }
    if r.conn_limit != -1 {
        let _ = write!(create, " CONNECTION LIMIT {}", r.conn_limit);
    }
    if let Some(p) = &r.password {
        let _ = write!(create, " PASSWORD {}", literal(p.expose(), true));
    }
    if let Some(v) = &r.valid_until {
        let _ = write!(create, " VALID UNTIL {}", literal(v, true));
    }
    create.push_str(";\n");
    if let Some(c) = &r.comment {
        let _ = writeln!(create, "COMMENT ON ROLE {name} IS {};", literal(c, true));
    }
    let quoted = literal(&r.name, true);
    do_block(&format!(
        "BEGIN\nIF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {quoted}) THEN\n\
         RAISE NOTICE 'role % exists: skipped', {quoted};\nELSE\n{create}END IF;\nEND\n"
    ))
}

/// pg_dumpall's `GRANT role TO member WITH ... GRANTED BY ...`.
fn grant_membership(m: &Membership) -> String {
    let mut options = Vec::new();
    if m.admin {
        options.push("ADMIN OPTION".to_owned());
    }
    if let Some(inherit) = m.inherit {
        options.push(format!(
            "INHERIT {}",
            if inherit { "TRUE" } else { "FALSE" }
        ));
    }
    if m.set == Some(false) {
        options.push("SET FALSE".to_owned());
    }
    let mut s = format!("GRANT {} TO {}", ident(&m.role), ident(&m.member));
    if !options.is_empty() {
        let _ = write!(s, " WITH {}", options.join(", "));
    }
    if let Some(g) = &m.grantor {
        let _ = write!(s, " GRANTED BY {}", ident(g));
    }
    s.push_str(";\n");
    s
}

/// pg_dumpall's `GRANT ... ON PARAMETER` (dumpRoleGUCPrivs).
fn parameter_acl(p: &ParameterAcl, major: u32) -> String {
    let name = ident(&p.name);
    let target = AclTarget {
        keyword: "PARAMETER",
        name: &name,
        column: None,
        schema: None,
        owner: Some(&p.owner),
        prefix: "",
        server_major: major,
    };
    acl_commands(&target, &p.acl, &p.base_acl).unwrap_or_else(|| {
        tracing::warn!(
            "globals: parameter {}'s ACL could not be read ({:?}): not written",
            p.name,
            p.acl
        );
        String::new()
    })
}

/// pg_dumpall's tablespace: CREATE (in place when its location is not
/// absolute), options, privileges, comment.
fn tablespace(t: &Tablespace, major: u32) -> String {
    let name = ident(&t.name);
    let location = if t.location.starts_with('/') {
        t.location.as_str()
    } else {
        ""
    };
    let mut s = format!(
        "CREATE TABLESPACE {name} OWNER {} LOCATION {};\n",
        ident(&t.owner),
        literal(location, true)
    );
    if !t.options.is_empty() {
        let _ = writeln!(s, "ALTER TABLESPACE {name} SET ({});", t.options);
    }
    let target = AclTarget {
        keyword: "TABLESPACE",
        name: &name,
        column: None,
        schema: None,
        owner: Some(&t.owner),
        prefix: "",
        server_major: major,
    };
    match acl_commands(&target, &t.acl, &t.base_acl) {
        Some(sql) => s.push_str(&sql),
        None => tracing::warn!(
            "globals: tablespace {}'s ACL could not be read ({:?}): not written",
            t.name,
            t.acl
        ),
    }
    if let Some(c) = &t.comment {
        let _ = writeln!(s, "COMMENT ON TABLESPACE {name} IS {};", literal(c, true));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::globals::{Database, Secret};

    fn role(name: &str) -> Role {
        Role {
            name: name.into(),
            superuser: false,
            inherit: true,
            create_role: false,
            create_db: false,
            login: true,
            replication: false,
            bypass_rls: false,
            conn_limit: 3,
            valid_until: None,
            password: Some(Secret("SCRAM-SHA-256$4096:x$y:z".into())),
            comment: Some("it's".into()),
        }
    }

    #[test]
    fn roles_are_created_only_when_missing() {
        assert_eq!(
            create_role(&role("App User")),
            "DO $pgark$\nBEGIN\n\
             IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'App User') THEN\n\
             RAISE NOTICE 'role % exists: skipped', 'App User';\nELSE\n\
             CREATE ROLE \"App User\" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN \
             NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 PASSWORD 'SCRAM-SHA-256$4096:x$y:z';\n\
             COMMENT ON ROLE \"App User\" IS 'it''s';\nEND IF;\nEND\n$pgark$;\n"
        );
        // A name holding the tag gets another tag.
        assert!(create_role(&role("a$pgark$b")).starts_with("DO $pgark1$\n"));
    }

    #[test]
    fn memberships_as_pg_dumpall() {
        let m = Membership {
            role: "readers".into(),
            member: "alice".into(),
            grantor: Some("postgres".into()),
            admin: true,
            inherit: Some(false),
            set: Some(false),
        };
        assert_eq!(
            grant_membership(&m),
            "GRANT readers TO alice WITH ADMIN OPTION, INHERIT FALSE, SET FALSE GRANTED BY postgres;\n"
        );
    }

    #[test]
    fn database_part_names_the_current_database() {
        let g = Globals {
            server_version_num: 160002,
            dbname: "shop".into(),
            passwords: false,
            roles: vec![],
            memberships: vec![],
            role_settings: vec![],
            tablespaces: vec![],
            parameter_acls: vec![ParameterAcl {
                name: "work_mem".into(),
                owner: "postgres".into(),
                acl: vec!["postgres=sA/postgres".into(), "app=s/postgres".into()],
                base_acl: vec!["postgres=sA/postgres".into()],
            }],
            database: Database {
                owner: "owner".into(),
                acl: vec![
                    "=Tc/owner".into(),
                    "owner=CTc/owner".into(),
                    "app=c/owner".into(),
                ],
                base_acl: vec!["=Tc/owner".into(), "owner=CTc/owner".into()],
                settings: vec!["work_mem=64MB".into()],
                role_settings: vec![("app".into(), "statement_timeout=5%".into())],
            },
        };
        let sql = g.to_sql();
        assert!(
            sql.contains("-- pgark-globals-database: \"shop\"\n"),
            "{sql}"
        );
        assert!(
            sql.ends_with(
                "DO $pgark$\nBEGIN\nEXECUTE pg_catalog.format('ALTER DATABASE %1$I OWNER TO owner;\n\
                 GRANT CONNECT ON DATABASE %1$I TO app;\n\
                 ALTER DATABASE %1$I SET work_mem TO ''64MB'';\n\
                 ALTER ROLE app IN DATABASE %1$I SET statement_timeout TO ''5%%'';\n\
                 ', pg_catalog.current_database());\nEND\n$pgark$;\n"
            ),
            "{sql}"
        );
        assert!(sql.contains("Passwords: NOT included"));
        assert!(
            sql.contains("\nGRANT SET ON PARAMETER work_mem TO app;\n"),
            "{sql}"
        );
        let cluster = g.cluster_sql();
        assert!(!cluster.contains("pgark-globals-database") && !cluster.contains("DO $pgark$"));
    }
}
