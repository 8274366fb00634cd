//! Guardian processes: clean up after the test process, however it ends.

use std::io::Write;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// Write ends of the guardians' pipes. Never closed while the process
/// lives; the kernel closes them when it exits, which wakes the guardians.
static PIPES: Mutex<Vec<ChildStdin>> = Mutex::new(Vec::new());

/// Starts `sh -c "read _; <cleanup>"` in its own session: it blocks until
/// the test process exits, then runs `cleanup`.
pub(crate) fn on_exit(cleanup: &str) {
    let mut cmd = Command::new("setsid");
    cmd.arg("sh")
        .arg("-c")
        .arg(format!("read _ignored; {cleanup}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start the cleanup guardian: {e}"),
    };
    let Some(pipe) = child.stdin.take() else {
        panic!("guardian has no stdin")
    };
    let mut pipes = PIPES.lock().unwrap_or_else(|p| p.into_inner());
    pipes.push(pipe);
}

/// Wakes every guardian now (for explicit shutdown in tests of the harness).
#[allow(dead_code)]
pub(crate) fn release_all() {
    let mut pipes = PIPES.lock().unwrap_or_else(|p| p.into_inner());
    for mut p in pipes.drain(..) {
        let _ = p.write_all(b"\n");
    }
}
