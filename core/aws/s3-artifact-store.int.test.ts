import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeArtifactStoreContract } from '../../test/contracts/artifact-store.contract.js';
import { createS3Client, createTestBucket, startS3rver, type Emulator } from '../../test/emulators.js';
import { createS3ArtifactStore, MAX_LINK_SECONDS } from './s3-artifact-store.js';

let s3rver: Emulator;
let client: S3Client;
let sources: string;

beforeAll(async () => {
  s3rver = await startS3rver();
  client = createS3Client(s3rver.endpoint);
  sources = await mkdtemp(join(tmpdir(), 's3-artifact-sources-'));
});
afterAll(async () => {
  client?.destroy();
  await s3rver?.stop();
  if (sources) await rm(sources, { recursive: true, force: true });
});

/** What a browser does with a presigned link: a plain GET, no SDK, no credentials. */
async function download(url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(10_000) });
}

describeArtifactStoreContract('S3 artifact store on s3rver', async () => {
  const bucket = await createTestBucket(client);
  return {
    store: createS3ArtifactStore({ client, bucket }),
    async fetchBytes(url) {
      const response = await download(url);
      const body = Buffer.from(await response.arrayBuffer());
      if (response.ok) return body;
      const text = body.toString('utf8');
      if (response.status === 403 && text.includes('AccessDenied') && text.includes('Request has expired')) return 'expired';
      throw new Error(`GET ${url} answered ${response.status}: ${text}`);
    },
    // The bucket's objects go with s3rver's directory when the file's server stops.
    cleanup: async () => {},
  };
});

describe('S3 artifact store', () => {
  let bucket: string;
  let source: string;
  const bytes = randomBytes(100_000);
  const key = 'builds/abc-123/combined-python3.13-x86_64.zip';
  const filename = 'combined-python3.13-x86_64.zip';

  beforeEach(async () => {
    bucket = await createTestBucket(client);
    source = join(sources, randomUUID());
    await writeFile(source, bytes);
  });

  it('serves the exact bytes as an attachment under the filename of the link', async () => {
    const store = createS3ArtifactStore({ client, bucket });
    await store.putFile(key, source, 'application/zip');
    const response = await download(await store.downloadUrl(key, filename, new Date(Date.now() + 3600_000)));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${filename}"`);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('streams the file with its length, type and SSE-S3 encryption', async () => {
    const sent: Record<string, string | undefined>[] = [];
    const spied = createS3Client(s3rver.endpoint);
    spied.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        sent.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHeaders' },
    );
    try {
      await createS3ArtifactStore({ client: spied, bucket }).putFile(key, source, 'application/zip');
      await createS3ArtifactStore({ client: spied, bucket, serverSideEncryption: false }).putFile(
        'builds/abc-123/other.zip',
        source,
        'application/zip',
      );
    } finally {
      spied.destroy();
    }
    expect(sent[0]).toMatchObject({
      'content-length': String(bytes.length),
      'content-type': 'application/zip',
      'x-amz-server-side-encryption': 'AES256',
    });
    expect(sent[1]).not.toHaveProperty('x-amz-server-side-encryption');
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentLength).toBe(bytes.length);
  });

  it('signs a link for the time left until expiry, from the store clock', async () => {
    const clock = new Date('2026-03-01T12:00:00.400Z');
    const store = createS3ArtifactStore({ client, bucket, now: () => clock });
    const url = new URL(await store.downloadUrl(key, filename, new Date('2026-03-01T13:00:00Z')));
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T120000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('response-content-disposition')).toBe(`attachment; filename="${filename}"`);
  });

  it('never signs a link for longer than seven days', async () => {
    const store = createS3ArtifactStore({ client, bucket });
    await store.putFile(key, source, 'application/zip');
    const url = await store.downloadUrl(key, filename, new Date(Date.now() + 30 * 24 * 3600_000));
    expect(Number(new URL(url).searchParams.get('X-Amz-Expires'))).toBe(MAX_LINK_SECONDS);
    expect(MAX_LINK_SECONDS).toBe(604800);
    expect((await download(url)).status).toBe(200);
  });

  it('signs a link for a past expiry that S3 refuses as expired', async () => {
    const store = createS3ArtifactStore({ client, bucket });
    await store.putFile(key, source, 'application/zip');
    const url = await store.downloadUrl(key, filename, new Date(Date.now() - 1000));
    const response = await download(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
  });

  it('refuses keys that are not plain relative paths and filenames that could break the header', async () => {
    const store = createS3ArtifactStore({ client, bucket });
    const inAnHour = new Date(Date.now() + 3600_000);
    for (const bad of ['../escape.zip', '/abs.zip', 'builds//x.zip', 'builds\\x.zip', '']) {
      await expect(store.putFile(bad, source, 'application/zip')).rejects.toThrow(/not a relative path/);
      await expect(store.downloadUrl(bad, filename, inAnHour)).rejects.toThrow(/not a relative path/);
    }
    for (const bad of ['a"b.zip', 'x\r\nSet-Cookie: y', '../x.zip', '']) {
      await expect(store.downloadUrl(key, bad, inAnHour)).rejects.toThrow(/not a plain name/);
    }
  });

  it('uploads again from a fresh stream when S3 fails after reading the body', async () => {
    let failures = 1;
    const flaky = createS3Client(s3rver.endpoint);
    // Below the SDK's retry step, after the request (and its body) went out.
    flaky.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (failures-- > 0) {
          throw new S3ServiceException({
            name: 'ServiceUnavailable',
            message: 'Please reduce your request rate.',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
          });
        }
        return result;
      },
      { step: 'deserialize', name: 'failOnce' },
    );
    const store = createS3ArtifactStore({ client: flaky, bucket });
    try {
      await store.putFile(key, source, 'application/zip');
      expect(failures).toBe(-1);
      const response = await download(await store.downloadUrl(key, filename, new Date(Date.now() + 60_000)));
      expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
    } finally {
      flaky.destroy();
    }
  });

  it('propagates a failed upload, e.g. to a bucket that does not exist', async () => {
    const store = createS3ArtifactStore({ client, bucket: `missing-${randomUUID()}` });
    await expect(store.putFile(key, source, 'application/zip')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});
