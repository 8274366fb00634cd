//! pgark's integration tests: one binary, against real PostgreSQL servers
//! (15, 16, 17, 18) that `pgark-testkit` starts on loopback.
//!
//! Install what they need with `scripts/setup.sh` (the README's test
//! command does it).

mod all_databases;
mod archive_corrupt;
mod archive_real;
mod archive_restore;
mod audit;
mod backup;
mod backup_data;
mod backup_s3;
mod backup_split;
mod bucket;
mod cancel;
mod cli;
mod common;
mod compress_codecs;
mod connect;
mod diff;
mod drill;
mod encrypt;
mod fidelity_kinds;
mod fidelity_loops;
mod fidelity_regress;
mod fidelity_robust;
mod fidelity_rows;
mod fidelity_tables;
mod globals;
mod library;
mod parallel_gzip;
mod prune;
mod restore;
mod restore_faults;
mod restore_split;
mod s3_sink;
mod selection;
mod service;
mod setup_script;
mod toc_order;
mod toc_parity;
