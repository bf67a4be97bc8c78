export { TableCursor } from './table-cursor.js';
export { IndexCursor, type PayloadCompare, type SeekBias } from './index-cursor.js';
export { countEntries } from './count-entries.js';
export { censusPages, SCHEMA_TREE_NAME, type CensusRoot, type PageCensus, type TreeCensus, type CensusProblem, type PageDuplicate } from './page-census.js';
export { readPayload } from './payload-reader.js';
export { compareRowids } from './rowid.js';
