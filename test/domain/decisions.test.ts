import { describe, expect, it } from 'vitest';
import { appealOutcome, mayAppeal } from '../../src/domain/appeals.js';
import { AUTOMATIC_ACTIONS, planAutomatic, type AutomaticAction } from '../../src/domain/automatic-transitions.js';
import { DECISION_ACTIONS, pictureWasRestored, planDecision, reversesUphold, type DecisionAction } from '../../src/domain/decisions.js';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';

// The whole table, written out by hand: every action from every status.
const expected: Record<DecisionAction, Record<ImageStatus, string | null>> = {
  uphold: { processing: null, visible: 'blocked/upheld', auto_blocked: 'blocked/upheld', blocked: null, removed: null, failed: null },
  restore: {
    processing: null,
    visible: 'visible/dismissed',
    auto_blocked: 'visible/dismissed',
    blocked: 'visible/dismissed',
    removed: null,
    failed: null,
  },
  remove: {
    processing: null,
    visible: 'removed/upheld',
    auto_blocked: 'removed/upheld',
    blocked: 'removed/upheld',
    removed: null,
    failed: 'removed/upheld',
  },
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

// The automatic changes, written out by hand: every action from every status ('=' keeps the status).
const automatic: Record<AutomaticAction, Record<ImageStatus, string | null>> = {
  auto_block: { processing: 'auto_blocked', visible: 'auto_blocked', auto_blocked: null, blocked: null, removed: null, failed: null },
  near_duplicate_block: {
    processing: 'auto_blocked',
    visible: 'auto_blocked',
    auto_blocked: null,
    blocked: null,
    removed: null,
    failed: null,
  },
  suspected_brigade: { processing: '=', visible: '=', auto_blocked: null, blocked: null, removed: null, failed: null },
  review_overdue: { processing: null, visible: null, auto_blocked: '=', blocked: null, removed: null, failed: null },
  overdue_restore: { processing: null, visible: null, auto_blocked: 'visible', blocked: null, removed: null, failed: null },
  processed: { processing: 'visible', visible: null, auto_blocked: null, blocked: null, removed: null, failed: null },
  processing_failed: { processing: 'failed', visible: null, auto_blocked: null, blocked: null, removed: null, failed: null },
};

describe('planAutomatic', () => {
  it.each(AUTOMATIC_ACTIONS.flatMap((action) => IMAGE_STATUSES.map((status) => ({ action, status, result: automatic[action][status] }))))(
    'when imgmod applies $action to a $status image, then the result is $result',
    ({ action, status, result }) => {
      const to = planAutomatic(action, status);
      expect(to === status && result === '=' ? '=' : to).toBe(result);
    },
  );
});

describe('restore rules', () => {
  it.each(
    DECISION_ACTIONS.flatMap((action) =>
      IMAGE_STATUSES.map((status) => ({ action, status, reverses: action === 'restore' && status === 'blocked' })),
    ),
  )('when a moderator decides $action on a $status image, then the uphold is reversed: $reverses', ({ action, status, reverses }) => {
    expect(reversesUphold(action, status)).toBe(reverses);
  });

  it.each([
    { image: false, copies: [], restored: false },
    { image: true, copies: [], restored: true },
    { image: false, copies: [false, true], restored: true },
    { image: false, copies: [false, false], restored: false },
  ])(
    'when the image restored=$image and its copies $copies, then the picture counts as restored: $restored',
    ({ image, copies, restored }) => {
      expect(
        pictureWasRestored(
          { restored: image },
          copies.map((copy) => ({ restored: copy })),
        ),
      ).toBe(restored);
    },
  );
});

describe('appeals', () => {
  it.each(
    IMAGE_STATUSES.flatMap((status) =>
      [false, true].map((already) => ({ status, already, allowed: !already && (status === 'auto_blocked' || status === 'blocked') })),
    ),
  )('when the image is $status and appealed before: $already, then an appeal is allowed: $allowed', ({ status, already, allowed }) => {
    expect(mayAppeal(status, already)).toBe(allowed);
  });

  it.each([
    { action: 'uphold', outcome: 'rejected' },
    { action: 'restore', outcome: 'granted' },
    { action: 'remove', outcome: 'rejected' },
  ] as const)('when a moderator decides $action, then the appeal is $outcome', ({ action, outcome }) => {
    expect(appealOutcome(action)).toBe(outcome);
  });
});
