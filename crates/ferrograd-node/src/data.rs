//! Reading datasets: IDX (MNIST) and CSV files.

use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::io::csv::{self, Column, CsvOptions};
use napi::bindgen_prelude::Either;
use napi::Env;
use napi_derive::napi;
use std::path::Path;

/// Reads an IDX file (raw or gzip).
#[napi(catch_unwind)]
pub fn read_idx(env: Env, path: String) -> Result<NativeTensor> {
    let t = ferrograd::io::idx::read_idx(Path::new(&path)).js()?;
    NativeTensor::leaf(&env, t)
}

/// A numeric CSV table: features, optional target, feature column names.
#[napi(object, object_from_js = false)]
pub struct CsvTable {
    /// Features `[rows, columns]`, float32.
    pub x: NativeTensor,
    /// The target column, when one was asked for.
    pub y: Option<NativeTensor>,
    /// Names of the feature columns.
    pub columns: Vec<String>,
}

fn column(c: Either<String, f64>) -> Result<Column> {
    Ok(match c {
        Either::A(name) => Column::Name(name),
        Either::B(i) => Column::Index(args::size("readCsv", "a column index", i)?),
    })
}

/// Reads a CSV file of numbers.
#[napi(catch_unwind)]
pub fn read_csv(
    env: Env,
    path: String,
    header: bool,
    columns: Option<Vec<Either<String, f64>>>,
    target: Option<Either<String, f64>>,
    delimiter: Option<String>,
) -> Result<CsvTable> {
    let delimiter = match delimiter.as_deref().map(str::as_bytes) {
        None => None,
        Some([b]) => Some(*b),
        Some(_) => {
            return Err(args::arg_error(
                "readCsv: delimiter must be a single ASCII character".to_string(),
            ))
        }
    };
    let options = CsvOptions {
        header,
        columns: columns
            .map(|cs| cs.into_iter().map(column).collect::<Result<_>>())
            .transpose()?,
        target: target.map(column).transpose()?,
        delimiter,
    };
    let table = csv::read_csv(Path::new(&path), &options).js()?;
    Ok(CsvTable {
        x: NativeTensor::leaf(&env, table.x)?,
        y: table.y.map(|y| NativeTensor::leaf(&env, y)).transpose()?,
        columns: table.columns,
    })
}
