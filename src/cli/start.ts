/**
 * What the `s3lite` process does once its code is loaded: run one command with the process's
 * arguments and set the exit code. Shared by `run.ts` (the command from source, through tsx) and
 * the bundle that `bin/s3lite.js` loads (scripts/bundle-cli.mjs), which calls `start`.
 */
import { main } from './main.js';

export { main };

export async function start(argv: readonly string[]): Promise<void> {
  // `s3lite … | head`: once the reader has gone, stop quietly as Unix tools do — no stack trace
  // for the EPIPE of the next write, and no work on output nobody reads.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.exitCode = await main(argv);
}
