/**
 * fauxqs with the conditional-write proxy in front of it (test/support/conditional-s3-proxy.ts:
 * the stand-in for S3's documented If-None-Match / If-Match behaviour, which fauxqs ignores),
 * both in ONE child process. Safe writers need such a store; keeping the proxy out of the
 * benchmark's own process keeps its CPU time off the client's event loop, as bench/fauxqs-process.ts
 * does for fauxqs alone. Resolves with the proxy's endpoint once the child prints it.
 */
import { spawn } from 'node:child_process';

export interface ConditionalFauxqsProcess {
  /** `http://127.0.0.1:<port>` of the conditional proxy. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const CHILD = `
import { startFauxqs } from 'fauxqs';
const { startConditionalS3Proxy } = await import(new URL('./test/support/conditional-s3-proxy.ts', 'file://' + process.cwd() + '/').href);
const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
const proxy = await startConditionalS3Proxy('http://127.0.0.1:' + server.port);
process.stdout.write('ENDPOINT ' + proxy.endpoint + '\\n');
process.on('SIGTERM', async () => { await proxy.close(); await server.stop(); process.exit(0); });
`;

export function startConditionalFauxqsProcess(): Promise<ConditionalFauxqsProcess> {
  // The child imports the proxy's TypeScript source, so it runs with tsx's loader.
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fauxqs + conditional proxy exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ENDPOINT (\S+)/.exec(out);
      if (m !== null) {
        resolve({
          endpoint: m[1]!,
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
