import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.js';

describe('formatBytes', () => {
  it('shows bytes whole and larger sizes with one decimal under 100', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MB');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MB');
  });
});

describe('formatDuration', () => {
  it('counts seconds, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(9_400)).toBe('9 s');
    expect(formatDuration(75_000)).toBe('1 min 15 s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(-5)).toBe('0 s');
  });
});
