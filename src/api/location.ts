/**
 * Where a database lives, parsed from the strings users type:
 *
 *   s3://bucket/k                S3: the command and what exists decide the layout, never the name
 *                                (`resolveS3`): blocks `k/0000000000`, … or the single object `k`
 *   https://host/path, http://…  one plain SQLite file at a URL, read with Range requests
 *   ./dir/  or an existing dir   a block directory: files `dir/0000000000`, …
 *   ./file.sqlite                any other local path: a plain SQLite file
 *   -                            standard input / output (import/export only)
 *
 * The S3 rule (DESIGN.md, "Locations"): `import` writes blocks at `k` whatever its name; `export`
 * writes the one object `k`; every other command reads blocks when `k/0000000000` exists, else
 * the single object `k` when it exists (open-location.ts asks, at no cost to the block layout);
 * `create` makes blocks. `s3-blocks` and `s3-object` are the two answers, also accepted as they
 * are by `Database.open` for a caller who knows.
 *
 * Parsing is pure; whether a local path is an existing directory is asked of the caller
 * (the CLI and the Node opener answer with `stat`), so this module runs anywhere.
 */
import { MisuseError } from '../errors.js';

export type Location =
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 's3-blocks'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 's3-object'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'block-directory'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdio' };

export function parseLocation(spec: string, isExistingDirectory: (path: string) => boolean): Location {
  if (spec === '-') return { kind: 'stdio' };
  if (/^s3:\/\//i.test(spec)) {
    const rest = spec.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
    if (bucket === '') throw new MisuseError(`no bucket in "${spec}" (expected s3://bucket/key)`);
    if (key === '') throw new MisuseError(`no key in "${spec}" (expected s3://bucket/key)`);
    return { kind: 's3', bucket, key };
  }
  if (/^https?:\/\//i.test(spec)) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new MisuseError(`not a valid URL: "${redactUrl(spec)}"`);
    }
    if (url.hostname === '') throw new MisuseError(`no host in "${redactUrl(spec)}"`);
    return { kind: 'url', url: spec };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new MisuseError(`unsupported location scheme in "${redactUrl(spec)}" (use s3://bucket/key, https://…, or a local path)`);
  }
  if (spec === '') throw new MisuseError('empty location');
  if (spec.endsWith('/') || isExistingDirectory(spec)) return { kind: 'block-directory', path: spec.replace(/\/+$/, '') || '/' };
  return { kind: 'file', path: spec };
}

/** An S3 location read as blocks (what `import` writes and `create` makes). */
export function asBlocks(location: Location): Location {
  return location.kind === 's3' ? { kind: 's3-blocks', bucket: location.bucket, prefix: location.key } : location;
}

/** An S3 location read as one object (what `export` writes). */
export function asObject(location: Location): Location {
  return location.kind === 's3' ? { kind: 's3-object', bucket: location.bucket, key: location.key } : location;
}

/**
 * A URL fit for messages, progress lines and logs: no user name or password, and no query string
 * (a presigned URL's signature and credentials live there) — `?…` says one was there.
 */
export function redactUrl(spec: string): string {
  const q = spec.search(/[?#]/);
  const head = q < 0 ? spec : spec.slice(0, q);
  const noCredentials = head.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  return q >= 0 && spec[q] === '?' ? `${noCredentials}?…` : noCredentials;
}

/** The location as users write it, for messages (URLs redacted). */
export function formatLocation(location: Location): string {
  switch (location.kind) {
    case 's3':
    case 's3-object':
      return `s3://${location.bucket}/${location.key}`;
    case 's3-blocks':
      return `s3://${location.bucket}/${location.prefix}`;
    case 'url':
      return redactUrl(location.url);
    case 'block-directory':
      return `${location.path}/`;
    case 'file':
      return location.path;
    case 'stdio':
      return '-';
  }
}
