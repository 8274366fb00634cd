//! The source database's catalogs, read in one batched query per object
//! kind (the number of queries does not grow with the number of tables),
//! inside the dump snapshot.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::try_join_all;

use tokio_postgres::{Client, Row};

use crate::db::row::RowExt;
use crate::error::{Error, Result};

mod acl;
mod functions;
mod inventory;
mod namespaces;
mod objects;
mod publications;
mod relations;
mod schemaless;
mod standalone;
mod table_objects;
mod triggers;
mod types;

pub use acl::{DefaultAcl, ObjectAcl};
pub use functions::{Aggregate, Cast, Function, Operator};
pub use inventory::InventoryRow;
pub use namespaces::{ExtConfig, Extension, Schema};
pub use objects::{Depend, LargeObject};
pub use publications::{Publication, PublicationMember};
pub use relations::{Column, Relation, Sequence};
pub use schemaless::{Schemaless, SecLabel, Subscription};
pub use table_objects::{Constraint, Index, Policy, Statistics};
pub use triggers::{EventTrigger, Rule, Trigger};
pub use types::{Collation, UserType};

pub use standalone::{
    ForeignDataWrapper, ForeignServer, OpClass, OpFamily, Standalone, TsConfig, TsDict, TsParser,
    TsTemplate, UserMapping,
};

/// OIDs as tokio-postgres returns them.
pub type Oid = u32;

/// Everything pgark dumps, as read from the catalogs.
#[derive(Debug, Default)]
#[allow(missing_docs)]
pub struct Catalog {
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub relations: Vec<Relation>,
    pub sequences: HashMap<Oid, Sequence>,
    /// Constraints of dumped tables.
    pub constraints: Vec<Constraint>,
    /// Constraints of dumped domains.
    pub domain_constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub functions: Vec<Function>,
    pub triggers: Vec<Trigger>,
    pub large_objects: Vec<LargeObject>,
    pub types: Vec<UserType>,
    pub depends: Vec<Depend>,
    pub ext_config: Vec<ExtConfig>,
    pub rules: Vec<Rule>,
    pub collations: Vec<Collation>,
    pub policies: Vec<Policy>,
    pub statistics: Vec<Statistics>,
    pub event_triggers: Vec<EventTrigger>,
    pub publications: Vec<Publication>,
    pub publication_members: Vec<PublicationMember>,
    pub aggregates: Vec<Aggregate>,
    pub casts: Vec<Cast>,
    pub operators: Vec<Operator>,
    /// Text search objects, conversions, operator classes, foreign data,
    /// languages.
    pub standalone: Standalone,
    /// Non-null object and column ACLs with their base ACLs.
    pub acls: Vec<ObjectAcl>,
    /// Default privileges.
    pub default_acls: Vec<DefaultAcl>,
    /// Access methods, transforms, subscriptions, security labels.
    pub schemaless: Schemaless,
    /// Every user object with its kind, for the unknown-object check.
    pub inventory: Vec<InventoryRow>,
    /// Number of catalog queries run (for the batching test).
    pub queries: usize,
}

/// A catalog query: its name (for errors) and its SQL.
type Query = (&'static str, &'static str);

/// Every catalog query, the slowest first (they are handed out in this
/// order); [`Catalog::load_on`] takes the results in the same order.
const QUERIES: [Query; 41] = {
    let s = standalone::QUERIES;
    [
        ("columns", include_str!("columns.sql")),
        ("indexes", include_str!("indexes.sql")),
        ("constraints", include_str!("constraints.sql")),
        ("relations", include_str!("relations.sql")),
        ("dependencies", include_str!("depends.sql")),
        ("sequences", include_str!("sequences.sql")),
        ("triggers", include_str!("triggers.sql")),
        ("privileges", include_str!("acls.sql")),
        ("schemas", include_str!("schemas.sql")),
        ("extensions", include_str!("extensions.sql")),
        ("functions", include_str!("functions.sql")),
        ("large objects", include_str!("large_objects.sql")),
        ("types", include_str!("types.sql")),
        ("extension configuration", include_str!("ext_config.sql")),
        ("rules", include_str!("rules.sql")),
        ("collations", include_str!("collations.sql")),
        ("policies", include_str!("policies.sql")),
        ("statistics", include_str!("statistics.sql")),
        ("event triggers", include_str!("event_triggers.sql")),
        ("publications", include_str!("publications.sql")),
        (
            "publication members",
            include_str!("publication_members.sql"),
        ),
        ("aggregates", include_str!("aggregates.sql")),
        ("casts", include_str!("casts.sql")),
        ("operators", include_str!("operators.sql")),
        ("default privileges", include_str!("default_acls.sql")),
        ("access methods", include_str!("access_methods.sql")),
        ("transforms", include_str!("transforms.sql")),
        ("security labels", include_str!("seclabels.sql")),
        ("subscriptions", include_str!("subscriptions.sql")),
        ("inventory", include_str!("inventory.sql")),
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
        s[6],
        s[7],
        s[8],
        s[9],
        s[10],
    ]
};

/// Subscriptions' details, read only when there are some this role may
/// read (pg_dump's getSubscriptions needs the same).
const SUBSCRIPTION_DETAILS: Query = (
    "subscription details",
    include_str!("subscription_details.sql"),
);

/// Runs `queries` on `clients` concurrently, each client taking the next
/// query as soon as it is free; the results in the order of `queries`.
async fn run_queries(clients: &[&Client], queries: &[Query]) -> Result<Vec<Vec<Row>>> {
    let next = AtomicUsize::new(0);
    let workers = clients.iter().map(|client| {
        let next = &next;
        async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(name, sql)) = queries.get(i) else {
                    return Ok::<_, Error>(done);
                };
                let rows = client
                    .query(sql, &[])
                    .await
                    .map_err(|e| Error::query(&format!("reading the catalog ({name})"), &e))?;
                done.push((i, rows));
            }
        }
    });
    let mut results: Vec<Vec<Row>> = (0..queries.len()).map(|_| Vec::new()).collect();
    for (i, rows) in try_join_all(workers).await?.into_iter().flatten() {
        results[i] = rows;
    }
    Ok(results)
}

fn ch(s: String) -> char {
    s.chars().next().unwrap_or('\0')
}

impl Catalog {
    /// The table of every column default (`pg_attrdef` OID → table OID).
    pub fn attrdef_tables(&self) -> HashMap<Oid, Oid> {
        self.relations
            .iter()
            .flat_map(|r| {
                r.columns
                    .iter()
                    .filter_map(move |c| c.default.as_ref().map(|d| (d.0, r.oid)))
            })
            .collect()
    }

    /// Reads every catalog pgark dumps, the queries spread over `clients`,
    /// which must all be in the same snapshot: each server backend works
    /// on its own query, so the catalog is read on as many cores.
    pub async fn load_on(clients: &[&Client]) -> Result<Catalog> {
        let mut batch = Batch(run_queries(clients, &QUERIES).await?);
        let mut cat = Catalog {
            queries: QUERIES.len(),
            ..Catalog::default()
        };
        let subscriptions = batch.take("subscriptions");
        let details = subscription_details(clients, &subscriptions).await?;
        cat.queries += usize::from(details.is_some());
        cat.schemaless = Schemaless {
            access_methods: batch.all("access methods")?,
            transforms: batch.all("transforms")?,
            seclabels: batch.all("security labels")?,
            subscriptions: match details {
                None => convert("subscriptions", &subscriptions, Subscription::listed)?,
                Some(d) => convert("subscription details", &d, Subscription::detailed)?,
            },
        };
        let more = std::array::from_fn(|i| batch.take(standalone::QUERIES[i].0));
        cat.standalone = Standalone::fill(&more)?;
        cat.fill_objects(&mut batch)?;
        cat.fill_relations(&mut batch)?;
        Ok(cat)
    }

    /// The lists read as they come, one row per object.
    fn fill_objects(&mut self, batch: &mut Batch) -> Result<()> {
        self.inventory = batch.all("inventory")?;
        self.acls = batch
            .all::<ObjectAcl>("privileges")?
            .into_iter()
            .filter(|a| a.acl != a.base)
            .collect();
        self.default_acls = batch.all("default privileges")?;
        self.casts = batch.all("casts")?;
        self.operators = batch.all("operators")?;
        self.collations = batch.all("collations")?;
        self.policies = batch.all("policies")?;
        self.statistics = batch.all("statistics")?;
        self.event_triggers = batch.all("event triggers")?;
        self.publications = batch.all("publications")?;
        self.publication_members = batch.all("publication members")?;
        self.aggregates = batch.all("aggregates")?;
        self.ext_config = batch.all("extension configuration")?;
        self.rules = batch.all("rules")?;
        self.schemas = batch.all("schemas")?;
        self.extensions = batch.all("extensions")?;
        self.functions = batch.all("functions")?;
        self.large_objects = batch.all("large objects")?;
        self.depends = batch.all("dependencies")?;
        Ok(())
    }

    /// Relations with their columns, composite types with their
    /// attributes, sequences, and the constraints, indexes and triggers
    /// of the relations read (and the constraints of domains).
    fn fill_relations(&mut self, batch: &mut Batch) -> Result<()> {
        self.relations = batch.all("relations")?;
        let by_oid: HashMap<Oid, usize> = self
            .relations
            .iter()
            .enumerate()
            .map(|(i, r)| (r.oid, i))
            .collect();
        let mut composite: HashMap<Oid, Vec<Column>> = HashMap::new();
        for (rel, col) in convert("columns", &batch.take("columns"), |r| {
            Ok((r.col::<_, Oid>(0)?, Column::try_from(r)?))
        })? {
            match by_oid.get(&rel) {
                Some(&i) => self.relations[i].columns.push(col),
                None => composite.entry(rel).or_default().push(col),
            }
        }
        self.types = batch.all("types")?;
        for t in &mut self.types {
            t.attributes = composite.remove(&t.relid).unwrap_or_default();
        }
        let sequences = batch.take("sequences");
        self.sequences = convert("sequences", &sequences, Sequence::from_row)?
            .into_iter()
            .collect();
        let domains: HashSet<Oid> = self
            .types
            .iter()
            .filter(|t| t.kind == 'd')
            .map(|t| t.oid)
            .collect();
        for c in batch.all::<Constraint>("constraints")? {
            if by_oid.contains_key(&c.table) {
                self.constraints.push(c);
            } else if domains.contains(&c.domain) {
                self.domain_constraints.push(c);
            }
        }
        self.indexes = batch.all::<Index>("indexes")?;
        self.indexes.retain(|i| by_oid.contains_key(&i.table));
        self.triggers = batch.all::<Trigger>("triggers")?;
        self.triggers.retain(|t| by_oid.contains_key(&t.table));
        Ok(())
    }
}

/// Subscriptions' details, read only when there are some this role may
/// read (pg_dump's getSubscriptions needs the same).
async fn subscription_details(
    clients: &[&Client],
    subscriptions: &[Row],
) -> Result<Option<Vec<Row>>> {
    let readable = convert("subscriptions", subscriptions, |r| {
        r.col::<_, bool>("readable")
    })?;
    if !readable.contains(&true) {
        return Ok(None);
    }
    let details = run_queries(&clients[..1], &[SUBSCRIPTION_DETAILS]).await?;
    Ok(Some(details.into_iter().next().unwrap_or_default()))
}

/// The results of [`QUERIES`], in their order, taken by query name.
struct Batch(Vec<Vec<Row>>);

impl Batch {
    /// The rows of the query named `query` (none if there is no such
    /// query, or when taken twice).
    fn take(&mut self, query: &str) -> Vec<Row> {
        QUERIES
            .iter()
            .position(|q| q.0 == query)
            .and_then(|i| self.0.get_mut(i))
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The rows of the query named `query`, read as `T`.
    fn all<T>(&mut self, query: &str) -> Result<Vec<T>>
    where
        T: for<'r> TryFrom<&'r Row, Error = Error>,
    {
        convert(query, &self.take(query), |r| T::try_from(r))
    }
}

/// Reads every row of `query` with `read`; a row that does not read (a
/// column of another type, an unexpected NULL) is an error naming the
/// query and the column.
fn convert<T>(query: &str, rows: &[Row], read: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter()
        .map(read)
        .collect::<Result<_>>()
        .map_err(|e| match e {
            Error::Database { context, message } => Error::Database {
                context: format!("{context} (catalog query: {query})"),
                message,
            },
            e => e,
        })
}

#[cfg(test)]
mod tests {
    use super::QUERIES;

    /// [`Batch::take`](super::Batch::take) finds a query by its name.
    #[test]
    fn query_names_are_unique() {
        let mut names: Vec<&str> = QUERIES.iter().map(|q| q.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), QUERIES.len());
    }
}
