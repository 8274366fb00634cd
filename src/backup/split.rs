//! Large tables read by several connections at once: one COPY per block
//! range (`ctid >= '(a,0)' AND ctid < '(b,0)'`, a TID range scan since
//! PostgreSQL 14), every connection in the same exported snapshot.
//!
//! A row is one tuple version at one ctid, so in one snapshot the ranges
//! partition the visible rows exactly. The heap's length is read under the
//! table's ACCESS SHARE lock (no VACUUM truncation until the end), and the
//! last range has no upper bound, so pages added since (whose rows the
//! snapshot cannot see anyway) are never cut off.

use tokio_postgres::Client;

use crate::db::row::RowExt;
use crate::error::{Error, Result};
use crate::schema::{DataPlan, DataSource};

/// Heap blocks per range, at most about. The writer takes the ranges in
/// order, so a connection reading ahead can finish its range (and move on
/// to the next) only when the range's COPY text fits the channel that
/// buffers it (8 MiB): 4 MiB of heap usually gives 3 to 6 MiB of text.
/// Smaller ranges cost a COPY statement each (a millisecond or so).
pub const RANGE_BLOCKS: u64 = 512;

/// A table that was split, for the phase log.
#[derive(Debug, Clone)]
pub struct SplitTable {
    /// The table, quoted.
    pub relation: String,
    /// Its heap's size in bytes.
    pub size: u64,
    /// Ranges it is read in (1: not split).
    pub ranges: usize,
    /// Why it was not split, when it was not.
    pub kept_whole: Option<String>,
}

/// Turns the data entries of plain tables of at least `threshold` bytes
/// into [`DataSource::Ranges`] when there are two or more `connections`
/// and the server plans the range query as a TID range scan; any other
/// table keeps its one COPY. Returns the tables considered.
pub async fn split_large_tables(
    client: &Client,
    plan: &mut [DataPlan],
    server_major: u32,
    threshold: u64,
    connections: usize,
) -> Result<Vec<SplitTable>> {
    if connections < 2 || server_major < 14 {
        return Ok(Vec::new());
    }
    let tables: Vec<u32> = plan
        .iter()
        .filter(|p| matches!(p.source, DataSource::Table { .. }))
        .filter_map(|p| p.table)
        .collect();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (oid, size, blocks) in large_tables(client, &tables, threshold).await? {
        let Some(p) = plan.iter_mut().find(|p| p.table == Some(oid)) else {
            continue;
        };
        if let Some(split) = split_table(client, p, size, blocks, connections).await? {
            out.push(split);
        }
    }
    Ok(out)
}

/// The plain tables among `tables` whose heap has at least `threshold`
/// bytes: oid, size in bytes and in blocks.
async fn large_tables(
    client: &Client,
    tables: &[u32],
    threshold: u64,
) -> Result<Vec<(u32, i64, u64)>> {
    // An empty heap has nothing to split, whatever the threshold.
    let threshold = i64::try_from(threshold.max(1)).unwrap_or(i64::MAX);
    let rows = client
        .query(
            "SELECT c.oid, pg_catalog.pg_relation_size(c.oid), \
             pg_catalog.current_setting('block_size')::int8 \
             FROM pg_catalog.pg_class c \
             WHERE c.oid = ANY($1) AND c.relkind = 'r' \
             AND pg_catalog.pg_relation_size(c.oid) >= $2",
            &[&tables, &threshold],
        )
        .await
        .map_err(|e| Error::query("measuring the large tables", &e))?;
    rows.iter()
        .map(|row| {
            let oid: u32 = row.col(0)?;
            let size: i64 = row.col(1)?;
            let block_size: i64 = row.col(2)?;
            Ok((oid, size, (size / block_size.max(1)) as u64))
        })
        .collect()
}

/// Splits the data entry `p` of a table of `size` bytes (`blocks` blocks)
/// into block ranges when every range is planned as a TID range scan, and
/// says why not otherwise. `None` when `p` is not a plain table's COPY.
async fn split_table(
    client: &Client,
    p: &mut DataPlan,
    size: i64,
    blocks: u64,
    connections: usize,
) -> Result<Option<SplitTable>> {
    let DataSource::Table { relation, columns } = &p.source else {
        return Ok(None);
    };
    let bounds = bounds(blocks, connections);
    let mut split = SplitTable {
        relation: relation.clone(),
        size: size as u64,
        ranges: 1,
        kept_whole: None,
    };
    if bounds.is_empty() {
        split.kept_whole = Some("fewer blocks than two ranges".into());
        return Ok(Some(split));
    }
    // Every range's plan (pipelined on the one connection): a range
    // planned as a sequential scan would read the whole heap.
    let plans = futures_util::future::try_join_all(
        (0..=bounds.len()).map(|i| explain(client, range_select(relation, columns, &bounds, i))),
    )
    .await?;
    if let Some(other) = plans.iter().find(|p| !p.contains("Tid Range Scan")) {
        split.kept_whole = Some(format!(
            "the block range query is not a TID range scan ({})",
            other.lines().next().unwrap_or("").trim()
        ));
        return Ok(Some(split));
    }
    let statements = statements(relation, columns, &bounds);
    split.ranges = statements.len();
    p.source = DataSource::Ranges(statements);
    Ok(Some(split))
}

/// The first block of every range but the first, balanced over `blocks`:
/// at least `connections` ranges, more for a large heap so no range
/// exceeds about [`RANGE_BLOCKS`], never more ranges than blocks. Empty
/// when that makes fewer than two ranges.
pub fn bounds(blocks: u64, connections: usize) -> Vec<u64> {
    let n = (connections as u64)
        .max(blocks.div_ceil(RANGE_BLOCKS))
        .min(blocks);
    (1..n).map(|i| blocks * i / n).collect()
}

/// The SELECT of range `i` (0-based) of `bounds.len() + 1` ranges: the
/// first has no lower bound, the last no upper bound.
fn range_select(relation: &str, columns: &str, bounds: &[u64], i: usize) -> String {
    let lower = i.checked_sub(1).and_then(|j| bounds.get(j));
    let upper = bounds.get(i);
    let condition = match (lower, upper) {
        (None, Some(b)) => format!("ctid < '({b},0)'"),
        (Some(a), Some(b)) => format!("ctid >= '({a},0)' AND ctid < '({b},0)'"),
        (Some(a), None) => format!("ctid >= '({a},0)'"),
        (None, None) => "true".into(),
    };
    // ONLY: `COPY t TO` never reads inheritance children either.
    format!("SELECT {columns} FROM ONLY {relation} WHERE {condition}")
}

/// One COPY per range, in block order.
pub fn statements(relation: &str, columns: &str, bounds: &[u64]) -> Vec<String> {
    (0..=bounds.len())
        .map(|i| {
            format!(
                "COPY ({}) TO stdout",
                range_select(relation, columns, bounds, i)
            )
        })
        .collect()
}

/// The plan of `select`, as EXPLAIN's text.
async fn explain(client: &Client, select: String) -> Result<String> {
    let rows = client
        .query(&format!("EXPLAIN (COSTS OFF) {select}"), &[])
        .await
        .map_err(|e| Error::query("planning a block range query", &e))?;
    let lines = rows
        .iter()
        .map(|r| r.col::<_, String>(0))
        .collect::<Result<Vec<_>>>()?;
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_balance_and_cover_every_block() {
        assert_eq!(bounds(100, 4), vec![25, 50, 75]);
        assert_eq!(bounds(10, 4), vec![2, 5, 7]);
        assert_eq!(bounds(3, 4), vec![1, 2]);
        assert!(bounds(1, 4).is_empty());
        assert!(bounds(0, 4).is_empty());
        // A large heap: ranges of at most RANGE_BLOCKS, all of one size
        // within a block.
        let b = bounds(10 * RANGE_BLOCKS + 5, 2);
        assert_eq!(b.len() + 1, 11);
        let mut edges = vec![0];
        edges.extend(&b);
        edges.push(10 * RANGE_BLOCKS + 5);
        let sizes: Vec<u64> = edges.windows(2).map(|w| w[1] - w[0]).collect();
        let (min, max) = (sizes.iter().min(), sizes.iter().max());
        assert!(max <= Some(&RANGE_BLOCKS), "{sizes:?}");
        assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{sizes:?}");
    }

    #[test]
    fn first_range_unbounded_below_last_above() {
        let s = statements("public.t", "a, \"B\"", &[10, 20]);
        assert_eq!(
            s,
            vec![
                "COPY (SELECT a, \"B\" FROM ONLY public.t WHERE ctid < '(10,0)') TO stdout",
                "COPY (SELECT a, \"B\" FROM ONLY public.t WHERE ctid >= '(10,0)' AND ctid < '(20,0)') TO stdout",
                "COPY (SELECT a, \"B\" FROM ONLY public.t WHERE ctid >= '(20,0)') TO stdout",
            ]
        );
    }
}
