/**
 * Prints a bearer token for local use: `npm run token -- --sub alice [--role moderator] [--expires 12h]`.
 * Signs with JWT_SECRET from the environment (or the development default).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { ROLES, signToken, type Role } from '../src/auth/tokens.js';

const { values } = parseArgs({
  options: { sub: { type: 'string' }, role: { type: 'string', default: 'reader' }, expires: { type: 'string', default: '12h' } },
});
if (!values.sub || !ROLES.includes(values.role as Role)) {
  console.error(`usage: npm run token -- --sub <user id> [--role ${ROLES.join('|')}] [--expires 12h]`);
  process.exit(2);
}
console.log(await signToken(loadConfig().JWT_SECRET, { sub: values.sub, role: values.role as Role, expiresIn: values.expires }));
