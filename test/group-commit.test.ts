/** groupCommit beyond what the evaluation batches test: the batch size cap and a very long line of waiting calls. */
import { describe, expect, it } from 'vitest';
import { groupCommit } from '../src/group-commit.js';

describe('groupCommit', () => {
  it('when more calls wait than maxBatch, then they run in batches of at most maxBatch, in the order asked', async () => {
    const batches: number[][] = [];
    const run = groupCommit<number, number>({
      keyOf: String,
      maxBatch: 3,
      run: (calls) => {
        batches.push(calls.map((call) => call.item));
        return Promise.resolve(calls.map((call) => call.item * 2));
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(run))).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('when 200,000 calls wait at once, then they run in batches of maxBatch and every one is answered', async () => {
    let batches = 0;
    const run = groupCommit<number, number>({
      keyOf: String,
      maxBatch: 1_000,
      run: (calls) => {
        batches++;
        return Promise.resolve(calls.map(() => batches));
      },
    });
    const answers = await Promise.all(Array.from({ length: 200_000 }, (_, i) => run(i)));
    expect([answers[0], answers[999], answers[1_000], answers[199_999]]).toEqual([1, 1, 2, 200]);
  });
});
