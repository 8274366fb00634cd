//! `pg_restore --list` output (filled in below).
