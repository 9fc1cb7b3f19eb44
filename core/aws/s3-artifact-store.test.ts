import { describe, expect, it } from 'vitest';
import { linkWindow, MAX_LINK_SECONDS } from './s3-artifact-store.js';

describe('presigned link window', () => {
  const now = new Date('2026-03-01T12:00:00.700Z');
  const endOf = ({ signingDate, expiresIn }: { signingDate: Date; expiresIn: number }) =>
    new Date(signingDate.getTime() + expiresIn * 1000);

  it('signs at the current whole second for the whole seconds left', () => {
    const window = linkWindow(now, new Date('2026-03-01T13:00:00.300Z'));
    expect(window).toEqual({ signingDate: new Date('2026-03-01T12:00:00Z'), expiresIn: 3600 });
  });

  it('never ends after the expiry asked for', () => {
    for (const ms of [1_000, 1_299, 1_300, 1_301, 59_999, 3_600_000, 86_400_123]) {
      const expiresAt = new Date(now.getTime() + ms);
      const window = linkWindow(now, expiresAt);
      expect(window.expiresIn).toBeGreaterThanOrEqual(1);
      expect(endOf(window).getTime()).toBeLessThanOrEqual(expiresAt.getTime());
    }
  });

  it('caps the lifetime at seven days', () => {
    expect(linkWindow(now, new Date(now.getTime() + 30 * 86_400_000)).expiresIn).toBe(MAX_LINK_SECONDS);
  });

  it('signs a link that has already ended for an expiry in the past or within the second', () => {
    for (const expiresAt of [new Date(now.getTime() - 60_000), new Date(now.getTime() + 200), now]) {
      const window = linkWindow(now, expiresAt);
      expect(window.expiresIn).toBe(1);
      expect(endOf(window).getTime()).toBeLessThanOrEqual(expiresAt.getTime());
    }
  });
});
