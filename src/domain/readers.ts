/**
 * Who reports: the kinds of reader, which of them count as low-trust, and the weight of their report.
 * Pure functions, no I/O.
 *
 * - `user`: a first-party token signed with JWT_SECRET (moderators, uploads, the operator's own tools).
 * - `signed`: a reader a host site vouches for with a short-lived JWT signed by that site.
 * - `anonymous`: a reader known only by the signed id in imgmod's cookie and by a hash of their network.
 */
export const READER_KINDS = ['user', 'signed', 'anonymous'] as const;
export type ReaderKind = (typeof READER_KINDS)[number];

/**
 * True for a low-trust reporter, whose share of an image's score the brigade guard watches: an anonymous
 * reader, or a signed account younger than `newAccountAgeMs` according to its `account_created_at` claim.
 * A signed reader without that claim counts as an ordinary reader.
 */
export function isLowTrust(reader: { kind: ReaderKind; accountCreatedAt: Date | null }, now: Date, newAccountAgeMs: number): boolean {
  if (reader.kind === 'anonymous') return true;
  if (reader.kind !== 'signed' || reader.accountCreatedAt === null) return false;
  return now.getTime() - reader.accountCreatedAt.getTime() < newAccountAgeMs;
}

/**
 * The weight of a new report from its reader's trust weight (domain/trust.ts). An anonymous report weighs
 * at most ANONYMOUS_REPORT_WEIGHT, and 0 when another anonymous report from the same network prefix is
 * already open on the image: one network counts once, however many cookies it clears. A signed account
 * younger than NEW_ACCOUNT_AGE weighs at most NEW_ACCOUNT_REPORT_WEIGHT: one person opening accounts to
 * block an image needs twice as many of them as ordinary readers, and then meets the brigade guard.
 */
export function readerReportWeight(input: {
  kind: ReaderKind;
  trustWeight: number;
  anonymousWeight: number;
  networkAlreadyCounted: boolean;
  /** True for a signed account younger than NEW_ACCOUNT_AGE (isLowTrust). */
  newAccount: boolean;
  newAccountWeight: number;
}): number {
  if (input.kind === 'signed' && input.newAccount) return Math.min(input.trustWeight, input.newAccountWeight);
  if (input.kind !== 'anonymous') return input.trustWeight;
  if (input.networkAlreadyCounted) return 0;
  return Math.min(input.trustWeight, input.anonymousWeight);
}

/**
 * ANONYMOUS_REPORTS for one request: "off" refuses anonymous reports; "on" allows them (browsers can only call
 * from ALLOWED_ORIGINS or imgmod's own pages anyway); a list of origins allows them from those origins and
 * imgmod's own, and refuses requests without an Origin header (a non-browser client names no site).
 */
export function anonymousReportsAllowed(setting: 'on' | 'off' | readonly string[], origin: string | undefined, ownOrigin: string): boolean {
  if (setting === 'off' || setting === 'on') return setting === 'on';
  return origin !== undefined && (setting.includes(origin) || origin === ownOrigin);
}
