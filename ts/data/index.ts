/**
 * `fg.data`: datasets, batching and reading data files.
 * @module
 */
export { TensorDataset, type Dataset } from './dataset'
export { DataLoader, type DataLoaderOptions } from './loader'
export { readIdx, readCsv, type ReadCsvOptions, type CsvTable } from './files'
export { mnist, type MnistOptions, type MnistSplits, type Split } from './mnist'
export { normalize, oneHot } from './transforms'
