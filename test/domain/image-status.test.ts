import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, isBlocked, isReportable, isServable, type ImageStatus } from '../../src/domain/image-status.js';

const expected: Record<ImageStatus, { servable: boolean; blocked: boolean; reportable: boolean }> = {
  processing: { servable: false, blocked: false, reportable: true },
  visible: { servable: true, blocked: false, reportable: true },
  auto_blocked: { servable: false, blocked: true, reportable: true },
  blocked: { servable: false, blocked: true, reportable: true },
  removed: { servable: false, blocked: true, reportable: false },
  failed: { servable: false, blocked: false, reportable: false },
};

describe('image status rules', () => {
  it.each(IMAGE_STATUSES)('when the status is %s, then serving, blocking and reporting follow the table', (status) => {
    expect({ servable: isServable(status), blocked: isBlocked(status), reportable: isReportable(status) }).toEqual(expected[status]);
  });
});
