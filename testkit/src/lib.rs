//! Test harness (see testkit/README).
