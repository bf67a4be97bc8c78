/**
 * `s3lite create LOCATION [--page-size N]`: a new, empty database (page 1: the header and an
 * empty sqlite_schema), as `sqlite3 FILE 'VACUUM'` leaves a new file. Refuses to overwrite.
 */
import { Database } from '../../api/database.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';

export interface CreateOptions extends GlobalOptions {
  readonly pageSize?: number;
}

export async function runCreate(spec: string, options: CreateOptions): Promise<void> {
  const db = await Database.create(resolveLocation(spec), {
    ...storeOptions(options),
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
  });
  await db.close();
}
