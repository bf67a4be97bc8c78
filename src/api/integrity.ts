/** `Database.check()` (moved to the executor, where PRAGMA integrity_check runs it too). */
export { checkDatabase } from '../exec/check-database.js';
