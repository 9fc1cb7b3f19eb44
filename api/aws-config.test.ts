import { describe, expect, it } from 'vitest';
import { parseAwsApiConfig } from './aws-config.js';

const required = {
  TABLE_NAME: 'layer-builds',
  BUCKET_NAME: 'layer-artifacts',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/layer-builds',
};

describe('API Lambda configuration', () => {
  it('reads the required values and fills the defaults', () => {
    expect(parseAwsApiConfig(required)).toEqual({
      tableName: 'layer-builds',
      bucketName: 'layer-artifacts',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/layer-builds',
      app: { artifactTtlSeconds: 24 * 3600, maxActiveBuilds: 10, allowedOrigins: ['*'], apiToken: undefined },
    });
  });

  it('reads the lifetime, the cap, the origins and the token', () => {
    const config = parseAwsApiConfig({
      ...required,
      ARTIFACT_TTL_HOURS: '168',
      MAX_ACTIVE_BUILDS: '3',
      ALLOWED_ORIGINS: 'https://example.github.io, http://localhost:5173',
      API_TOKEN: 'a-token-of-at-least-16-chars',
    });
    expect(config.app).toEqual({
      artifactTtlSeconds: 168 * 3600,
      maxActiveBuilds: 3,
      allowedOrigins: ['https://example.github.io', 'http://localhost:5173'],
      apiToken: 'a-token-of-at-least-16-chars',
    });
  });

  it('treats an empty API_TOKEN as no token', () => {
    expect(parseAwsApiConfig({ ...required, API_TOKEN: '' }).app.apiToken).toBeUndefined();
  });

  it('is frozen', () => {
    const config = parseAwsApiConfig(required);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.app)).toBe(true);
    expect(Object.isFrozen(config.app.allowedOrigins)).toBe(true);
  });

  it('names every missing variable', () => {
    expect(() => parseAwsApiConfig({ TABLE_NAME: 'layer-builds' })).toThrow(/^bad API configuration: BUCKET_NAME: .*; QUEUE_URL: /);
  });

  it.each([
    ['ARTIFACT_TTL_HOURS', '169'],
    ['ARTIFACT_TTL_HOURS', '0'],
    ['MAX_ACTIVE_BUILDS', '2.5'],
    ['MAX_ACTIVE_BUILDS', 'ten'],
    ['ALLOWED_ORIGINS', 'example.com'],
    ['ALLOWED_ORIGINS', ','],
    ['QUEUE_URL', 'layer-builds'],
    ['API_TOKEN', 'short'],
    ['TABLE_NAME', 'builds table'],
  ])('refuses %s=%j and names it', (name, value) => {
    expect(() => parseAwsApiConfig({ ...required, [name]: value })).toThrow(new RegExp(`^bad API configuration: ${name}: `));
  });
});
