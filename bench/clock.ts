/**
 * The clock of the in-process CPU benchmarks (bench/cpu.ts, bench/scan-json.ts): wall time by
 * default; with `--cpu-time`, the process's user+system CPU time (process.cpuUsage, all threads:
 * V8's GC helpers and libuv's pool included) — on a machine shared with other busy processes,
 * wall time mostly measures waiting for a core, CPU time what the work cost. Both sides of a
 * comparison run in this one process, so they are measured alike.
 */
const CPU = process.argv.includes('--cpu-time');

/** Milliseconds on the chosen clock (only differences mean anything). */
export function clock(): number {
  if (!CPU) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export const clockLabel = CPU ? 'CPU time (user+sys)' : 'wall time';
