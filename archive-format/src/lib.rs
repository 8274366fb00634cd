//! Custom archive format.
