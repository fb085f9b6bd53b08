//! Numeric tables from CSV files, through the `csv` crate (quoting, escapes and
//! line endings as RFC 4180 and Excel write them).

use crate::tensor::{alloc, Storage, Tensor};
use crate::{bail, Error, ErrorCode, Result};
use std::path::Path;

/// A column, by header name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The column whose header cell is this name (needs a header row).
    Name(String),
    /// The column at this position.
    Index(usize),
}

/// How to read a CSV file.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// The first row names the columns.
    pub header: bool,
    /// The feature columns, in this order (default: every column but the target).
    pub columns: Option<Vec<Column>>,
    /// The column that becomes `y`.
    pub target: Option<Column>,
    /// The field delimiter (default `,`).
    pub delimiter: Option<u8>,
}

/// A numeric table: the features, the target, and the feature columns' names.
#[derive(Debug)]
pub struct Table {
    /// Features `[rows, columns]`, float32.
    pub x: Tensor,
    /// The target `[rows]`: int64 when every value is an integer, else float32.
    pub y: Option<Tensor>,
    /// Names of the feature columns (their header cells, or their positions).
    pub columns: Vec<String>,
}

fn bad(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Format,
        format!("readCsv: {}: {problem}", path.display()),
    )
}

/// Reads a CSV file of numbers into a feature matrix and an optional target.
pub fn read_csv(path: &Path, options: &CsvOptions) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(options.header)
        .delimiter(options.delimiter.unwrap_or(b','))
        .from_reader(super::open_file("readCsv", path)?);
    let names: Vec<String> = if options.header {
        reader
            .headers()
            .map_err(|e| bad(path, e))?
            .iter()
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let mut rows = reader.records();
    let first = match rows.next() {
        Some(r) => r.map_err(|e| bad(path, e))?,
        None => bail!(Format, "readCsv: {} has no data rows", path.display()),
    };
    let width = first.len();
    let resolve = |c: &Column| -> Result<usize> {
        match c {
            Column::Index(i) if *i < width => Ok(*i),
            Column::Index(i) => bail!(
                Index,
                "readCsv: column {i} is out of range for {} ({width} columns)",
                path.display()
            ),
            Column::Name(n) => {
                if !options.header {
                    bail!(Arg, "readCsv: column '{n}' is named, but header is false");
                }
                names.iter().position(|h| h == n).ok_or_else(|| {
                    Error::new(
                        ErrorCode::Arg,
                        format!(
                            "readCsv: {} has no column '{n}' (columns: {})",
                            path.display(),
                            names.join(", ")
                        ),
                    )
                })
            }
        }
    };
    let target = options.target.as_ref().map(resolve).transpose()?;
    let features: Vec<usize> = match &options.columns {
        Some(cols) => cols.iter().map(resolve).collect::<Result<_>>()?,
        None => (0..width).filter(|&c| Some(c) != target).collect(),
    };
    let mut x: Vec<f32> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    let mut count = 0usize;
    let header_rows = usize::from(options.header);
    for (r, record) in std::iter::once(Ok(first)).chain(rows).enumerate() {
        let record = record.map_err(|e| bad(path, e))?;
        let line = r + 1 + header_rows;
        if record.len() != width {
            bail!(
                Format,
                "readCsv: {} line {line} has {} fields, the first row has {width}",
                path.display(),
                record.len()
            );
        }
        let number = |c: usize| -> Result<f64> {
            let cell = record[c].trim();
            cell.parse::<f64>().map_err(|_| {
                bad(
                    path,
                    format!(
                        "line {line}, column {}: '{cell}' is not a number",
                        names.get(c).cloned().unwrap_or_else(|| c.to_string())
                    ),
                )
            })
        };
        for &c in &features {
            x.push(number(c)? as f32);
        }
        if let Some(t) = target {
            y.push(number(t)?);
        }
        count += 1;
        alloc::check_bytes("readCsv", (x.len() * 4 + y.len() * 8) as u128)?;
    }
    let x = Tensor::from_data(Storage::F32(x), &[count, features.len()])?;
    let y = target
        .map(|_| {
            let integral = y
                .iter()
                .all(|v| v.fract() == 0.0 && v.abs() < 2f64.powi(53));
            let storage = if integral {
                Storage::I64(y.iter().map(|&v| v as i64).collect())
            } else {
                Storage::F32(y.iter().map(|&v| v as f32).collect())
            };
            Tensor::from_data(storage, &[count])
        })
        .transpose()?;
    let columns = features
        .iter()
        .map(|&c| names.get(c).cloned().unwrap_or_else(|| c.to_string()))
        .collect();
    Ok(Table { x, y, columns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    fn file(name: &str, text: &str) -> std::path::PathBuf {
        let p =
            std::env::temp_dir().join(format!("ferrograd-csv-{}-{name}.csv", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_features_and_target() {
        let p = file("iris", "a,b,\"label\"\n1.5,2,0\n-3,4e1,1\r\n0.25, 7 ,2\n");
        let opts = CsvOptions {
            header: true,
            target: Some(Column::Name("label".into())),
            ..Default::default()
        };
        let t = read_csv(&p, &opts).unwrap();
        assert_eq!(t.x.shape(), &[3, 2]);
        assert_eq!(t.x.to_vec_f64(), vec![1.5, 2.0, -3.0, 40.0, 0.25, 7.0]);
        let y = t.y.unwrap();
        assert_eq!(
            (y.dtype(), y.to_vec_f64()),
            (DType::I64, vec![0.0, 1.0, 2.0])
        );
        assert_eq!(t.columns, vec!["a", "b"]);
        let only_b = CsvOptions {
            header: true,
            columns: Some(vec![Column::Index(1)]),
            ..Default::default()
        };
        assert_eq!(
            read_csv(&p, &only_b).unwrap().x.to_vec_f64(),
            vec![2.0, 40.0, 7.0]
        );
    }

    #[test]
    fn bad_tables_name_the_line_and_column() {
        let p = file("bad", "a,b\n1,2\n3,x\n");
        let e = read_csv(
            &p,
            &CsvOptions {
                header: true,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Format);
        assert!(e.message.contains("line 3, column b: 'x'"), "{}", e.message);
        let ragged = file("ragged", "1,2\n3\n");
        let e = read_csv(&ragged, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Format, "{}", e.message);
        let e = read_csv(
            &p,
            &CsvOptions {
                header: true,
                target: Some(Column::Name("c".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.message.contains("no column 'c'"), "{}", e.message);
        assert_eq!(
            read_csv(Path::new("/nonexistent.csv"), &CsvOptions::default())
                .unwrap_err()
                .code,
            ErrorCode::Io
        );
        assert_eq!(
            read_csv(
                &file("empty", "a,b\n"),
                &CsvOptions {
                    header: true,
                    ..Default::default()
                }
            )
            .unwrap_err()
            .code,
            ErrorCode::Format
        );
    }
}
