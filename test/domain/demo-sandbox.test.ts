import { describe, expect, it } from 'vitest';
import { countsAcrossCopies, DEMO_UPLOADER, demoReaderMayReport, demoReaderNetworkLabel } from '../../src/domain/demo-sandbox.js';

describe('demo sandbox', () => {
  it.each([
    { reporter: 'demo:ana', uploader: DEMO_UPLOADER, allowed: true },
    { reporter: 'demo:ana', uploader: 'alice', allowed: false },
    { reporter: 'news:42', uploader: DEMO_UPLOADER, allowed: true },
    { reporter: 'news:42', uploader: 'alice', allowed: true },
    { reporter: 'democrat', uploader: 'alice', allowed: true },
  ])('when $reporter reports an image of $uploader, then allowed is $allowed', ({ reporter, uploader, allowed }) => {
    expect(demoReaderMayReport(reporter, uploader)).toBe(allowed);
  });

  it.each([
    { image: DEMO_UPLOADER, copy: DEMO_UPLOADER, counts: true },
    { image: DEMO_UPLOADER, copy: 'alice', counts: false },
    { image: 'alice', copy: DEMO_UPLOADER, counts: false },
    { image: 'alice', copy: 'bob', counts: true },
  ])('when an image of $image has a copy by $copy, then its reports count: $counts', ({ image, copy, counts }) => {
    expect(countsAcrossCopies(image, copy)).toBe(counts);
  });

  it('when demo readers report from one browser, then each stands for a network of its own', () => {
    expect(demoReaderNetworkLabel('demo:ana')).not.toBe(demoReaderNetworkLabel('demo:ben'));
    expect(demoReaderNetworkLabel('news:ana')).toBeNull();
  });
});
