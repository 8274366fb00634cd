//! Single-thread flate2 against [`ParallelGzip`] on realistic COPY text.
//!
//! ```sh
//! cargo bench --bench parallel_gzip            # ~100 MB of COPY text
//! PGARK_BENCH_MB=300 cargo bench --bench parallel_gzip
//! ```
//!
//! The input is generated (deterministic): uuid-like hex, timestamps,
//! numbers, inet, JSON-ish documents and prose, tab-separated and escaped
//! as `COPY ... TO stdout` writes them. For zlib levels 1, 2 and 6 it
//! prints throughput (uncompressed MB/s) and ratio for flate2's
//! `ZlibEncoder` on one thread, and for `ParallelGzip` on 1 thread and on
//! every core. Every stream is inflated back and compared with the input.

use std::io::{self, Read, Write};
use std::time::Instant;

use pgark::compress::{ParallelGzip, ParallelGzipOptions};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Skewed towards small values, like word frequencies.
    fn zipf(&mut self, n: u64) -> u64 {
        let a = self.below(n) + 1;
        self.below(a)
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "order",
    "customer",
    "shipment",
    "delivered",
    "warehouse",
    "invoice",
    "payment",
    "refund",
    "account",
    "backup",
    "restore",
    "database",
    "replica",
    "latency",
    "timeout",
    "retry",
    "request",
    "response",
    "service",
    "deployment",
    "cluster",
    "region",
    "bucket",
    "object",
    "quarterly",
    "revenue",
    "forecast",
    "analysis",
    "report",
    "meeting",
    "schedule",
    "product",
    "feature",
    "release",
    "version",
    "migration",
    "schema",
    "index",
    "query",
];

const STATUSES: &[&str] = &["active", "pending", "suspended", "closed", "trial"];

fn uuid(r: &mut Rng, out: &mut String) {
    let (a, b) = (r.next(), r.next());
    out.push_str(&format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    ));
}

fn timestamp(r: &mut Rng, out: &mut String) {
    let day = r.below(365 * 3);
    let (y, d) = (2022 + day / 365, day % 365);
    out.push_str(&format!(
        "{y}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
        d / 31 % 12 + 1,
        d % 28 + 1,
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1_000_000)
    ));
}

fn prose(r: &mut Rng, words: u64, out: &mut String) {
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[r.zipf(WORDS.len() as u64) as usize]);
        match r.below(40) {
            0 => out.push_str(".\\n"),
            1 => out.push(','),
            2 => out.push_str("\\t"),
            3 => out.push_str(" C:\\\\temp"),
            _ => {}
        }
    }
}

/// One COPY text row of an `events` table:
/// id, uuid, account, created, amount, ip, status, doc (json), note.
fn row(r: &mut Rng, id: u64, out: &mut String) {
    out.push_str(&id.to_string());
    out.push('\t');
    uuid(r, out);
    out.push('\t');
    out.push_str(&(r.zipf(50_000)).to_string());
    out.push('\t');
    timestamp(r, out);
    out.push('\t');
    out.push_str(&format!("{}.{:02}", r.below(100_000), r.below(100)));
    out.push('\t');
    out.push_str(&format!(
        "10.{}.{}.{}",
        r.below(4),
        r.below(256),
        r.below(256)
    ));
    out.push('\t');
    out.push_str(STATUSES[r.zipf(STATUSES.len() as u64) as usize]);
    out.push('\t');
    out.push_str(&format!(
        "{{\"score\": {}, \"tags\": [\"{}\", \"{}\"], \"ref\": \"",
        r.below(1000),
        WORDS[r.zipf(WORDS.len() as u64) as usize],
        WORDS[r.below(WORDS.len() as u64) as usize],
    ));
    uuid(r, out);
    out.push_str("\"}\t");
    if r.below(10) == 0 {
        out.push_str("\\N");
    } else {
        let n = 3 + r.zipf(40);
        prose(r, n, out);
    }
    out.push('\n');
}

fn dataset(bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = String::with_capacity(bytes + 4096);
    let mut id = 1;
    while s.len() < bytes {
        row(&mut r, id, &mut s);
        id += 1;
    }
    s.push_str("\\.\n\n\n");
    s.into_bytes()
}

/// Keeps what is written (to check it), counting the bytes.
#[derive(Default)]
struct Collect(Vec<u8>);

impl Write for Collect {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One way of compressing the whole input.
type Run<'a> = Box<dyn Fn() -> io::Result<Vec<u8>> + 'a>;

/// Input pieces as a COPY stream delivers them (tokio-postgres: ~8 KiB).
const PIECE: usize = 8192;

fn single(input: &[u8], level: u32) -> io::Result<Vec<u8>> {
    let mut z =
        flate2::write::ZlibEncoder::new(Collect::default(), flate2::Compression::new(level));
    for p in input.chunks(PIECE) {
        z.write_all(p)?;
    }
    Ok(z.finish()?.0)
}

fn parallel(input: &[u8], options: ParallelGzipOptions) -> io::Result<Vec<u8>> {
    let mut gz = ParallelGzip::new(Collect::default(), options)?;
    for p in input.chunks(PIECE) {
        gz.write_all(p)?;
    }
    Ok(gz.finish()?.0)
}

fn check(input: &[u8], z: &[u8], what: &str) -> io::Result<()> {
    let mut back = Vec::with_capacity(input.len());
    flate2::read::ZlibDecoder::new(z).read_to_end(&mut back)?;
    if back != input {
        return Err(io::Error::other(format!("{what}: inflated data differs")));
    }
    Ok(())
}

/// CPU seconds (user + system) this process used so far, from
/// `/proc/self/stat` (Linux; 0 elsewhere): against wall time it shows how
/// many cores a run really got.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th, in clock ticks (100 per second).
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> io::Result<()> {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let mb: usize = match std::env::var("PGARK_BENCH_MB") {
        Ok(v) => v
            .parse()
            .map_err(|_| io::Error::other(format!("PGARK_BENCH_MB={v:?} is not a number")))?,
        Err(_) => 100,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let input = dataset(mb * 1_000_000);
    let total = input.len() as f64 / 1e6;
    println!(
        "dataset: {total:.1} MB of COPY text generated in {:.1} s; {cores} cores",
        t.elapsed().as_secs_f64()
    );
    let (mut best, mut a) = (f64::MAX, 0);
    for _ in 0..3 {
        let t = Instant::now();
        a = archive_format::deflate_parallel::adler32(1, &input);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "adler32 (pgark's, best of 3): {:.0} MB/s ({a:08x})",
        total / best
    );
    println!(
        "{:<32} {:>5} {:>9} {:>9} {:>10} {:>7}",
        "compressor", "level", "seconds", "cpu s", "MB/s", "ratio"
    );
    let input = &input[..];
    for level in [1, 2, 6] {
        let mut runs: Vec<(String, Run<'_>)> = vec![(
            "flate2 ZlibEncoder, 1 thread".into(),
            Box::new(move || single(input, level)),
        )];
        for threads in [1, cores] {
            let o = ParallelGzipOptions::new(level).threads(threads);
            runs.push((
                format!("ParallelGzip, {threads} thread(s), 1 MiB"),
                Box::new(move || parallel(input, o)),
            ));
        }
        for (name, run) in &runs {
            let (t, cpu) = (Instant::now(), cpu_seconds());
            let z = run()?;
            let secs = t.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu;
            println!(
                "{name:<32} {level:>5} {secs:>9.2} {cpu:>9.2} {:>10.1} {:>7.3}",
                total / secs,
                input.len() as f64 / z.len() as f64
            );
            check(input, &z, name)?;
        }
    }
    Ok(())
}
