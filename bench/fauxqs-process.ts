/**
 * Runs the fauxqs S3 server in a child process, so that its CPU time (request parsing, storage)
 * does not compete with the client under test on the same event loop — on a real network S3
 * runs elsewhere too. Resolves once the child prints its port.
 */
import { spawn } from 'node:child_process';

export interface FauxqsProcess {
  readonly endpoint: string;
  /** The child's process id (benchmarks read its CPU time from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const CHILD = `
import { startFauxqs } from 'fauxqs';
const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
process.stdout.write('PORT ' + server.port + '\\n');
process.on('SIGTERM', async () => { await server.stop(); process.exit(0); });
// The parent holds our stdin open: when it dies without stopping us (a crashed benchmark), the
// pipe closes and we go too, instead of living on as an orphan.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export function startFauxqsProcess(): Promise<FauxqsProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fauxqs exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m !== null) {
        resolve({
          endpoint: `http://127.0.0.1:${m[1]}`,
          pid: child.pid,
          stop: () =>
            new Promise<void>((done) => {
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
