/** Whether a local path is an existing directory (a block directory), for location parsing in Node. */
import { stat } from 'node:fs/promises';

export async function isExistingDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
