/**
 * Hash banks: what a new upload's matches decide, and the exchange format of bank files. Pure functions.
 *
 * A bank is a named set of PDQ hashes with a match distance and an action (the model of Meta's
 * Hasher-Matcher-Actioner: banks of hashes, each match routed to an action):
 *  1. `allow`: a match whitelists the upload (a site's own stock photos): it is published whatever else matched.
 *  2. `auto_block`: otherwise, a match auto-blocks the upload for a moderator to review (`auto_blocked`).
 *  3. `review`: otherwise, a match publishes the upload and puts it in the moderators' `reported` queue.
 * The `moderators` bank (action auto_block) is filled by moderators' decisions; others are imported.
 *
 * File format, shared by hash-sharing programmes and PDQ's own tools: one hash per line, `pdq_hex` or
 * `pdq_hex,quality` (64 hex digits, quality 0–100); blank lines and lines starting with `#` are skipped.
 */
import { pdqFromHex } from './pdq.js';

export const BANK_ACTIONS = ['auto_block', 'review', 'allow'] as const;
export type BankAction = (typeof BANK_ACTIONS)[number];

/** A bank name: lower-case letters, digits, `-` and `_`, 1–63 characters, starting with a letter or digit. */
export const BANK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A match as the decision needs it (src/db/hash-banks.repository.ts BankMatch has more). */
export interface MatchForDecision {
  action: BankAction;
  distance: number;
}

/** What a new upload's bank matches decide, and which match decided it (null when nothing matched). */
export type UploadDecision<M extends MatchForDecision> =
  | { outcome: 'publish'; rule: 'no_match'; match: null }
  | { outcome: 'publish'; rule: 'allow'; match: M }
  | { outcome: 'auto_block'; rule: 'auto_block'; match: M }
  | { outcome: 'publish_for_review'; rule: 'review'; match: M };

/**
 * Applies the rules of the module comment to an upload's matches (at most one per bank).
 * The closest match of the deciding action is named, so an appeal can be answered.
 */
export function decideUpload<M extends MatchForDecision>(matches: readonly M[]): UploadDecision<M> {
  const closest = (action: BankAction) =>
    matches
      .filter((m) => m.action === action)
      .reduce<M | null>((best, m) => (best === null || m.distance < best.distance ? m : best), null);
  const allow = closest('allow');
  if (allow) return { outcome: 'publish', rule: 'allow', match: allow };
  const block = closest('auto_block');
  if (block) return { outcome: 'auto_block', rule: 'auto_block', match: block };
  const review = closest('review');
  if (review) return { outcome: 'publish_for_review', rule: 'review', match: review };
  return { outcome: 'publish', rule: 'no_match', match: null };
}

/** A parsed bank file: its hashes, and the lines refused (1-based line number and why). */
export interface ParsedBankFile {
  entries: { hex: string; quality: number | null }[];
  errors: { line: number; reason: string }[];
}

/** Parses a bank file (format in the module comment). Hex is returned lower-case. */
export function parseBankFile(text: string): ParsedBankFile {
  const entries: ParsedBankFile['entries'] = [];
  const errors: ParsedBankFile['errors'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [hex = '', quality, ...rest] = line.split(',').map((field) => field.trim());
    if (rest.length > 0) return errors.push({ line: index + 1, reason: 'more than two fields' });
    if (pdqFromHex(hex) === null) return errors.push({ line: index + 1, reason: 'not 64 hex digits' });
    if (quality !== undefined && !/^(100|[1-9]?[0-9])$/.test(quality))
      return errors.push({ line: index + 1, reason: 'quality is not 0–100' });
    entries.push({ hex: hex.toLowerCase(), quality: quality === undefined ? null : Number(quality) });
  });
  return { entries, errors };
}

/** Writes a bank file: `pdq_hex,quality` per line (just `pdq_hex` when the quality is unknown). */
export function formatBankFile(entries: readonly { hex: string; quality: number | null }[]): string {
  return entries.map((e) => (e.quality === null ? e.hex : `${e.hex},${e.quality}`)).join('\n') + (entries.length ? '\n' : '');
}
