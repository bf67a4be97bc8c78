/**
 * Where the shell's rows go: standard output, or what `.output FILE` / `.once FILE` named, as
 * sqlite3's shell does. A FILE is truncated and written synchronously (in order with everything
 * else the shell prints); `|COMMAND` starts the command through `sh -c` and feeds it on its
 * standard input, and switching away waits for it to finish (sqlite3's pclose). `.once` lasts
 * for the next command: sqlite3 counts the `.once` itself and the command after it, at whatever
 * depth of `.read` that command runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

type Target = { kind: 'stdout' } | { kind: 'file'; fd: number; name: string } | { kind: 'pipe'; child: ChildProcess; done: Promise<void>; name: string };

export class ShellOutput {
  private target: Target = { kind: 'stdout' };
  /** Commands left before a `.once` redirection ends (0: not a `.once`). */
  private onceLeft = 0;

  constructor(private readonly stdout: Writable) {}

  /** Where output goes, as `.show` names it: stdout, or the file or `|command` given. */
  get name(): string {
    return this.target.kind === 'stdout' ? 'stdout' : this.target.name;
  }

  write(data: string | Uint8Array): void {
    const t = this.target;
    if (t.kind === 'stdout') this.stdout.write(data);
    else if (t.kind === 'file') {
      if (typeof data === 'string') writeSync(t.fd, data);
      else writeSync(t.fd, data);
    }
    else t.child.stdin?.write(data);
  }

  /**
   * Sends what follows to `name` (`|COMMAND` for a pipe), for good or, with `once`, for the next
   * command. A name that cannot be opened leaves standard output in place and throws with
   * sqlite3's two lines (`cannot open`, then `cannot write to`).
   */
  async redirect(name: string, options: { once: boolean; bom: boolean }): Promise<void> {
    await this.reset();
    if (name.startsWith('|')) {
      const child = spawn('sh', ['-c', name.slice(1)], { stdio: ['pipe', 'inherit', 'inherit'] });
      const done = new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.once('error', () => resolve());
      });
      // A command that exits early closes its input: what is still written is dropped.
      child.stdin.on('error', () => {});
      this.target = { kind: 'pipe', child, done, name };
    } else {
      let fd: number;
      try {
        fd = openSync(name, 'w');
      } catch {
        throw new Error(`cannot open "${name}"\nError: cannot write to "${name}"`);
      }
      this.target = { kind: 'file', fd, name };
    }
    if (options.bom) this.write(new Uint8Array([0xef, 0xbb, 0xbf]));
    this.onceLeft = options.once ? 2 : 0;
  }

  /** Back to standard output (closing a file, waiting for a pipe's command). */
  async reset(): Promise<void> {
    const t = this.target;
    this.target = { kind: 'stdout' };
    this.onceLeft = 0;
    if (t.kind === 'file') closeSync(t.fd);
    else if (t.kind === 'pipe') {
      t.child.stdin?.end();
      await t.done;
    }
  }

  /** Called after every command (a dot-command or a chunk of SQL): ends a `.once`. */
  async afterCommand(): Promise<void> {
    if (this.onceLeft > 0 && --this.onceLeft === 0) await this.reset();
  }
}
