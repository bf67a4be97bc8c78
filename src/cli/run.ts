/** Entry point of the `s3lite` command from source (`tsx src/cli/run.ts`); bin/s3lite.js loads the bundle of start.ts. */
import { start } from './start.js';

await start(process.argv.slice(2));
