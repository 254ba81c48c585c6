/**
 * Use cases for hash banks: list them, create or change one, import a bank file into it, export it.
 * Shared by the HTTP routes (/v1/moderation/hash-banks) and the CLI (`npm run hash-banks`).
 */
import type { Deps } from '../deps.js';
import {
  exportEntries,
  findBank,
  importEntries,
  listBanks,
  MODERATORS_BANK,
  upsertBank,
  type HashBank,
} from '../db/hash-banks.repository.js';
import { withTransaction } from '../db/pool.js';
import { BANK_NAME, formatBankFile, parseBankFile, type BankAction } from '../domain/hash-banks.js';
import { MAX_INDEXED_DISTANCE } from '../domain/pdq-matching.js';
import { AppError, badRequest, notFound } from '../errors.js';

/** Every bank with its action, distance and number of entries. */
export function listHashBanks(deps: Pick<Deps, 'pool'>): Promise<HashBank[]> {
  return listBanks(deps.pool);
}

/**
 * Creates a bank or changes one (action, distance, description). The moderators' bank keeps its action
 * (auto_block): its entries are the pictures moderators upheld.
 * @throws AppError 400 for a bad name or distance; 409 `bank_managed` when changing the moderators' bank's action
 */
export async function saveHashBank(
  deps: Pick<Deps, 'pool'>,
  bank: { name: string; action: BankAction; maxDistance: number; description?: string | undefined },
): Promise<HashBank> {
  if (!BANK_NAME.test(bank.name)) throw badRequest('a bank name is 1–63 lower-case letters, digits, "-" or "_"');
  if (!Number.isInteger(bank.maxDistance) || bank.maxDistance < 0 || bank.maxDistance > MAX_INDEXED_DISTANCE) {
    throw badRequest(`maxDistance is a whole number of bits from 0 to ${MAX_INDEXED_DISTANCE}`);
  }
  if (bank.name === MODERATORS_BANK && bank.action !== 'auto_block') {
    throw new AppError({ code: 'bank_managed', message: 'the moderators bank always auto-blocks: its entries are upheld pictures' });
  }
  return upsertBank(deps.pool, bank);
}

/** The result of an import: how many hashes were read, how many were new to the bank. */
export interface ImportResult {
  bank: string;
  read: number;
  imported: number;
  alreadyInBank: number;
}

/**
 * Imports a bank file (`pdq_hex[,quality]` per line, src/domain/hash-banks.ts) into an existing bank, in one
 * transaction: all or nothing. Hashes already in the bank are skipped.
 * @throws AppError 404 unknown bank; 409 `bank_managed` for the moderators' bank (fed by decisions only);
 *   400 `invalid_bank_file` naming the first bad lines (nothing is imported)
 */
export async function importHashBank(
  deps: Pick<Deps, 'pool'>,
  input: { bank: string; file: string; moderatorId: string; note?: string | undefined },
): Promise<ImportResult> {
  if (input.bank === MODERATORS_BANK) {
    throw new AppError({
      code: 'bank_managed',
      message: "the moderators bank is filled by moderators' decisions; import into another bank",
    });
  }
  const parsed = parseBankFile(input.file);
  if (parsed.errors.length > 0) {
    throw new AppError({
      code: 'invalid_bank_file',
      message: `${parsed.errors.length} line(s) are not "pdq_hex[,quality]": ${parsed.errors
        .slice(0, 5)
        .map((e) => `line ${e.line}: ${e.reason}`)
        .join('; ')}`,
      details: { errors: parsed.errors.slice(0, 100) },
    });
  }
  return withTransaction(deps.pool, async (client) => {
    const bank = await findBank(client, input.bank);
    if (!bank) throw notFound('hash bank');
    const imported = await importEntries(client, {
      bankId: bank.id,
      entries: parsed.entries,
      addedBy: input.moderatorId,
      note: input.note ?? null,
    });
    return { bank: bank.name, read: parsed.entries.length, imported, alreadyInBank: parsed.entries.length - imported };
  });
}

/**
 * A bank's whole-picture hashes as a bank file (`pdq_hex,quality` per line; crops are imgmod's own and stay out).
 * @throws AppError 404 unknown bank
 */
export async function exportHashBank(deps: Pick<Deps, 'pool'>, name: string): Promise<string> {
  const bank = await findBank(deps.pool, name);
  if (!bank) throw notFound('hash bank');
  return formatBankFile(await exportEntries(deps.pool, bank.id));
}
