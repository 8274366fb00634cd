//! Reading server rows without panicking: a column of an unexpected type
//! or an unexpected NULL (a catalog that changed in a newer server) is an
//! error naming the column, never a panic.

use std::fmt::Display;

use tokio_postgres::row::RowIndex;
use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

use crate::error::{Error, Result};

/// `Row::try_get` with pgark's error.
pub(crate) trait RowExt {
    /// Column `idx` (a position or a name) as `T`.
    fn col<'a, I, T>(&'a self, idx: I) -> Result<T>
    where
        I: RowIndex + Display,
        T: FromSql<'a>;
}

impl RowExt for Row {
    fn col<'a, I, T>(&'a self, idx: I) -> Result<T>
    where
        I: RowIndex + Display,
        T: FromSql<'a>,
    {
        self.try_get(&idx).map_err(|e| Error::Database {
            context: format!("reading column {idx} of a server reply"),
            message: e.to_string(),
        })
    }
}
