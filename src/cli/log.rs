//! Where the library's `tracing` events go: pgark's own warnings on stderr
//! as `WARNING: ...` lines (libpq's style), nothing from other crates, and
//! everything at `PGARK_LOG=debug` (server notices, closed connections).
//! A backup's phase and progress events ([`pgark::backup::PHASE`],
//! [`pgark::backup::PROGRESS`]) print as `pgark backup` asks
//! ([`show_phases`]): `pgark: info: ...` lines or JSON objects, progress
//! as one line rewritten in place on a terminal.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the subscriber; a second call (tests) is a no-op.
pub fn init() {
    let level = match std::env::var("PGARK_LOG").as_deref() {
        Ok("debug") => Level::DEBUG,
        Ok("info") => Level::INFO,
        _ => Level::WARN,
    };
    let layer = tracing_subscriber::fmt::layer()
        .event_format(Plain)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(
            Targets::new()
                .with_target("pgark", level)
                .with_target(pgark::backup::PHASE, Level::INFO)
                .with_target(pgark::backup::PROGRESS, Level::INFO),
        )
        .try_init();
}

/// Phase and progress events are not printed.
const QUIET: u8 = 0;
/// Phase lines as text; progress not printed.
const TEXT: u8 = 1;
/// Phase lines as text, progress rewritten in place (stderr is a terminal).
const TERMINAL: u8 = 2;
/// Phase lines as JSON objects; progress not printed.
const JSON: u8 = 3;

static PHASES: AtomicU8 = AtomicU8::new(QUIET);

/// Prints the backup's phase events from now on: as JSON objects, or as
/// text lines with the progress line rewritten in place when `terminal`.
pub fn show_phases(json: bool, terminal: bool) {
    let mode = match (json, terminal) {
        (true, _) => JSON,
        (false, true) => TERMINAL,
        (false, false) => TEXT,
    };
    PHASES.store(mode, Ordering::Relaxed);
}

/// One log line on stderr: `pgark: LEVEL: message`, or a JSON object.
pub fn line(json: bool, level: &str, message: &str) {
    if json {
        eprintln!(
            "{}",
            serde_json::json!({ "level": level, "message": message })
        );
    } else {
        eprintln!("pgark: {level}: {message}");
    }
}

/// A phase or progress event's message, prefixed with its database.
#[derive(Default)]
struct PhaseFields {
    message: String,
    database: Option<String>,
}

impl Visit for PhaseFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "database" => self.database = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl PhaseFields {
    fn of(event: &Event<'_>) -> String {
        let mut f = PhaseFields::default();
        event.record(&mut f);
        match f.database {
            Some(db) => format!("{db}: {}", f.message),
            None => f.message,
        }
    }
}

/// A phase or progress event, as [`show_phases`] asked.
fn write_phase(writer: &mut Writer<'_>, event: &Event<'_>) -> fmt::Result {
    let progress = event.metadata().target() == pgark::backup::PROGRESS;
    match (PHASES.load(Ordering::Relaxed), progress) {
        (TERMINAL, true) => write!(writer, "\r\x1b[Kpgark: {}", PhaseFields::of(event)),
        (TERMINAL, false) => {
            // Clears a progress line first.
            eprint!("\r\x1b[K");
            line(false, "info", &PhaseFields::of(event));
            Ok(())
        }
        (TEXT, false) => {
            line(false, "info", &PhaseFields::of(event));
            Ok(())
        }
        (JSON, false) => {
            line(true, "info", &PhaseFields::of(event));
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `WARNING: message`, one line per event.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let target = event.metadata().target();
        if target == pgark::backup::PHASE || target == pgark::backup::PROGRESS {
            return write_phase(&mut writer, event);
        }
        let level = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            _ => "DEBUG",
        };
        write!(writer, "{level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
