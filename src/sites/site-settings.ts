/** The shape of a site's settings as an admin sends them (HTTP API and CLI), validated with zod. */
import { z } from 'zod';
import { REPORT_REASONS } from '../domain/reports.js';
import { RESERVED_SITE_IDS, SITE_ID_PATTERN, SITE_STATUSES } from '../domain/sites.js';

/** A browser origin: scheme://host[:port], nothing after it. */
export const originSchema = z
  .string()
  .refine((value) => URL.canParse(value) && new URL(value).origin === value && /^https?:$/.test(new URL(value).protocol), {
    message: 'an origin: http(s)://host[:port], without a path or trailing slash',
  });

export const siteIdSchema = z
  .string()
  .regex(SITE_ID_PATTERN, 'lower-case letters, digits and dashes, 1–40 characters')
  .refine((id) => !RESERVED_SITE_IDS.includes(id), `${RESERVED_SITE_IDS.join(', ')} are reserved site ids`);

/** One reader key: an HS256 secret (32+ characters), or a JWKS URL with the algorithms it may use. */
export const readerKeySchema = z.union([
  z.strictObject({ secret: z.string().min(32).max(512) }),
  z.strictObject({
    jwksUrl: z.url({ protocol: /^https?$/ }),
    algorithms: z
      .array(z.enum(['RS256', 'ES256']))
      .min(1)
      .optional(),
  }),
]);

/** Threshold overrides: positive numbers; clamped to the policy's bounds when applied (domain/sites.ts). */
export const thresholdsSchema = z.strictObject({
  autoBlockThreshold: z.number().positive().max(1000).optional(),
  reasonThresholds: z.partialRecord(z.enum(REPORT_REASONS), z.number().positive().max(1000)).optional(),
});

/** Every setting an admin may change; each optional (an update changes only what it names). */
export const siteSettingsSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  allowedOrigins: z.array(originSchema).max(50).optional(),
  issuer: z.string().min(1).max(500).nullable().optional(),
  audience: z.string().min(1).max(200).optional(),
  readerKeys: z.array(readerKeySchema).max(5).optional(),
  anonymousReports: z.enum(['on', 'off']).optional(),
  thresholds: thresholdsSchema.optional(),
  shareBlocklist: z.boolean().optional(),
  poolReportsAcrossSites: z.boolean().optional(),
  status: z.enum(SITE_STATUSES).optional(),
});
export type SiteSettingsInput = z.infer<typeof siteSettingsSchema>;

/** A new site: its id and name, and any other settings. */
export const newSiteSchema = siteSettingsSchema.extend({ id: siteIdSchema, name: z.string().trim().min(1).max(200) });
export type NewSiteInput = z.infer<typeof newSiteSchema>;
