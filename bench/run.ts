/** Runs every benchmark in turn: `npm run bench`. Figures are printed, never asserted. */
await import('./transfer.js');
