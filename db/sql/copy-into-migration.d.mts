/** The migration text with `file`'s current contents between its markers (see copy-into-migration.mjs). */
export function withCanonicalCopy(migrationSql: string, file: string, contents: string): string;
