import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BUILD_TABLE_TTL_ATTRIBUTE, buildTableDefinition } from '../core/aws/dynamo-build-store.js';
import { policyDocument } from './iam.js';

/** Key prefixes in the bucket: zips, build logs (core/aws/s3-log-store.ts), the agent bundle. */
export const ARTIFACT_PREFIX = 'builds/';
export const LOG_PREFIX = 'logs/';
export const AGENT_PREFIX = 'agent/';

export interface DataArgs {
  /** Zips and logs are deleted this long after their build (rounded up to whole days). */
  artifactTtlHours: number;
  /** Origins the site is served from: they may read presigned downloads from the browser. */
  allowedOrigins: readonly string[];
}

/**
 * The build table's Pulumi arguments, derived from the schema the DynamoDB store itself
 * defines (`buildTableDefinition`), so the deployed table and the code cannot drift apart:
 * same key, same attributes, same `by_request_key` index and projection, on-demand billing.
 */
export function buildTableArgs(): Pick<aws.dynamodb.TableArgs, 'attributes' | 'hashKey' | 'billingMode' | 'globalSecondaryIndexes'> {
  const definition = buildTableDefinition('unused');
  const hashKey = definition.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  if (!hashKey || definition.KeySchema?.length !== 1) throw new Error('the build table is expected to have one partition key and no sort key');
  return {
    billingMode: definition.BillingMode,
    hashKey,
    attributes: (definition.AttributeDefinitions ?? []).map((a) => ({ name: a.AttributeName!, type: a.AttributeType! })),
    globalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName!,
      keySchemas: (index.KeySchema ?? []).map((key) => ({ attributeName: key.AttributeName!, keyType: key.KeyType! })),
      projectionType: index.Projection!.ProjectionType!,
    })),
  };
}

/**
 * Where builds live: the DynamoDB table of build records (TTL on `expires_at`) and the
 * private S3 bucket of zips, logs and the agent bundle. The bucket blocks every form of
 * public access, owns its objects (no ACLs), encrypts at rest, refuses plain HTTP, expires
 * zips and logs after the artifact lifetime and aborts stale multipart uploads. Downloads
 * are presigned GETs only; CORS lets the site's origins make them.
 */
export class Data extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: DataArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:data:Data', name, {}, opts);

    this.table = new aws.dynamodb.Table(
      `${name}-builds`,
      {
        ...buildTableArgs(),
        // Encrypted at rest with an AWS owned key, DynamoDB's default, which costs nothing.
        ttl: { attributeName: BUILD_TABLE_TTL_ATTRIBUTE, enabled: true },
      },
      { parent: this },
    );

    // Everything in the bucket is temporary by design (zips and logs expire, the agent is
    // rebuilt by every deployment), so a stack may be destroyed without emptying it first.
    this.bucket = new aws.s3.Bucket(`${name}-artifacts`, { forceDestroy: true }, { parent: this });
    const bucketId = this.bucket.id;

    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-artifacts-private`,
      { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-artifacts-ownership`,
      { bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-artifacts-encryption`,
      { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }] },
      { parent: this },
    );
    const days = Math.ceil(args.artifactTtlHours / 24);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-artifacts-lifecycle`,
      {
        bucket: bucketId,
        rules: [
          { id: 'expire-build-zips', status: 'Enabled', filter: { prefix: ARTIFACT_PREFIX }, expiration: { days } },
          { id: 'expire-build-logs', status: 'Enabled', filter: { prefix: LOG_PREFIX }, expiration: { days } },
          { id: 'abort-stale-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketCorsConfiguration(
      `${name}-artifacts-cors`,
      {
        bucket: bucketId,
        corsRules: [
          {
            allowedMethods: ['GET', 'HEAD'],
            allowedOrigins: [...args.allowedOrigins],
            exposeHeaders: ['Content-Length', 'Content-Disposition', 'ETag'],
            maxAgeSeconds: 3600,
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-artifacts-tls-only`,
      {
        bucket: bucketId,
        policy: policyDocument([
          {
            // The one wildcard action in the program: it denies, for every principal, any
            // request that does not use TLS.
            Sid: 'DenyPlainHttp',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['s3:*'],
            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
      // S3 refuses policies on a bucket whose public access block is still being set.
      { parent: this, dependsOn: [publicAccess] },
    );

    this.registerOutputs({ tableName: this.table.name, bucketName: this.bucket.bucket });
  }
}
