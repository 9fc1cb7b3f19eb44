import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LogStore } from '../ports.js';
import { ARCHITECTURES, type Architecture } from '../runtime-catalog.js';

export interface S3LogStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of all logs; defaults to `logs/`. */
  prefix?: string;
}

const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * LogStore on S3: each architecture's log is one object, `<prefix><build id>/<arch>.log`
 * (text/plain, UTF-8), replaced whole on every write since S3 cannot append. A log never
 * written reads as absent. The reader needs s3:ListBucket on the prefix: without it S3
 * answers a missing key with AccessDenied, which propagates. Ids outside
 * `[A-Za-z0-9-]{1,64}` have no logs.
 */
export function createS3LogStore(options: S3LogStoreOptions): LogStore {
  const { client, bucket } = options;
  const prefix = options.prefix ?? 'logs/';
  const keyOf = (buildId: string, arch: Architecture) => `${prefix}${buildId}/${arch}.log`;

  async function readLog(buildId: string, arch: Architecture): Promise<string | undefined> {
    try {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(buildId, arch) }));
      return Body ? await Body.transformToString('utf-8') : '';
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    async write(buildId, arch, text) {
      if (!BUILD_ID.test(buildId)) throw new Error(`build id ${JSON.stringify(buildId)} is not [A-Za-z0-9-]{1,64}`);
      if (!ARCHITECTURES.includes(arch)) throw new Error(`architecture ${JSON.stringify(arch)} is not known`);
      const body = Buffer.from(text, 'utf8');
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keyOf(buildId, arch),
          Body: body,
          ContentLength: body.length,
          ContentType: 'text/plain; charset=utf-8',
        }),
      );
    },

    async read(buildId) {
      const logs: Partial<Record<Architecture, string>> = {};
      if (!BUILD_ID.test(buildId)) return logs;
      const texts = await Promise.all(ARCHITECTURES.map((arch) => readLog(buildId, arch)));
      ARCHITECTURES.forEach((arch, i) => {
        const text = texts[i];
        if (text !== undefined) logs[arch] = text;
      });
      return logs;
    },
  };
}

function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || (error.name === 'NotFound' && status === 404);
}
