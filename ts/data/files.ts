/**
 * Reading datasets from files: IDX (the MNIST format) and CSV.
 * @module
 */
import { checkOptions, fail } from '../errors'
import { native } from '../native'
import { checkPath } from '../io'
import { Tensor, describe } from '../tensor'

/**
 * Reads an IDX file, raw or gzip-compressed (`train-images-idx3-ubyte.gz`).
 * Byte and integer elements become int32, floats float32/float64. A file whose
 * magic number or sizes are wrong is `ERR_FORMAT` naming it and the problem.
 */
export function readIdx(path: string): Tensor {
  return new Tensor(native.readIdx(checkPath('readIdx', path)))
}

/** Options of {@link readCsv}. */
export interface ReadCsvOptions {
  /** The first row names the columns (default true). */
  header?: boolean
  /** Feature columns by name or 0-based index (default: all but the target). */
  columns?: (string | number)[]
  /** The target column by name or index; its values become `y`. */
  target?: string | number
  /** Field delimiter (default `,`). */
  delimiter?: string
}

/** A numeric table read by {@link readCsv}. */
export interface CsvTable {
  /** Features `[rows, columns]`, float32. */
  x: Tensor
  /** The target `[rows]` (int64 when every value is an integer, else float32), if asked for. */
  y?: Tensor
  /** The feature columns' names. */
  columns: string[]
}

/**
 * Reads a CSV file of numbers (RFC 4180 quoting, through the `csv` crate) into a
 * float32 feature matrix and an optional target. A cell that is not a number is
 * `ERR_FORMAT` naming its line and column.
 *
 * @example
 * const { x, y } = fg.data.readCsv('iris.csv', { target: 'species' })
 */
export function readCsv(path: string, options: ReadCsvOptions = {}): CsvTable {
  checkOptions('readCsv', options, ['header', 'columns', 'target', 'delimiter'])
  const { header = true, columns, target, delimiter } = options
  if (columns !== undefined && !Array.isArray(columns)) fail('ERR_ARG', 'readCsv', `columns must be an array of names or indices, got ${describe(columns)}`)
  const table = native.readCsv(checkPath('readCsv', path), Boolean(header), columns, target, delimiter)
  return { x: new Tensor(table.x), ...(table.y ? { y: new Tensor(table.y) } : {}), columns: table.columns }
}
