/**
 * The real `s3lite` CLI (from source, through tsx) as a child process, like test/cli/support.ts's
 * runCli but without blocking: the browser test starts every CLI run it compares against at once,
 * while the page is built and Chromium starts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliOutput {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function cliAsync(args: readonly string[]): Promise<CliOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/run.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
        maxBuffer: 64 * 2 ** 20,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : undefined;
        if (status === undefined) reject(err);
        else resolve({ status, stdout, stderr });
      },
    );
  });
}
