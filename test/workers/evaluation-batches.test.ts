/**
 * batchEvaluations, the worker's group commit: a lone evaluation runs at once and alone, evaluations asked for
 * while a batch runs form the next batch together, an image asked for twice runs in two batches, and a batch
 * that fails rejects only its own calls.
 */
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/evaluation/evaluate-image.js';
import { runWithRequestId } from '../../src/request-context.js';
import { batchEvaluations } from '../../workers/evaluate-image.processor.js';

const evaluation = (score: number): Evaluation => ({
  score,
  reports: 0,
  byReason: {},
  status: 'visible',
  blocked: false,
  decision: { block: false },
});

/** A fake `run` whose batches end only when the test says so, recording each batch's ids. */
function controlledRun() {
  const batches: string[][] = [];
  const pending: { ids: string[]; settle: (error?: Error) => void }[] = [];
  const run = (ids: string[]) =>
    new Promise<Map<string, Evaluation>>((resolve, reject) => {
      batches.push(ids);
      pending.push({
        ids,
        settle: (error) => (error ? reject(error) : resolve(new Map(ids.map((id, i) => [id, evaluation(i)])))),
      });
    });
  const until = async (count: number) => {
    while (batches.length < count) await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, batches, pending, until };
}

describe('batchEvaluations', () => {
  it('when one evaluation is asked for with none running, then it runs at once in a batch of its own', async () => {
    const { run, batches, pending, until } = controlledRun();
    const evaluate = batchEvaluations(run);
    const answer = evaluate('a');
    await until(1);
    pending[0]!.settle();
    expect(await answer).toEqual(evaluation(0));
    expect(batches).toEqual([['a']]);
  });

  it('when evaluations are asked for while a batch runs, then they wait and run together as the next batch', async () => {
    const { run, batches, pending, until } = controlledRun();
    const evaluate = batchEvaluations(run);
    const first = evaluate('a');
    await until(1);
    const waiting = ['b', 'c', 'd'].map((id) => evaluate(id));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toHaveLength(1);
    pending[0]!.settle();
    await until(2);
    expect(batches[1]).toEqual(['b', 'c', 'd']);
    pending[1]!.settle();
    expect(await first).toEqual(evaluation(0));
    expect(await Promise.all(waiting)).toEqual([evaluation(0), evaluation(1), evaluation(2)]);
  });

  it('when an image is asked for twice, then its second evaluation runs in a later batch', async () => {
    const { run, batches, pending, until } = controlledRun();
    const evaluate = batchEvaluations(run);
    const answers = [evaluate('a'), evaluate('b'), evaluate('a')];
    await until(1);
    expect(batches[0]).toEqual(['a', 'b']);
    pending[0]!.settle();
    await until(2);
    expect(batches[1]).toEqual(['a']);
    pending[1]!.settle();
    await Promise.all(answers);
  });

  it('when a batch fails, then its calls reject with its error and the next batch still runs', async () => {
    const { run, batches, pending, until } = controlledRun();
    const evaluate = batchEvaluations(run);
    const failing = evaluate('a');
    await until(1);
    const next = evaluate('b');
    pending[0]!.settle(new Error('database down'));
    await expect(failing).rejects.toThrow('database down');
    await until(2);
    pending[1]!.settle();
    expect(await next).toEqual(evaluation(0));
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('when a batch answers an image with a promise (evaluated on its own), then its call settles with it and the next batch does not wait', async () => {
    let finishAlone: (evaluation: Evaluation) => void = () => undefined;
    const alone = new Promise<Evaluation>((resolve) => (finishAlone = resolve));
    const batches: string[][] = [];
    const evaluate = batchEvaluations((ids) => {
      batches.push(ids);
      return Promise.resolve(new Map(ids.map((id) => [id, id === 'locked' ? alone : evaluation(1)])));
    });
    const locked = evaluate('locked');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await evaluate('other')).toEqual(evaluation(1));
    expect(batches).toEqual([['locked'], ['other']]);
    finishAlone(evaluation(2));
    expect(await locked).toEqual(evaluation(2));
  });

  it('when a batch answers without one of its ids, then that call rejects instead of resolving empty', async () => {
    const evaluate = batchEvaluations(() => Promise.resolve(new Map<string, Evaluation>()));
    await expect(evaluate('a')).rejects.toThrow('did not evaluate image a');
  });

  it("when the calls of one batch were made for different requests, then the batch is told each image's request", async () => {
    const seen: Record<string, string | null> = {};
    const evaluate = batchEvaluations((ids, requestIdOf) => {
      for (const id of ids) seen[id] = requestIdOf(id);
      return Promise.resolve(new Map(ids.map((id) => [id, evaluation(0)])));
    });
    await Promise.all([
      runWithRequestId('request-a', () => evaluate('a')),
      runWithRequestId('request-b', () => evaluate('b')),
      runWithRequestId(null, () => evaluate('c')),
    ]);
    expect(seen).toEqual({ a: 'request-a', b: 'request-b', c: null });
  });
});
