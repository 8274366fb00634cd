//! Parallel restore (`-j N`), like pg_restore's parallel mode
//! (`restore_toc_entries_prefork`, `restore_toc_entries_parallel`):
//!
//! 1. pre-data entries run serially on the main connection, in TOC order,
//!    until the first data or post-data entry; after it, only pre-data
//!    entries still run there (entries of no section, such as comments,
//!    wait, since they may depend on something skipped);
//! 2. everything left of the main pass (table data, large objects,
//!    sequence values, indexes, constraints, triggers, ...) runs on N
//!    worker connections, each entry starting once every entry it depends
//!    on is done. Like pg_restore, post-data entries that depend on a
//!    table are made to depend on its data instead (an index waits for
//!    the COPY), entries that are not restored count as done as soon as
//!    their own dependencies are, and two entries never run at once when
//!    one needs an exclusive lock (any post-data entry but an index) on a
//!    table the other depends on;
//! 3. the privilege pass and the final pass (event triggers, materialized
//!    view refreshes) run serially on the main connection afterwards, as
//!    in a serial restore.
//!
//! Each worker opens the archive file itself and reads an entry's data
//! block at the offset the TOC stores. Among entries ready at the same time
//! the earliest in TOC order goes first (pg_restore prefers the largest
//! tables; the resulting database is the same), except the data of tables
//! large enough to be split ([`RestoreOptions::split_threshold`]), which
//! go first, largest first, each on every worker idle at that moment
//! (`engine/split.rs`); when only one is idle, it loads the table alone.
//!
//! [`RestoreOptions::split_threshold`]: super::RestoreOptions::split_threshold

use std::collections::{BTreeSet, HashMap};

use archive_format::{Section, TocEntry};
use futures_util::future::{FutureExt, LocalBoxFuture};
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::data::Blocks;
use super::engine::split;
use super::statements::{self, Pass};
use super::{Engine, Files, Session};
use crate::error::Result;

struct Worker<'a> {
    /// pg_restore hands work to the idle worker with the lowest slot.
    slot: usize,
    engine: Engine<'a>,
    blocks: Blocks,
}

/// A finished entry: the workers it ran on, its index, its outcome.
type Done<'a> = (Vec<Worker<'a>>, usize, Result<()>);

/// Restores one entry on a worker. pg_restore's leader adds a worker's
/// errors for the entry and then one more for the entry's status
/// (`parseWorkerResponse`, `mark_restore_job_done`); so does this count.
async fn work<'a>(mut w: Worker<'a>, i: usize, e: &TocEntry) -> Done<'a> {
    let before = w.engine.report.error_count;
    let r = w.engine.restore_entry(e, &mut w.blocks).await;
    if w.engine.report.error_count > before {
        w.engine.report.error_count += 1;
    }
    (vec![w], i, r)
}

/// Restores one table's data on several workers (the first reports it),
/// counted as [`work`] counts.
async fn work_split<'a>(
    mut ws: Vec<Worker<'a>>,
    i: usize,
    e: &TocEntry,
    stmt: String,
    blocks: Result<Blocks>,
) -> Done<'a> {
    let blocks = match blocks {
        Ok(b) => b,
        Err(err) => return (ws, i, Err(err)),
    };
    let before = ws[0].engine.report.error_count;
    let r = {
        let mut engines: Vec<&mut Engine<'a>> = ws.iter_mut().map(|w| &mut w.engine).collect();
        split::restore_split(&mut engines, e, &stmt, blocks).await
    };
    if ws[0].engine.report.error_count > before {
        ws[0].engine.report.error_count += 1;
    }
    (ws, i, r)
}

/// Runs the main pass of `entries` (the `selected` ones) in parallel; the
/// later passes are left to the caller.
pub(super) async fn run<'a>(
    main: &mut Engine<'a>,
    entries: &[TocEntry],
    selected: &[bool],
    blocks: &mut Blocks,
    files: &Files,
    session: &Session,
) -> Result<()> {
    let opts = main.opts;
    let n = entries.len();

    // 1. pre-data, serially.
    let mut pending = vec![false; n];
    let mut skipped_some = false;
    for (i, e) in entries.iter().enumerate() {
        let mut do_now = true;
        match e.section {
            Section::PreData => {}
            Section::Data | Section::PostData => {
                do_now = false;
                skipped_some = true;
            }
            _ => do_now = !skipped_some,
        }
        if statements::pass(e) != Pass::Main {
            continue;
        }
        if do_now {
            if selected[i] {
                main.restore_entry(e, blocks).await?;
            }
        } else {
            pending[i] = true;
        }
    }

    // 2. the dependency graph of what is left.
    let index: HashMap<i32, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.dump_id, i))
        .collect();
    // `repoint_table_dependencies`: table -> its TABLE DATA entry.
    let table_data: HashMap<i32, i32> = entries
        .iter()
        .filter(|e| e.desc == "TABLE DATA")
        .filter_map(|e| e.dependencies.first().map(|&t| (t, e.dump_id)))
        .collect();
    let deps: Vec<Vec<i32>> = entries
        .iter()
        .map(|e| {
            e.dependencies
                .iter()
                .map(|d| match table_data.get(d) {
                    Some(&data) if e.section == Section::PostData => data,
                    _ => *d,
                })
                .collect()
        })
        .collect();
    // `identify_locking_dependencies`.
    let lock_deps: Vec<Vec<i32>> = entries
        .iter()
        .zip(&deps)
        .map(|(e, d)| {
            if e.section != Section::PostData || e.desc == "INDEX" {
                return Vec::new();
            }
            d.iter()
                .copied()
                .filter(|id| {
                    index.get(id).is_some_and(|&j| {
                        matches!(entries[j].desc.as_str(), "TABLE" | "TABLE DATA")
                    })
                })
                .collect()
        })
        .collect();
    let mut waiting = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in (0..n).filter(|&i| pending[i]) {
        let mut seen = Vec::new();
        for d in &deps[i] {
            if let Some(&j) = index.get(d) {
                if pending[j] && j != i && !seen.contains(&j) {
                    seen.push(j);
                    waiting[i] += 1;
                    dependents[j].push(i);
                }
            }
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| pending[i] && waiting[i] == 0).collect();
    let mut done = vec![false; n];
    let complete =
        |i: usize, done: &mut Vec<bool>, waiting: &mut Vec<usize>, ready: &mut BTreeSet<usize>| {
            done[i] = true;
            for &j in &dependents[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    ready.insert(j);
                }
            }
        };
    let conflicts = |a: usize, b: usize| {
        lock_deps[a].iter().any(|l| deps[b].contains(l))
            || lock_deps[b].iter().any(|l| deps[a].contains(l))
    };

    // The workers: their own connections and their own reads of the file.
    let mut idle = Vec::with_capacity(opts.jobs);
    for slot in (0..opts.jobs).rev() {
        let mut engine = Engine::connect(opts, main.url.clone(), session, false).await?;
        engine.parallel = true;
        engine.created = main.created.clone();
        idle.push(Worker {
            slot,
            engine,
            blocks: files.blocks()?,
        });
    }
    // The data entries to split, with their sizes (after pre-data: only
    // tables created by then are split).
    let split_stmt: Vec<Option<(u64, String)>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let size = files.sizes.get(&e.dump_id).copied()?;
            let threshold = opts.split_threshold?;
            if !pending[i] || !selected[i] || opts.jobs < 2 || size < threshold {
                return None;
            }
            split::splittable(e, &main.created).map(|s| (size, s))
        })
        .collect();
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Done<'a>>> = FuturesUnordered::new();
    let mut running_ids: Vec<usize> = Vec::new();
    loop {
        loop {
            let free =
                |i: usize, running_ids: &[usize]| running_ids.iter().all(|&r| !conflicts(i, r));
            // Tables to split first, largest first; then TOC order.
            let big = ready
                .iter()
                .copied()
                .filter(|&i| split_stmt[i].is_some() && free(i, &running_ids))
                .max_by_key(|&i| split_stmt[i].as_ref().map(|(size, _)| *size));
            let next = big.filter(|_| !idle.is_empty()).or_else(|| {
                ready
                    .iter()
                    .copied()
                    .find(|&i| !selected[i] || (!idle.is_empty() && free(i, &running_ids)))
            });
            let Some(i) = next else { break };
            ready.remove(&i);
            if !selected[i] {
                complete(i, &mut done, &mut waiting, &mut ready);
                continue;
            }
            let Some(w) = idle.pop() else { break };
            running_ids.push(i);
            let helpers: Vec<Worker<'a>> = match &split_stmt[i] {
                Some(_) if !w.engine.is_closed() => {
                    let (live, dead) = std::mem::take(&mut idle)
                        .into_iter()
                        .partition(|h| !h.engine.is_closed());
                    idle = dead;
                    live
                }
                _ => Vec::new(),
            };
            match (&split_stmt[i], helpers.is_empty()) {
                (Some((_, stmt)), false) => {
                    let mut ws = vec![w];
                    ws.extend(helpers);
                    let blocks = files.blocks();
                    running
                        .push(work_split(ws, i, &entries[i], stmt.clone(), blocks).boxed_local());
                }
                _ => running.push(work(w, i, &entries[i]).boxed_local()),
            }
        }
        let Some((ws, i, r)) = running.next().await else {
            break;
        };
        r?;
        idle.extend(ws);
        idle.sort_by_key(|w| std::cmp::Reverse(w.slot));
        running_ids.retain(|&x| x != i);
        complete(i, &mut done, &mut waiting, &mut ready);
    }
    drop(running);
    for w in idle {
        let r = w.engine.report;
        main.report.entries += r.entries;
        main.report.rows += r.rows;
        main.report.large_objects += r.large_objects;
        main.report.errors.extend(r.errors);
        main.report.error_count += r.error_count;
    }

    // Whatever a dependency loop kept from running: serially, in TOC
    // order (`restore_toc_entries_postfork`).
    for i in (0..n).filter(|&i| pending[i] && !done[i]) {
        if selected[i] {
            main.restore_entry(&entries[i], blocks).await?;
        }
    }
    Ok(())
}
