/** The error catalogue: one definition of every code, and front ends that only handle codes it defines. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../src/errors.js';

const FRONT_ENDS = ['public/widget.js', 'public/moderate.js'];

describe('the error catalogue', () => {
  it.each(Object.keys(ERROR_CATALOGUE) as ErrorCode[])(
    "when an AppError %s is made, then its status is the catalogue's and its default message the meaning",
    (code) => {
      const error = new AppError({ code });
      expect(error.httpStatus).toBe(ERROR_CATALOGUE[code].httpStatus);
      expect(error.message).toBe(ERROR_CATALOGUE[code].meaning);
    },
  );

  it('when a code is a 503 or 429, then it tells clients how long to wait', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      if (spec.httpStatus === 503 || spec.httpStatus === 429)
        expect({ code, retryAfterSeconds: 'retryAfterSeconds' in spec }).toEqual({ code, retryAfterSeconds: true });
    }
  });

  it.each(FRONT_ENDS)('when %s matches an error code, then the code is in the catalogue', async (file) => {
    const source = await readFile(new URL(`../${file}`, import.meta.url), 'utf8');
    const handled = [...source.matchAll(/code\s*[!=]==\s*'([a-z_]+)'/g)].map((match) => match[1]!);
    expect(handled.length).toBeGreaterThan(0);
    for (const code of handled) expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
  });
});
