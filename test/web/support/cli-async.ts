/**
 * The real `s3lite` CLI (from source, through tsx) as a child process, like test/cli/support.ts's
 * runCli but without blocking: the browser test starts the CLI runs it compares against while the
 * page is built and Chromium starts. At most `MAX_RUNNING` run at once (each is ~1 s of CPU, and
 * more than a few at a time only thrash a small machine).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliOutput {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_RUNNING = 3;
let running = 0;
const waiting: (() => void)[] = [];

export async function cliAsync(args: readonly string[]): Promise<CliOutput> {
  if (running >= MAX_RUNNING) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await runOnce(args);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runOnce(args: readonly string[]): Promise<CliOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/run.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
        maxBuffer: 64 * 2 ** 20,
        timeout: 300_000,
      },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : undefined;
        if (status === undefined) reject(err);
        else resolve({ status, stdout, stderr });
      },
    );
  });
}
