/**
 * Where a database lives, parsed from the strings users type:
 *
 *   s3://bucket/prefix           blocks `prefix/0000000000`, … in an S3 bucket
 *   s3://bucket/key.sqlite       one plain SQLite file stored as a single object
 *                                (keys ending .sqlite, .sqlite3, .db or .db3; import/export only)
 *   ./dir/  or an existing dir   a block directory: files `dir/0000000000`, …
 *   ./file.sqlite                any other local path: a plain SQLite file
 *   -                            standard input / output (import/export only)
 *
 * Parsing is pure; whether a local path is an existing directory is asked of the caller
 * (the CLI and the Node opener answer with `stat`), so this module runs anywhere.
 */
import { MisuseError } from '../errors.js';

export type Location =
  | { readonly kind: 's3-blocks'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 's3-object'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'block-directory'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdio' };

const SINGLE_OBJECT_SUFFIX = /\.(sqlite3?|db3?)$/i;

export function parseLocation(spec: string, isExistingDirectory: (path: string) => boolean): Location {
  if (spec === '-') return { kind: 'stdio' };
  if (/^s3:\/\//i.test(spec)) {
    const rest = spec.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const path = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
    if (bucket === '') throw new MisuseError(`no bucket in "${spec}" (expected s3://bucket/prefix)`);
    if (path === '') throw new MisuseError(`no key prefix in "${spec}" (expected s3://bucket/prefix)`);
    if (SINGLE_OBJECT_SUFFIX.test(path)) return { kind: 's3-object', bucket, key: path };
    return { kind: 's3-blocks', bucket, prefix: path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new MisuseError(`unsupported location scheme in "${spec}" (use s3://bucket/prefix or a local path)`);
  }
  if (spec === '') throw new MisuseError('empty location');
  if (spec.endsWith('/') || isExistingDirectory(spec)) return { kind: 'block-directory', path: spec.replace(/\/+$/, '') || '/' };
  return { kind: 'file', path: spec };
}

/** The location as users write it, for messages. */
export function formatLocation(location: Location): string {
  switch (location.kind) {
    case 's3-blocks':
      return `s3://${location.bucket}/${location.prefix}`;
    case 's3-object':
      return `s3://${location.bucket}/${location.key}`;
    case 'block-directory':
      return `${location.path}/`;
    case 'file':
      return location.path;
    case 'stdio':
      return '-';
  }
}
