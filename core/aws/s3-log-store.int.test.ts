import { randomUUID } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeLogStoreContract } from '../../test/contracts/log-store.contract.js';
import { createS3Client, createTestBucket, startS3rver, type Emulator } from '../../test/emulators.js';
import { createS3LogStore } from './s3-log-store.js';

let s3rver: Emulator;
let client: S3Client;

beforeAll(async () => {
  s3rver = await startS3rver();
  client = createS3Client(s3rver.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3rver?.stop();
});

describeLogStoreContract('S3 log store on s3rver', async () => {
  const bucket = await createTestBucket(client);
  // The bucket's objects go with s3rver's directory when the file's server stops.
  return { store: createS3LogStore({ client, bucket }), cleanup: async () => {} };
});

describe('S3 log store', () => {
  let bucket: string;

  beforeEach(async () => {
    bucket = await createTestBucket(client);
  });

  const object = (key: string) => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));

  it('keeps each log as a text/plain object at logs/<build id>/<arch>.log', async () => {
    const id = randomUUID();
    await createS3LogStore({ client, bucket }).write(id, 'arm64', 'Collecting numpy\n');
    const stored = await object(`logs/${id}/arm64.log`);
    expect(stored.ContentType).toMatch(/^text\/plain/);
    expect(await stored.Body?.transformToString()).toBe('Collecting numpy\n');
  });

  it('writes under the prefix it is given and reads only from there', async () => {
    const id = randomUUID();
    const prefixed = createS3LogStore({ client, bucket, prefix: 'build-logs/' });
    await prefixed.write(id, 'x86_64', 'hello');
    expect(await (await object(`build-logs/${id}/x86_64.log`)).Body?.transformToString()).toBe('hello');
    expect(await prefixed.read(id)).toEqual({ x86_64: 'hello' });
    expect(await createS3LogStore({ client, bucket }).read(id)).toEqual({});
  });

  it('reads no logs for ids that are not build ids and refuses to write them', async () => {
    const store = createS3LogStore({ client, bucket });
    expect(await store.read('../other')).toEqual({});
    await expect(store.write('a/b', 'x86_64', 'x')).rejects.toThrow(/not \[A-Za-z0-9-\]/);
  });

  it('propagates errors other than a missing log', async () => {
    const store = createS3LogStore({ client, bucket: `missing-${randomUUID()}` });
    await expect(store.read(randomUUID())).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});
