import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent, lambdaContext } from '../test/lambda-events.js';
import { bundleLambda, PROJECT_ROOT } from './lambda-bundle.js';

let dir: string;
beforeAll(async () => {
  // Inside the project, so the bundle finds the AWS SDK in node_modules as it finds it in the runtime.
  dir = await mkdtemp(join(PROJECT_ROOT, 'node_modules', '.bundle-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Lambda bundles', () => {
  it('bundle the API small, without the AWS SDK the runtime provides', async () => {
    const bundle = await bundleLambda('api/lambda.ts');
    expect(bundle.bytes).toBeLessThan(500 * 1024);
    expect(bundle.code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(bundle.composition.map((c) => c.name)).not.toContain('@aws-sdk/client-dynamodb');
  });

  it('run as bundled: health, and zod messages in English after dropping the other locales', async () => {
    const bundle = await bundleLambda('api/lambda.ts');
    const file = join(dir, 'api.mjs');
    await writeFile(file, bundle.code);
    Object.assign(process.env, { TABLE_NAME: 't', BUCKET_NAME: 'b', QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/q', AWS_REGION: 'eu-central-1' });
    const { handler } = (await import(pathToFileURL(file).href)) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string }> };
    const health = await handler(httpApiEvent('GET', '/health'), lambdaContext);
    expect(health.statusCode).toBe(200);
    const body = { requirements: 1, python_version: '3.9', slim: 'yes' };
    const bad = await handler(httpApiEvent('POST', '/builds', { body: JSON.stringify(body) }), lambdaContext);
    expect(bad.statusCode).toBe(400);
    const details = JSON.parse(bad.body).details as Array<{ field: string; message: string }>;
    expect(details).toContainEqual({ field: 'requirements', message: 'requirements must be the text of a requirements.txt' });
    expect(details).toContainEqual({ field: 'python_version', message: 'python_version must be one of 3.10, 3.11, 3.12, 3.13, 3.14 (got "3.9")' });
    // zod's own wording, from the English locale the bundle keeps
    expect(details.find((d) => d.field === 'slim')?.message).toBe('Invalid input: expected boolean, received string');
  });
});
