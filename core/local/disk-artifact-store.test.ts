import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeArtifactStoreContract } from '../../test/contracts/artifact-store.contract.js';
import { createDiskArtifactStore, type DiskArtifactStore } from './disk-artifact-store.js';

const BASE_URL = 'http://localhost:3000';

/** What the /downloads route does with a link: split it into key and query, then resolve. */
function resolveUrl(store: DiskArtifactStore, url: string) {
  const parsed = new URL(url);
  const prefix = '/downloads/';
  expect(parsed.origin).toBe(BASE_URL);
  expect(parsed.pathname.startsWith(prefix)).toBe(true);
  const key = decodeURIComponent(parsed.pathname.slice(prefix.length));
  return store.resolveSignedDownload(key, Object.fromEntries(parsed.searchParams));
}

describeArtifactStoreContract('disk artifact store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'disk-artifact-store-'));
  const store = createDiskArtifactStore({ dir, baseUrl: BASE_URL, secret: randomBytes(32) });
  return {
    store,
    async fetchBytes(url) {
      const resolved = resolveUrl(store, url);
      if (resolved === 'expired') return 'expired';
      if (resolved === 'invalid') throw new Error(`link refused: ${url}`);
      return readFile(resolved.path);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('disk artifact store links', () => {
  let dir: string;
  let source: string;
  let clock: Date;
  let store: DiskArtifactStore;
  const key = 'builds/abc-123/combined-python3.13-x86_64.zip';
  const filename = 'combined-python3.13-x86_64.zip';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'disk-artifact-store-'));
    source = join(dir, 'source.zip');
    await writeFile(source, 'zip bytes');
    clock = new Date('2026-03-01T12:00:00Z');
    store = createDiskArtifactStore({ dir: join(dir, 'artifacts'), baseUrl: `${BASE_URL}/`, secret: 'local secret', now: () => clock });
    await store.putFile(key, source, 'application/zip');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const inAnHour = () => new Date(clock.getTime() + 3600_000);

  it('stores the file at <dir>/<key> and serves it under the signed filename', async () => {
    const url = await store.downloadUrl(key, filename, inAnHour());
    expect(url.startsWith(`${BASE_URL}/downloads/${key}?`)).toBe(true);
    const resolved = resolveUrl(store, url);
    expect(resolved).toEqual({ path: join(dir, 'artifacts', key), filename });
    expect(await readFile(join(dir, 'artifacts', key), 'utf8')).toBe('zip bytes');
  });

  it('refuses a tampered signature', async () => {
    const url = new URL(await store.downloadUrl(key, filename, inAnHour()));
    const signature = url.searchParams.get('signature') ?? '';
    url.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    expect(resolveUrl(store, url.toString())).toBe('invalid');
    url.searchParams.set('signature', 'not-hex');
    expect(resolveUrl(store, url.toString())).toBe('invalid');
    url.searchParams.delete('signature');
    expect(resolveUrl(store, url.toString())).toBe('invalid');
  });

  it('refuses a link whose filename, expiry or key was changed', async () => {
    const url = await store.downloadUrl(key, filename, inAnHour());
    const query = Object.fromEntries(new URL(url).searchParams);
    expect(store.resolveSignedDownload(key, { ...query, filename: 'evil.sh' })).toBe('invalid');
    expect(store.resolveSignedDownload(key, { ...query, expires: String(Number(query.expires) + 3600) })).toBe('invalid');
    expect(store.resolveSignedDownload('builds/abc-123/other.zip', query)).toBe('invalid');
  });

  it('refuses a link signed with another secret', async () => {
    const other = createDiskArtifactStore({ dir, baseUrl: BASE_URL, secret: 'another secret', now: () => clock });
    expect(resolveUrl(store, await other.downloadUrl(key, filename, inAnHour()))).toBe('invalid');
  });

  it('serves a link until its expiry and answers expired after it', async () => {
    const expiresAt = inAnHour();
    const url = await store.downloadUrl(key, filename, expiresAt);
    clock = expiresAt;
    expect(resolveUrl(store, url)).toMatchObject({ filename });
    clock = new Date(expiresAt.getTime() + 1000);
    expect(resolveUrl(store, url)).toBe('expired');
  });

  it('refuses keys that could leave the directory', async () => {
    const bad = ['../escape.zip', 'builds/../../escape.zip', '/etc/passwd', 'builds\\x.zip', 'builds//x.zip', './x.zip', ''];
    for (const badKey of bad) {
      await expect(store.putFile(badKey, source, 'application/zip')).rejects.toThrow(/not a relative path/);
      await expect(store.downloadUrl(badKey, filename, inAnHour())).rejects.toThrow(/not a relative path/);
      expect(store.resolveSignedDownload(badKey, { filename, expires: '9999999999', signature: '0'.repeat(64) })).toBe(
        'invalid',
      );
    }
  });

  it('refuses a download filename that is not a plain name', async () => {
    await expect(store.downloadUrl(key, '../x.zip', inAnHour())).rejects.toThrow(/not a plain name/);
    await expect(store.downloadUrl(key, 'a"\r\nSet-Cookie: x', inAnHour())).rejects.toThrow(/not a plain name/);
  });
});
