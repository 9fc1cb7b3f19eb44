import { describe, expect, it } from 'vitest';
import { resolveApiUrl } from './site-api.js';

describe('resolveApiUrl', () => {
  it('uses the page origin when empty, and resolves relative or absolute URLs without a trailing slash', () => {
    expect(resolveApiUrl('', 'http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(resolveApiUrl('/api/', 'https://me.github.io/layers/')).toBe('https://me.github.io/api');
    expect(resolveApiUrl(' https://abc.execute-api.eu-west-1.amazonaws.com/ ', 'https://me.github.io/layers/')).toBe('https://abc.execute-api.eu-west-1.amazonaws.com');
  });
});
