import { describe, expect, it } from 'vitest';
import { claimBuild, completeArchitecture, failArchitecture, failBuild, newBuildRecord, startArchitecture } from './build-record.js';
import { buildRequestSchema } from './schemas.js';

const now = new Date('2026-12-03T12:00:00Z');
const record = () =>
  newBuildRecord({
    buildId: 'b1',
    request: buildRequestSchema.parse({ requirements: 'x', python_version: '3.13', architectures: ['x86_64', 'arm64'] }),
    requestKey: 'k',
    now,
    ttlSeconds: 3600,
  });
const result = { files: [], report: undefined as never };


describe('build state machine', () => {
  it('starts QUEUED with one entry per architecture and the seed expiry in seconds', () => {
    const r = record();
    expect(r.status).toBe('QUEUED');
    expect(Object.keys(r.arches)).toEqual(['x86_64', 'arm64']);
    expect(r.expires_at).toBe(Date.parse('2026-12-03T13:00:00Z') / 1000);
  });

  it('is claimed once', () => {
    const claimed = claimBuild(record(), now)!;
    expect(claimed.status).toBe('PROCESSING');
    expect(claimBuild(claimed, now)).toBeUndefined();
  });

  it('completes only when every architecture has finished', () => {
    let r = claimBuild(record(), now)!;
    r = startArchitecture(r, 'x86_64', now);
    r = completeArchitecture(r, 'x86_64', result, now);
    expect(r.status).toBe('PROCESSING');
    r = completeArchitecture(r, 'arm64', result, now);
    expect(r.status).toBe('COMPLETED');
    expect(r.completed_at).toBe(now.toISOString());
  });

  it('fails on the first failure and keeps its message', () => {
    let r = claimBuild(record(), now)!;
    r = completeArchitecture(r, 'x86_64', result, now);
    r = failArchitecture(r, 'arm64', 'pkg has no arm64 wheel', now);
    expect(r.status).toBe('FAILED');
    expect(r.error_message).toBe('arm64: pkg has no arm64 wheel');
    expect(r.arches.x86_64!.status).toBe('COMPLETED');
    r = failBuild(r, 'later', now);
    expect(r.error_message).toBe('arm64: pkg has no arm64 wheel');
  });
});
