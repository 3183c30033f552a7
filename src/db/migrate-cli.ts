// `npm run migrate`: applies migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config.js';
import { openDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';

const config = loadConfig();
const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
try {
  const applied = await migrateToLatest(database);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await database.close();
}
