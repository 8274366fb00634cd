//! Where archives go besides local files and pipes.
//!
//! * [`s3`]: an S3 multipart upload behind [`std::io::Write`] that holds the
//!   archive's first part in memory so the TOC can be patched with real data
//!   offsets before it is uploaded last.

pub mod s3;
