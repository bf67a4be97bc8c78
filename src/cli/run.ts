/** Entry point of the `s3lite` binary. */
import { main } from './main.js';

// `s3lite … | head`: once the reader has gone, stop quietly as Unix tools do — no stack trace
// for the EPIPE of the next write, and no work on output nobody reads.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
