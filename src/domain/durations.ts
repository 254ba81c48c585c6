/** Durations and rate limits as written in configuration ("3s", "1d", "2/3s,20/1d"). Pure: no I/O. */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses "<number><s|m|h|d>" into milliseconds, e.g. "90s" → 90000, "3d" → 259200000.
 * @returns null when the text is not such a duration or is not positive
 */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? Math.round(ms) : null;
}

/** At most `points` actions per `durationSeconds`. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

/**
 * Parses "2/3s,20/1d" (points/duration pairs separated by commas) into rate limits, e.g.
 * [{ points: 2, durationSeconds: 3 }, { points: 20, durationSeconds: 86400 }]; "none" → [].
 * @returns null when any pair is malformed (whole seconds only: Redis expiries are in seconds)
 */
export function parseRateLimits(text: string): RateLimit[] | null {
  if (text.trim() === 'none') return [];
  const limits: RateLimit[] = [];
  for (const pair of text.split(',').map((part) => part.trim())) {
    const [points, duration] = pair.split('/');
    const durationMs = parseDurationMs(duration ?? '');
    if (!/^\d+$/.test(points ?? '') || Number(points) < 1 || durationMs === null || durationMs % 1_000 !== 0) return null;
    limits.push({ points: Number(points), durationSeconds: durationMs / 1_000 });
  }
  return limits;
}
