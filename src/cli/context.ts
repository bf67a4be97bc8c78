/** Options every command accepts, and the opening of the locations they name. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseLocation, type Location } from '../api/location.js';
import type { StoreOptions } from '../api/store-options.js';
import { MisuseError } from '../errors.js';

export interface GlobalOptions {
  readonly unsafeNoLock?: boolean;
  readonly busyTimeout?: number;
  readonly leaseDuration?: number;
  readonly leaseMargin?: number;
  readonly cacheDir?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly blockSize?: number;
  readonly concurrency?: number;
  readonly quiet?: boolean;
}

export function storeOptions(
  options: GlobalOptions,
): StoreOptions & {
  readonly locking?: 'lease' | 'none';
  readonly busyTimeout?: number;
  readonly leaseDuration?: number;
  readonly leaseMargin?: number;
} {
  return {
    ...(options.unsafeNoLock === true && { locking: 'none' as const }),
    ...(options.busyTimeout !== undefined && { busyTimeout: options.busyTimeout }),
    ...(options.leaseDuration !== undefined && { leaseDuration: options.leaseDuration }),
    ...(options.leaseMargin !== undefined && { leaseMargin: options.leaseMargin }),
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.region !== undefined && { region: options.region }),
    ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
  };
}

/** Parses a location argument; local paths become absolute so block directories get a real name. */
export function resolveLocation(spec: string): Location {
  const location = parseLocation(spec, isExistingDirectory);
  if (location.kind === 'block-directory' || location.kind === 'file') {
    return { kind: location.kind, path: resolve(location.path) };
  }
  return location;
}

function isExistingDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function positiveInteger(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new MisuseError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}
