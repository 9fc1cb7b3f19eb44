import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArtifactStore } from '../ports.js';

export interface S3ArtifactStoreOptions {
  client: S3Client;
  bucket: string;
  /** Encryption asked of S3 for each object; `false` leaves it to the bucket's default. */
  serverSideEncryption?: ServerSideEncryption | false;
  /** Clock the link lifetimes are measured from; defaults to the system clock. */
  now?: () => Date;
}

/** S3 refuses presigned URLs valid for longer than seven days. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

const KEY_SEGMENT = /^[A-Za-z0-9._+-]+$/;
const PUT_ATTEMPTS = 3;
const TRANSIENT_NAMES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * ArtifactStore on a private S3 bucket. `putFile` streams the file in one PutObject with
 * its length and type, encrypted with SSE-S3 unless told otherwise, and tries again from
 * a fresh stream (three attempts in all) when S3 or the network fails transiently.
 * `downloadUrl` presigns a GET that saves the object as `filename` and works until
 * `expiresAt` but not after, and never longer than S3's seven days (a link asked to
 * outlive that stops early); a link for a past `expiresAt` is signed already expired.
 * Keys are relative paths of plain segments and filenames plain names, as for the disk
 * store. Links carry the client's credentials: temporary ones end the link when they do.
 */
export function createS3ArtifactStore(options: S3ArtifactStoreOptions): ArtifactStore {
  const { client, bucket } = options;
  const encryption = options.serverSideEncryption ?? 'AES256';
  const now = options.now ?? (() => new Date());

  return {
    async putFile(key, path, contentType) {
      checkKey(key);
      const { size } = await stat(path);
      for (let attempt = 1; ; attempt++) {
        const body = createReadStream(path);
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: body,
              ContentLength: size,
              ContentType: contentType,
              ...(encryption === false ? {} : { ServerSideEncryption: encryption }),
            }),
          );
          return;
        } catch (error) {
          // The SDK does not retry a request whose body is a stream: retry here, from a
          // fresh stream, when S3 or the network failed transiently.
          if (attempt >= PUT_ATTEMPTS || !isTransient(error)) throw error;
        } finally {
          body.destroy();
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
      }
    },

    async downloadUrl(key, filename, expiresAt) {
      checkKey(key);
      if (!isPlainFilename(filename)) throw new Error(`download filename ${JSON.stringify(filename)} is not a plain name`);
      const { signingDate, expiresIn } = linkWindow(now(), expiresAt);
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${filename}"`,
      });
      return getSignedUrl(client, command, { signingDate, expiresIn });
    },
  };
}

/**
 * A presigned URL is valid from X-Amz-Date (whole seconds) for X-Amz-Expires seconds
 * (1 to 7 days). Signing at `now` rounded down, for the whole seconds left until
 * `expiresAt`, never ends later than `expiresAt`; when less than a second is left, the
 * one-second link is signed to end at `expiresAt`, in the past if that is.
 */
export function linkWindow(now: Date, expiresAt: Date): { signingDate: Date; expiresIn: number } {
  const signedAt = Math.floor(now.getTime() / 1000) * 1000;
  const secondsLeft = Math.floor((expiresAt.getTime() - signedAt) / 1000);
  if (secondsLeft >= 1) {
    return { signingDate: new Date(signedAt), expiresIn: Math.min(secondsLeft, MAX_LINK_SECONDS) };
  }
  return { signingDate: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000 - 1000), expiresIn: 1 };
}

function checkKey(key: string): void {
  const valid = key.split('/').every((segment) => KEY_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
  if (!valid) throw new Error(`artifact key ${JSON.stringify(key)} is not a relative path of plain segments`);
}

/** No path separators, quotes or control characters: the name ends up in a Content-Disposition header. */
function isPlainFilename(filename: string): boolean {
  return filename.length > 0 && filename.length <= 255 && !/[/\\\u0000-\u001f\u007f"]/.test(filename);
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { $metadata, code } = error as { $metadata?: { httpStatusCode?: number }; code?: string };
  const status = $metadata?.httpStatusCode;
  return (
    (status !== undefined && (status >= 500 || status === 429)) ||
    TRANSIENT_NAMES.has(error.name) ||
    (code !== undefined && TRANSIENT_CODES.has(code))
  );
}
