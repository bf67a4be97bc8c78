/** Entry point of the `s3lite` binary. */
import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
