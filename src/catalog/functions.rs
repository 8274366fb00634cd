//! Functions, aggregates, casts and operators (`pg_proc`, `pg_aggregate`,
//! `pg_cast`, `pg_operator`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A function or procedure.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Function {
    pub oid: Oid,
    pub kind: char,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub identity_args: String,
    /// Argument types only, as pg_dump tags functions: `add(integer, integer)`.
    pub arg_types: String,
    pub definition: String,
    pub owner: String,
    pub comment: Option<String>,
    /// Each argument type as schema, U+0001, name (pg_dump's sort
    /// tie-breaker `pgTypeNameCompare`).
    pub sort_args: Vec<String>,
}

impl TryFrom<&Row> for Function {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Function {
            oid: r.col(0)?,
            kind: ch(r.col(1)?),
            schema: r.col(2)?,
            name: r.col(3)?,
            qualified: r.col(4)?,
            identity_args: r.col(5)?,
            arg_types: r.col::<_, Option<String>>(6)?.unwrap_or_default(),
            definition: r.col(7)?,
            owner: r.col(8)?,
            comment: r.col(9)?,
            sort_args: r.col::<_, Option<Vec<String>>>(10)?.unwrap_or_default(),
        })
    }
}

/// An aggregate (`pg_aggregate` with its `pg_proc` row).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Aggregate {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub identity_args: String,
    pub arg_types: String,
    pub kind: char,
    pub transfn: String,
    pub transtype: String,
    pub transspace: i32,
    pub initval: Option<String>,
    pub finalfn: Option<String>,
    pub finalextra: bool,
    pub finalmodify: char,
    pub combinefn: Option<String>,
    pub serialfn: Option<String>,
    pub deserialfn: Option<String>,
    pub mtransfn: Option<String>,
    pub minvtransfn: Option<String>,
    pub mtranstype: Option<String>,
    pub mtransspace: i32,
    pub minitval: Option<String>,
    pub mfinalfn: Option<String>,
    pub mfinalextra: bool,
    pub mfinalmodify: char,
    pub sortop: Option<String>,
    pub parallel: char,
    pub comment: Option<String>,
    /// Each argument type as schema, U+0001, name (pg_dump's sort
    /// tie-breaker `pgTypeNameCompare`).
    pub sort_args: Vec<String>,
}

impl TryFrom<&Row> for Aggregate {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Aggregate {
            oid: r.col(0)?,
            schema: r.col(1)?,
            name: r.col(2)?,
            qualified: r.col(3)?,
            owner: r.col(4)?,
            identity_args: r.col(6)?,
            arg_types: r.col::<_, Option<String>>(7)?.unwrap_or_default(),
            kind: ch(r.col(8)?),
            transfn: r.col(9)?,
            transtype: r.col(10)?,
            transspace: r.col(11)?,
            initval: r.col(12)?,
            finalfn: r.col(13)?,
            finalextra: r.col(14)?,
            finalmodify: ch(r.col(15)?),
            combinefn: r.col(16)?,
            serialfn: r.col(17)?,
            deserialfn: r.col(18)?,
            mtransfn: r.col(19)?,
            minvtransfn: r.col(20)?,
            mtranstype: r.col(21)?,
            mtransspace: r.col(22)?,
            minitval: r.col(23)?,
            mfinalfn: r.col(24)?,
            mfinalextra: r.col(25)?,
            mfinalmodify: ch(r.col(26)?),
            sortop: r.col(27)?,
            parallel: ch(r.col(28)?),
            comment: r.col(29)?,
            sort_args: r.col::<_, Option<Vec<String>>>(30)?.unwrap_or_default(),
        })
    }
}

/// A cast.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Cast {
    pub oid: Oid,
    pub source: String,
    pub target: String,
    pub method: char,
    pub context: char,
    /// `schema.name(argtypes)` of the cast function.
    pub function: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Cast {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Cast {
            oid: r.col(0)?,
            source: r.col(1)?,
            target: r.col(2)?,
            method: ch(r.col(3)?),
            context: ch(r.col(4)?),
            function: r.col(5)?,
            comment: r.col(6)?,
        })
    }
}

/// An operator.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Operator {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub schema_quoted: String,
    pub owner: String,
    pub function: String,
    pub left: Option<String>,
    pub right: Option<String>,
    pub commutator: Option<String>,
    pub negator: Option<String>,
    pub merges: bool,
    pub hashes: bool,
    pub restrict: Option<String>,
    pub join: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Operator {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Operator {
            oid: r.col(0)?,
            schema: r.col(1)?,
            name: r.col(2)?,
            schema_quoted: r.col(3)?,
            owner: r.col(4)?,
            function: proc_name(r.col(6)?),
            left: r.col(7)?,
            right: r.col(8)?,
            commutator: r.col(9)?,
            negator: r.col(10)?,
            merges: r.col(11)?,
            hashes: r.col(12)?,
            restrict: r.col::<_, Option<String>>(13)?.map(proc_name),
            join: r.col::<_, Option<String>>(14)?.map(proc_name),
            comment: r.col(15)?,
        })
    }
}

/// A `regprocedure`'s name without its argument list (quoted names may hold
/// parentheses), as pg_dump's convertRegProcReference makes it.
fn proc_name(proc: String) -> String {
    let mut quoted = false;
    for (i, c) in proc.char_indices() {
        match c {
            '(' if !quoted => return proc[..i].to_owned(),
            '"' => quoted = !quoted,
            _ => {}
        }
    }
    proc
}
