//! pgark library.
