/** Structured JSON logs (pino): one logger per process, children per component. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger at the given level ('silent' in tests that do not want output). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'imgmod' } });
}
