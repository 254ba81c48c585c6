/**
 * Moderator-only routes under /v1/moderation/hash-banks: list banks, create or change one, import a bank file
 * (`pdq_hex[,quality]` per line, as text/plain), export one.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { BANK_ACTIONS } from '../../domain/hash-banks.js';
import { MAX_INDEXED_DISTANCE } from '../../domain/pdq-matching.js';
import { badRequest } from '../../errors.js';
import { exportHashBank, importHashBank, listHashBanks, saveHashBank } from '../../moderation/hash-banks.js';
import { currentUser } from '../middleware/auth.js';
import { textField } from '../params.js';
import { parse } from './parse.js';

/** Largest bank file accepted in one request: 1 MB holds about 14,000 hashes with their quality. */
const MAX_BANK_FILE_BYTES = 1024 * 1024;

export const bankBody = z.strictObject({
  action: z.enum(BANK_ACTIONS),
  maxDistance: z.number().int().min(0).max(MAX_INDEXED_DISTANCE),
  description: textField(500).optional(),
});
export const bankName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
export const importQuery = z.object({ note: textField(200).optional() });

/** The router for /v1/moderation/hash-banks (behind the moderator guard of http/moderation/index.ts). */
export function hashBanksRoutes(deps: Deps): Router {
  const router = Router();

  router.get('/v1/moderation/hash-banks', async (_req, res) => {
    res.json({ banks: await listHashBanks(deps) });
  });

  router.put('/v1/moderation/hash-banks/:name', async (req, res) => {
    const name = parse(bankName, req.params.name, 'bank name');
    const body = parse(bankBody, req.body, 'bank');
    res.json(await saveHashBank(deps, { name, ...body }));
  });

  router.post(
    '/v1/moderation/hash-banks/:name/entries',
    express.text({ type: ['text/plain', 'text/csv'], limit: MAX_BANK_FILE_BYTES }),
    async (req, res) => {
      const name = parse(bankName, req.params.name, 'bank name');
      if (typeof req.body !== 'string') throw badRequest('send the bank file as text/plain: one pdq_hex[,quality] per line');
      const { note } = parse(importQuery, req.query, 'query');
      res.json(await importHashBank(deps, { bank: name, file: req.body, moderatorId: currentUser(req).id, note }));
    },
  );

  router.get('/v1/moderation/hash-banks/:name/entries', async (req, res) => {
    const name = parse(bankName, req.params.name, 'bank name');
    const file = await exportHashBank(deps, name);
    res
      .set({
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}.pdq.txt"`,
        'Cache-Control': 'private, no-store',
      })
      .send(file);
  });

  return router;
}
