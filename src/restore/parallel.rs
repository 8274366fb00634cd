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
    let pending = pre_data(main, entries, selected, blocks).await?;
    let mut graph = Graph::new(entries, &pending);
    let mut idle = open_workers(main, files, session).await?;
    let split_stmt = split_statements(main, entries, selected, &pending, files);
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Done<'a>>> = FuturesUnordered::new();
    let mut running_ids: Vec<usize> = Vec::new();
    loop {
        while let Some(i) = graph.next(&split_stmt, selected, !idle.is_empty(), &running_ids) {
            if !selected[i] {
                graph.complete(i);
                continue;
            }
            let Some(w) = idle.pop() else { break };
            running_ids.push(i);
            running.push(start(w, &mut idle, i, &entries[i], &split_stmt[i], files));
        }
        let Some((ws, i, r)) = running.next().await else {
            break;
        };
        r?;
        idle.extend(ws);
        idle.sort_by_key(|w| std::cmp::Reverse(w.slot));
        running_ids.retain(|&x| x != i);
        graph.complete(i);
    }
    drop(running);
    add_reports(main, idle);
    // Whatever a dependency loop kept from running: serially, in TOC
    // order (`restore_toc_entries_postfork`).
    for i in (0..entries.len()).filter(|&i| pending[i] && !graph.done[i]) {
        if selected[i] {
            main.restore_entry(&entries[i], blocks).await?;
        }
    }
    Ok(())
}

/// Step 1: pre-data entries, serially on the main connection, until the
/// first data or post-data entry; after it only pre-data entries (those
/// of no section wait). Returns which entries of the main pass are left.
async fn pre_data(
    main: &mut Engine<'_>,
    entries: &[TocEntry],
    selected: &[bool],
    blocks: &mut Blocks,
) -> Result<Vec<bool>> {
    let mut pending = vec![false; entries.len()];
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
    Ok(pending)
}

/// Step 2's dependency graph of the entries left: what each waits for,
/// what is ready, what is done.
struct Graph {
    /// Each entry's dependencies, post-data ones on a table repointed to
    /// its data.
    deps: Vec<Vec<i32>>,
    /// The tables (or their data) an entry locks exclusively.
    lock_deps: Vec<Vec<i32>>,
    /// How many pending dependencies each entry still waits for.
    waiting: Vec<usize>,
    /// The pending entries that wait for each entry.
    dependents: Vec<Vec<usize>>,
    ready: BTreeSet<usize>,
    done: Vec<bool>,
}

impl Graph {
    fn new(entries: &[TocEntry], pending: &[bool]) -> Graph {
        let n = entries.len();
        let index: HashMap<i32, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.dump_id, i))
            .collect();
        let deps = repointed_dependencies(entries);
        let lock_deps = locking_dependencies(entries, &deps, &index);
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
        let ready = (0..n).filter(|&i| pending[i] && waiting[i] == 0).collect();
        Graph {
            deps,
            lock_deps,
            waiting,
            dependents,
            ready,
            done: vec![false; n],
        }
    }

    /// `i` is done: what waited only for it is ready.
    fn complete(&mut self, i: usize) {
        self.done[i] = true;
        for &j in &self.dependents[i] {
            self.waiting[j] -= 1;
            if self.waiting[j] == 0 {
                self.ready.insert(j);
            }
        }
    }

    /// One of `a` and `b` locks a table the other depends on.
    fn conflicts(&self, a: usize, b: usize) -> bool {
        self.lock_deps[a].iter().any(|l| self.deps[b].contains(l))
            || self.lock_deps[b].iter().any(|l| self.deps[a].contains(l))
    }

    /// The next entry to start, taken out of the ready set: tables to
    /// split first, largest first, then TOC order; an entry not selected
    /// needs no worker; none while nothing fits.
    fn next(
        &mut self,
        split_stmt: &[Option<(u64, String)>],
        selected: &[bool],
        any_idle: bool,
        running_ids: &[usize],
    ) -> Option<usize> {
        let free = |i: usize| running_ids.iter().all(|&r| !self.conflicts(i, r));
        let big = self
            .ready
            .iter()
            .copied()
            .filter(|&i| split_stmt[i].is_some() && free(i))
            .max_by_key(|&i| split_stmt[i].as_ref().map(|(size, _)| *size));
        let next = big.filter(|_| any_idle).or_else(|| {
            self.ready
                .iter()
                .copied()
                .find(|&i| !selected[i] || (any_idle && free(i)))
        })?;
        self.ready.remove(&next);
        Some(next)
    }
}

/// `repoint_table_dependencies`: a post-data entry's dependency on a
/// table becomes one on its TABLE DATA entry.
fn repointed_dependencies(entries: &[TocEntry]) -> Vec<Vec<i32>> {
    let table_data: HashMap<i32, i32> = entries
        .iter()
        .filter(|e| e.desc == "TABLE DATA")
        .filter_map(|e| e.dependencies.first().map(|&t| (t, e.dump_id)))
        .collect();
    entries
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
        .collect()
}

/// `identify_locking_dependencies`: the tables (and table data) a
/// post-data entry other than an index locks exclusively.
fn locking_dependencies(
    entries: &[TocEntry],
    deps: &[Vec<i32>],
    index: &HashMap<i32, usize>,
) -> Vec<Vec<i32>> {
    entries
        .iter()
        .zip(deps)
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
        .collect()
}

/// The workers: their own connections and their own reads of the file,
/// the lowest slot last (popped first).
async fn open_workers<'a>(
    main: &Engine<'a>,
    files: &Files,
    session: &Session,
) -> Result<Vec<Worker<'a>>> {
    let opts = main.opts;
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
    Ok(idle)
}

/// The data entries to split, with their sizes and COPY statements (after
/// pre-data: only tables created by then are split).
fn split_statements(
    main: &Engine<'_>,
    entries: &[TocEntry],
    selected: &[bool],
    pending: &[bool],
    files: &Files,
) -> Vec<Option<(u64, String)>> {
    let opts = main.opts;
    entries
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
        .collect()
}

/// Starts entry `i` on `w`; a table to split also takes every idle worker
/// whose connection lives.
fn start<'a, 'e>(
    w: Worker<'a>,
    idle: &mut Vec<Worker<'a>>,
    i: usize,
    e: &'e TocEntry,
    split_stmt: &Option<(u64, String)>,
    files: &Files,
) -> LocalBoxFuture<'e, Done<'a>>
where
    'a: 'e,
{
    let helpers: Vec<Worker<'a>> = match split_stmt {
        Some(_) if !w.engine.is_closed() => {
            let (live, dead) = std::mem::take(idle)
                .into_iter()
                .partition(|h| !h.engine.is_closed());
            *idle = dead;
            live
        }
        _ => Vec::new(),
    };
    match (split_stmt, helpers.is_empty()) {
        (Some((_, stmt)), false) => {
            let mut ws = vec![w];
            ws.extend(helpers);
            work_split(ws, i, e, stmt.clone(), files.blocks()).boxed_local()
        }
        _ => work(w, i, e).boxed_local(),
    }
}

/// The workers' counts added to the main connection's report.
fn add_reports(main: &mut Engine<'_>, workers: Vec<Worker<'_>>) {
    for w in workers {
        let r = w.engine.report;
        main.report.entries += r.entries;
        main.report.rows += r.rows;
        main.report.large_objects += r.large_objects;
        main.report.errors.extend(r.errors);
        main.report.error_count += r.error_count;
    }
}
