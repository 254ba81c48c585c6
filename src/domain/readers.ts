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
 * How far a report's reader is trusted by the auto-block decision (domain/threshold.ts), fixed when the report
 * is made: `proven` (isProven in domain/trust.ts), else `low_trust` (isLowTrust), otherwise `ordinary`.
 * A proven record outranks the kind of reader: a regular of an anonymous site whose reports moderators upheld
 * three times while the pictures were still up has shown what an account age could only suggest (their report
 * still weighs at most ANONYMOUS_REPORT_WEIGHT).
 */
export const REPORTER_STANDINGS = ['proven', 'ordinary', 'low_trust'] as const;
export type ReporterStanding = (typeof REPORTER_STANDINGS)[number];

/** The standing of a reader from the two tests; a proven record wins. */
export function reporterStanding(reader: { lowTrust: boolean; proven: boolean }): ReporterStanding {
  if (reader.proven) return 'proven';
  return reader.lowTrust ? 'low_trust' : 'ordinary';
}

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

/**
 * What a report's weight was made from, stored with the report (`reports.weighing`) so that a policy replay can
 * weigh it again under other settings with the same function.
 */
export interface Weighing {
  role: 'reader' | 'moderator';
  kind: ReaderKind;
  /** reportWeight of the reader's track record when the report was made (domain/trust.ts). */
  trustWeight: number;
  /** The reader's earlier report on this picture was dismissed within REFLAG_COOLDOWN_HOURS. */
  cooldown: boolean;
  /** Another anonymous report of the same identity network already counts on the image. */
  networkAlreadyCounted: boolean;
  /** A signed account younger than NEW_ACCOUNT_AGE. */
  newAccount: boolean;
}

/** The weight settings a replay may change: ANONYMOUS_REPORT_WEIGHT and NEW_ACCOUNT_REPORT_WEIGHT. */
export interface WeightSettings {
  anonymousWeight: number;
  newAccountWeight: number;
}

/**
 * The weight of one report: a moderator's weighs 1 (it blocks through its role); a reader back within the
 * re-flag cooldown weighs 0 (a restore is not undone by the same readers); otherwise readerReportWeight.
 */
export function weighReport(weighing: Weighing, settings: WeightSettings): number {
  if (weighing.role === 'moderator') return 1;
  if (weighing.cooldown) return 0;
  return readerReportWeight({
    kind: weighing.kind,
    trustWeight: weighing.trustWeight,
    anonymousWeight: settings.anonymousWeight,
    networkAlreadyCounted: weighing.networkAlreadyCounted,
    newAccount: weighing.newAccount,
    newAccountWeight: settings.newAccountWeight,
  });
}

/**
 * True when the reader had a report dismissed within the cooldown on this picture: the image itself or one of
 * its near-duplicates (a copy uploaded after a restore is the same picture).
 */
export function inReflagCooldown(dismissedImageIds: readonly string[], imageId: string, copyIds: readonly string[]): boolean {
  return dismissedImageIds.includes(imageId) || copyIds.some((id) => dismissedImageIds.includes(id));
}
