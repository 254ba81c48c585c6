/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"): the headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, which holds `v1,<base64 HMAC-SHA256>` of
 * `<id>.<timestamp>.<body>` for each secret, separated by spaces, so a receiver that knows either of two secrets
 * (a rotation) verifies the message. Secrets are `whsec_` followed by the base64 of the key bytes.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
/** Key length of a new secret, in bytes: the spec asks for 24 to 64; 32 is SHA-256's block-size half and Svix's choice. */
const SECRET_BYTES = 32;

/** A new random signing secret, `whsec_<base64 of 32 bytes>`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** True for a secret in the `whsec_<base64>` form with 24 to 64 key bytes. */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const body = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return false;
  const bytes = Buffer.from(body, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * The `webhook-signature` header value for one message: one `v1,<signature>` per secret.
 * @param message.timestampSeconds the `webhook-timestamp` value (Unix time, seconds)
 * @param message.body the exact bytes sent as the request body
 */
export function signWebhook(message: { id: string; timestampSeconds: number; body: string; secrets: readonly string[] }): string {
  const signed = `${message.id}.${message.timestampSeconds}.${message.body}`;
  return message.secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
      return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers of one attempt, signed now. */
export function webhookHeaders(message: { id: string; body: string; secrets: readonly string[]; now?: Date }): Record<string, string> {
  const timestampSeconds = Math.floor((message.now ?? new Date()).getTime() / 1000);
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook({ id: message.id, timestampSeconds, body: message.body, secrets: message.secrets }),
  };
}
