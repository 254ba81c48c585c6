import { describe, expect, it } from 'vitest';
import { DECISION_ACTIONS, planDecision, type DecisionAction } from '../../src/domain/decisions.js';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';

// The whole table, written out by hand: every action from every status.
const expected: Record<DecisionAction, Record<ImageStatus, string | null>> = {
  uphold: { processing: null, visible: 'blocked/upheld', auto_blocked: 'blocked/upheld', blocked: null, removed: null, failed: null },
  restore: { processing: null, visible: 'visible/dismissed', auto_blocked: 'visible/dismissed', blocked: 'visible/dismissed', removed: null, failed: null },
  remove: { processing: null, visible: 'removed/upheld', auto_blocked: 'removed/upheld', blocked: 'removed/upheld', removed: null, failed: 'removed/upheld' },
};

describe('planDecision', () => {
  it.each(DECISION_ACTIONS.flatMap((action) => IMAGE_STATUSES.map((status) => ({ action, status, result: expected[action][status] }))))(
    'when a moderator decides $action on a $status image, then the result is $result',
    ({ action, status, result }) => {
      const plan = planDecision(action, status);
      expect(plan ? `${plan.to}/${plan.reportOutcome}` : null).toBe(result);
    },
  );
});
