/**
 * Child process of report.ts: runs one script on one engine and sends each record's line
 * before running it and each outcome when known, so the parent can stop a record that runs
 * too long (a CPU-bound query cannot be interrupted from inside) and resume after it.
 */
import { readFileSync } from 'node:fs';
import { openEngine, type EngineName } from './engines.js';
import { runScript } from './runner.js';

export interface WorkerJob {
  readonly file: string;
  readonly engine: EngineName;
  readonly resumeAt?: number;
  readonly giveUp: ReadonlyArray<readonly [number, string]>;
}

export type WorkerMessage =
  | { readonly type: 'start'; readonly line: number; readonly kind: string }
  | { readonly type: 'outcome'; readonly line: number; readonly pass: boolean; readonly detail: string }
  | { readonly type: 'done' };

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

process.once('message', (job: WorkerJob) => {
  void (async () => {
    const engine = await openEngine(job.engine);
    await runScript(readFileSync(job.file, 'utf8'), engine, {
      ...(job.resumeAt !== undefined && { resumeAt: job.resumeAt }),
      giveUp: new Map(job.giveUp),
      onRecord: (r) => send({ type: 'start', line: r.line, kind: r.kind }),
      onOutcome: (o) => send({ type: 'outcome', line: o.line, pass: o.pass, detail: o.detail }),
    });
    await engine.close();
    // Disconnecting only once 'done' is written: messages still queued would be lost otherwise
    // (a fast engine queues thousands), and the parent would see a process that died.
    process.send?.({ type: 'done' } satisfies WorkerMessage, () => process.disconnect());
  })();
});
