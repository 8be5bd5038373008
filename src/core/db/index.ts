/** Database access shared by every service: opening SQLite or Postgres, and running a service's migrations. */
export { type Database, type DatabaseDialect, DatabaseError, type DatabaseListener, type OpenDatabaseOptions, openDatabase, redactUrl } from './database.ts';
export { type MigrationSet, MigrationError, migrateToLatest } from './migrations.ts';
export { powerOfTwoChunks } from './chunks.ts';
export { type BulkInsert, BulkInsertError, type BulkInsertOptions, bulkInsert } from './bulkInsert.ts';
export { type BulkUpdate, BulkUpdateError, type BulkUpdateOptions, bulkUpdate } from './bulkUpdate.ts';
