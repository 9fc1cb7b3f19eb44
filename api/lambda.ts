import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handle } from 'hono/aws-lambda';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createS3ArtifactStore } from '../core/aws/s3-artifact-store.js';
import { createS3LogStore } from '../core/aws/s3-log-store.js';
import { createSqsBuildQueue } from '../core/aws/sqs-build-queue.js';
import { createApp } from './app.js';
import { parseAwsApiConfig } from './aws-config.js';

/** The API Lambda behind the HTTP API's `$default` stage (payload 2.0): the same app as local mode, on AWS adapters. */
const config = parseAwsApiConfig(process.env);
const report = (message: string, error?: unknown) =>
  console.error(JSON.stringify({ message, error: error instanceof Error ? `${error.name}: ${error.message}` : error }));
const s3 = new S3Client({});

const app = createApp({
  store: createDynamoBuildStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: config.tableName }),
  queue: createSqsBuildQueue({
    client: new SQSClient({}),
    queueUrl: config.queueUrl,
    onDepthError: (error: unknown) => report('could not read the queue depth; accepting the build', error),
  }),
  artifacts: createS3ArtifactStore({ client: s3, bucket: config.bucketName }),
  logs: createS3LogStore({ client: s3, bucket: config.bucketName }),
  config: config.app,
  report,
});

export const handler = handle(app);
