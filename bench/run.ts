/**
 * Runs every benchmark in turn: `npm run bench` (pass `-- --latency 20 --mb 23 --quick` to tune).
 * Figures are printed, never asserted; bench/RESULTS.md records a run.
 */
await import('./transfer.js');
await import('./s3-read.js');
