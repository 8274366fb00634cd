//! What `pg_dumpall --globals-only` writes, read without superuser: roles
//! with their attributes, memberships and settings, tablespaces, plus the
//! backed-up database's owner, privileges and settings (what
//! `pg_dump --create` restores with it).
//!
//! [`dump`] reads them on a connected client (inside the backup's snapshot
//! or not) from `pg_roles`, `pg_auth_members`, `pg_db_role_setting`,
//! `pg_tablespace` and `pg_database`, which every role may read; password
//! hashes only when `pg_authid` is readable ([`Globals::passwords`]).
//! [`Globals::to_sql`] writes the file `pgark backup --globals` puts next
//! to the archive (`<archive>.globals.sql`), which
//! [`apply`] (`pgark restore --globals`) or psql runs again: a role that
//! exists on the target is skipped, not altered, so a second run is clean
//! and the restoring role's own password is never replaced.

mod apply;
mod file;
mod sql;

use std::collections::HashMap;

use tokio_postgres::Client;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

pub(crate) use apply::apply_sql;
pub(crate) use apply::parts;
pub use apply::{apply, split_statements, GlobalsApplied};
pub use file::{beside, read};

/// Suffix of the globals file's name or key, after the archive's.
pub const SUFFIX: &str = ".globals.sql";

/// The globals of a cluster, as seen from one database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Globals {
    /// The source server's `server_version_num`.
    pub server_version_num: i32,
    /// The database connected to (whose owner, grants and settings
    /// [`Globals::database`] holds).
    pub dbname: String,
    /// Whether password hashes could be read (`pg_authid` readable: a
    /// superuser). Without them roles are recreated without passwords.
    pub passwords: bool,
    /// Roles other than the built-in `pg_*` ones, by name.
    pub roles: Vec<Role>,
    /// Role memberships, in an order a restore can grant them in (each
    /// grantor holds ADMIN OPTION before it is named).
    pub memberships: Vec<Membership>,
    /// `ALTER ROLE ... SET` items (`name=value`), role by role.
    pub role_settings: Vec<(String, String)>,
    /// Tablespaces other than `pg_default` and `pg_global`.
    pub tablespaces: Vec<Tablespace>,
    /// Privileges on configuration parameters (`GRANT SET ON PARAMETER`).
    pub parameter_acls: Vec<ParameterAcl>,
    /// The connected database's owner, privileges and settings.
    pub database: Database,
}

/// A role's attributes (`CREATE ROLE ... WITH ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Role {
    /// `rolname`.
    pub name: String,
    /// `rolsuper`.
    pub superuser: bool,
    /// `rolinherit`.
    pub inherit: bool,
    /// `rolcreaterole`.
    pub create_role: bool,
    /// `rolcreatedb`.
    pub create_db: bool,
    /// `rolcanlogin`.
    pub login: bool,
    /// `rolreplication`.
    pub replication: bool,
    /// `rolbypassrls`.
    pub bypass_rls: bool,
    /// `rolconnlimit` (-1: none).
    pub conn_limit: i32,
    /// `rolvaliduntil` as text.
    pub valid_until: Option<String>,
    /// The password hash, only when `pg_authid` was readable. Never
    /// printed by `Debug`.
    pub password: Option<Secret>,
    /// `COMMENT ON ROLE`.
    pub comment: Option<String>,
}

/// A password hash: written into the globals file, never shown by
/// `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The hash itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// `GRANT role TO member`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Membership {
    /// The role granted.
    pub role: String,
    /// The role it is granted to.
    pub member: String,
    /// `GRANTED BY` (PostgreSQL 16+ sources only, as pg_dumpall).
    pub grantor: Option<String>,
    /// `WITH ADMIN OPTION`.
    pub admin: bool,
    /// `INHERIT TRUE/FALSE` (16+).
    pub inherit: Option<bool>,
    /// `SET FALSE` when false (16+).
    pub set: Option<bool>,
}

/// The privileges on one configuration parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParameterAcl {
    /// `parname`.
    pub name: String,
    /// The bootstrap superuser, who owns every parameter.
    pub owner: String,
    /// Its ACL items.
    pub acl: Vec<String>,
    /// The default ACL.
    pub base_acl: Vec<String>,
}

/// A tablespace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tablespace {
    /// `spcname`.
    pub name: String,
    /// Its owner.
    pub owner: String,
    /// `pg_tablespace_location` (empty or relative: in place).
    pub location: String,
    /// Its ACL items and the owner's default ones.
    pub acl: Vec<String>,
    /// The default ACL for its owner.
    pub base_acl: Vec<String>,
    /// `spcoptions` joined by `, `.
    pub options: String,
    /// `COMMENT ON TABLESPACE`.
    pub comment: Option<String>,
}

/// The connected database's globals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Database {
    /// Its owner.
    pub owner: String,
    /// Its ACL items.
    pub acl: Vec<String>,
    /// The default ACL for its owner.
    pub base_acl: Vec<String>,
    /// `ALTER DATABASE ... SET` items.
    pub settings: Vec<String>,
    /// `ALTER ROLE ... IN DATABASE ... SET` items: role, `name=value`.
    pub role_settings: Vec<(String, String)>,
}

/// The bootstrap superuser's OID, who may always be named as grantor.
const BOOTSTRAP_SUPERUSER: u32 = 10;

/// Reads the globals of the server `url` names, as the role it names (any
/// role; passwords only when it may read `pg_authid`, otherwise a
/// `tracing` warning says they are left out), with the database part of
/// the database it names.
pub async fn dump(url: &str) -> Result<Globals> {
    let (client, _) = crate::db::connect(url).await?;
    dump_on(&client).await
}

/// [`dump`] on an open connection, inside the caller's transaction when
/// there is one: every query is read-only and none can fail for lack of
/// privileges. One query per section, in this order.
pub(crate) async fn dump_on(client: &Client) -> Result<Globals> {
    let head = client
        .query_one(
            "SELECT current_setting('server_version_num')::int4, \
             pg_catalog.current_database()::text, \
             pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')",
            &[],
        )
        .await
        .map_err(query_error("reading the server version"))?;
    let server_version_num: i32 = head.col(0)?;
    let dbname: String = head.col(1)?;
    let passwords: bool = head.col(2)?;
    let hashes = password_hashes(client, passwords).await?;
    let roles = roles(client, &hashes).await?;
    let grants = grants(client).await?;
    let memberships = order_memberships(grants, server_version_num >= 160000)?;
    let (role_settings, db_role_settings) = role_settings(client).await?;
    let tablespaces = tablespaces(client).await?;
    let parameter_acls = parameter_acls(client).await?;
    let database = database(client, db_role_settings).await?;
    Ok(Globals {
        server_version_num,
        dbname,
        passwords,
        roles,
        memberships,
        role_settings,
        tablespaces,
        parameter_acls,
        database,
    })
}

/// A failed query of the globals, doing `what`.
fn query_error(what: &'static str) -> impl Fn(tokio_postgres::Error) -> Error {
    move |e| Error::query(what, &e)
}

/// Password hashes by role name, when `pg_authid` is readable (else none,
/// and a warning).
async fn password_hashes(client: &Client, readable: bool) -> Result<HashMap<String, String>> {
    if !readable {
        tracing::warn!(
            "globals: pg_authid is not readable by this role (not a superuser): \
             roles are written without passwords"
        );
        return Ok(HashMap::new());
    }
    client
        .query(include_str!("passwords.sql"), &[])
        .await
        .map_err(query_error("reading role passwords"))?
        .iter()
        .map(|r| Ok((r.col(0)?, r.col(1)?)))
        .collect()
}

/// The roles, each with its password hash from `hashes` if any.
async fn roles(client: &Client, hashes: &HashMap<String, String>) -> Result<Vec<Role>> {
    client
        .query(include_str!("roles.sql"), &[])
        .await
        .map_err(query_error("reading roles"))?
        .iter()
        .map(|r| {
            let name: String = r.col(1)?;
            Ok(Role {
                password: hashes.get(&name).cloned().map(Secret),
                name,
                superuser: r.col(2)?,
                inherit: r.col(3)?,
                create_role: r.col(4)?,
                create_db: r.col(5)?,
                login: r.col(6)?,
                conn_limit: r.col(7)?,
                valid_until: r.col(8)?,
                replication: r.col(9)?,
                bypass_rls: r.col(10)?,
                comment: r.col(11)?,
            })
        })
        .collect()
}

/// Role memberships as stored, before [`order_memberships`].
async fn grants(client: &Client) -> Result<Vec<Grant>> {
    client
        .query(include_str!("memberships.sql"), &[])
        .await
        .map_err(query_error("reading role memberships"))?
        .iter()
        .map(|r| {
            Ok(Grant {
                role: r.col(0)?,
                member: r.col(1)?,
                grantor: r.col(2)?,
                roleid: r.col(3)?,
                memberid: r.col(4)?,
                grantorid: r.col(5)?,
                admin: r.col(6)?,
                inherit: r.col(7)?,
                set: r.col(8)?,
            })
        })
        .collect()
}

/// Role settings: those for every database, and those for the connected
/// one (`ALTER ROLE ... IN DATABASE`), each role and `name=value`.
async fn role_settings(client: &Client) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let mut everywhere = Vec::new();
    let mut in_database = Vec::new();
    for r in client
        .query(include_str!("role_settings.sql"), &[])
        .await
        .map_err(query_error("reading role settings"))?
    {
        let item = (r.col(0)?, r.col(2)?);
        if r.col(1)? {
            in_database.push(item);
        } else {
            everywhere.push(item);
        }
    }
    Ok((everywhere, in_database))
}

/// The tablespaces.
async fn tablespaces(client: &Client) -> Result<Vec<Tablespace>> {
    client
        .query(include_str!("tablespaces.sql"), &[])
        .await
        .map_err(query_error("reading tablespaces"))?
        .iter()
        .map(|r| {
            Ok(Tablespace {
                name: r.col(1)?,
                owner: r.col(2)?,
                location: r.col::<_, Option<String>>(3)?.unwrap_or_default(),
                acl: r.col(4)?,
                base_acl: r.col(5)?,
                options: r.col::<_, Option<String>>(6)?.unwrap_or_default(),
                comment: r.col(7)?,
            })
        })
        .collect()
}

/// Privileges on configuration parameters.
async fn parameter_acls(client: &Client) -> Result<Vec<ParameterAcl>> {
    client
        .query(include_str!("parameter_acls.sql"), &[])
        .await
        .map_err(query_error("reading privileges on parameters"))?
        .iter()
        .map(|r| {
            Ok(ParameterAcl {
                name: r.col(0)?,
                owner: r.col(1)?,
                acl: r.col(2)?,
                base_acl: r.col(3)?,
            })
        })
        .collect()
}

/// The connected database's owner, privileges and settings, with the
/// role settings that apply in it.
async fn database(client: &Client, role_settings: Vec<(String, String)>) -> Result<Database> {
    let d = client
        .query_one(include_str!("database.sql"), &[])
        .await
        .map_err(query_error("reading the database's owner and privileges"))?;
    Ok(Database {
        owner: d.col(1)?,
        acl: d.col(2)?,
        base_acl: d.col(3)?,
        settings: d.col(4)?,
        role_settings,
    })
}

/// A row of `memberships.sql`.
struct Grant {
    role: Option<String>,
    member: Option<String>,
    grantor: Option<String>,
    roleid: u32,
    memberid: u32,
    grantorid: u32,
    admin: bool,
    inherit: Option<bool>,
    set: Option<bool>,
}

/// pg_dumpall's order: role by role, a grant is written once its grantor
/// is the bootstrap superuser or already holds ADMIN OPTION on the role;
/// grants of or to vanished roles are skipped with a warning, an unknown
/// grantor is left out. Grantors are kept for 16+ sources only.
fn order_memberships(grants: Vec<Grant>, with_grantors: bool) -> Result<Vec<Membership>> {
    let mut out = Vec::new();
    for (role, pending) in by_role(grants) {
        order_role(&role, pending, with_grantors, &mut out)?;
    }
    Ok(out)
}

/// The grants of existing roles to existing roles, grouped by role in
/// their order (the others skipped with a warning).
fn by_role(grants: Vec<Grant>) -> Vec<(String, Vec<Grant>)> {
    let mut by_role: Vec<(String, Vec<Grant>)> = Vec::new();
    for g in grants {
        let Some(role) = g.role.clone() else {
            tracing::warn!(
                "globals: ignoring role grant for missing role with OID {}",
                g.roleid
            );
            continue;
        };
        if g.member.is_none() {
            tracing::warn!(
                "globals: ignoring role grant to missing role with OID {}",
                g.memberid
            );
            continue;
        }
        match by_role.last_mut() {
            Some((r, list)) if *r == role => list.push(g),
            _ => by_role.push((role, vec![g])),
        }
    }
    by_role
}

/// Appends the grants of `role` to `out`, each once its grantor may grant
/// it; an error when some never can.
fn order_role(
    role: &str,
    mut pending: Vec<Grant>,
    with_grantors: bool,
    out: &mut Vec<Membership>,
) -> Result<()> {
    let mut admins: std::collections::HashSet<String> = Default::default();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for g in pending {
            let member = g.member.clone().unwrap_or_default();
            let grantor = grantor(role, &member, &g, with_grantors);
            let ready = match &grantor {
                None => true,
                Some(name) => g.grantorid == BOOTSTRAP_SUPERUSER || admins.contains(name),
            };
            if !ready {
                rest.push(g);
                continue;
            }
            if g.admin {
                admins.insert(member.clone());
            }
            out.push(Membership {
                role: role.to_owned(),
                member,
                grantor,
                admin: g.admin,
                inherit: g.inherit.filter(|_| with_grantors),
                set: g.set.filter(|_| with_grantors),
            });
        }
        if rest.len() == before {
            return Err(Error::Config(format!(
                "globals: could not find a legal dump ordering for memberships in role \
                 \"{role}\" (as pg_dumpall would fail)"
            )));
        }
        pending = rest;
    }
    Ok(())
}

/// The GRANTED BY of grant `g` (16+ sources only); an unknown grantor is
/// left out with a warning.
fn grantor(role: &str, member: &str, g: &Grant, with_grantors: bool) -> Option<String> {
    match (with_grantors, &g.grantor) {
        (false, _) => None,
        (true, Some(name)) => Some(name.clone()),
        (true, None) => {
            tracing::warn!(
                "globals: grant of role \"{role}\" to \"{member}\" has invalid \
                 grantor OID {}: written without GRANTED BY",
                g.grantorid
            );
            None
        }
    }
}
