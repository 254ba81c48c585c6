/**
 * Hash banks from the command line, against DATABASE_URL (PostgreSQL only; no Redis needed):
 *   npm run hash-banks -- list
 *   npm run hash-banks -- create <bank> --action auto_block|review|allow [--max-distance 15] [--description …]
 *   npm run hash-banks -- import <bank> <file|-> [--by <your id>] [--note …]   (pdq_hex[,quality] per line)
 *   npm run hash-banks -- export <bank> [file]                                   (to stdout without a file)
 * The same use cases as /v1/moderation/hash-banks.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, ensureDatabase } from '../src/db/pool.js';
import { poolLimits } from '../src/deps.js';
import { BANK_ACTIONS, type BankAction } from '../src/domain/hash-banks.js';
import { AppError } from '../src/errors.js';
import { exportHashBank, importHashBank, listHashBanks, saveHashBank } from '../src/moderation/hash-banks.js';

const usage = `usage: npm run hash-banks -- list
       npm run hash-banks -- create <bank> --action ${BANK_ACTIONS.join('|')} [--max-distance 15] [--description text]
       npm run hash-banks -- import <bank> <file|-> [--by id] [--note text]
       npm run hash-banks -- export <bank> [file]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    action: { type: 'string' },
    'max-distance': { type: 'string', default: '15' },
    description: { type: 'string' },
    by: { type: 'string', default: 'cli' },
    note: { type: 'string' },
  },
});
const [command, bank, file] = positionals;

async function readInput(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const config = loadConfig();
await ensureDatabase(config.DATABASE_URL);
const pool = createPool(config.DATABASE_URL, {
  limits: poolLimits(config, 'jobs'),
  name: 'imgmod-hash-banks',
  onError: (error) => console.error(`hash-banks: PostgreSQL: ${error.message}`),
});
try {
  await migrate(pool);
  const deps = { pool };
  if (command === 'list') {
    for (const b of await listHashBanks(deps))
      console.log(`${b.name}\t${b.action}\t≤ ${b.maxDistance} bits\t${b.entries} entries\t${b.description}`);
  } else if (command === 'create' && bank && BANK_ACTIONS.includes(values.action as BankAction)) {
    const saved = await saveHashBank(deps, {
      name: bank,
      action: values.action as BankAction,
      maxDistance: Number(values['max-distance']),
      description: values.description,
    });
    console.log(`${saved.name}: ${saved.action} at ≤ ${saved.maxDistance} bits, ${saved.entries} entries`);
  } else if (command === 'import' && bank && file) {
    const result = await importHashBank(deps, {
      bank,
      file: await readInput(file),
      moderatorId: values.by,
      note: values.note ?? (file === '-' ? undefined : file),
    });
    console.log(`${result.bank}: ${result.read} hashes read, ${result.imported} imported, ${result.alreadyInBank} already in the bank`);
  } else if (command === 'export' && bank) {
    const text = await exportHashBank(deps, bank);
    if (file) await writeFile(file, text);
    else process.stdout.write(text);
  } else {
    console.error(usage);
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof AppError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
