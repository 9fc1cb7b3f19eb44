import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createBuilderLauncher } from './builder-launcher.js';
import { createSqsHandler } from './sqs-handler.js';
import { parseWorkerConfig } from './worker-config.js';

/** The SQS-triggered worker Lambda: claims each queued build and launches its Spot builders. */
const config = parseWorkerConfig(process.env);
const log = (message: string, details?: Record<string, unknown>) => console.log(JSON.stringify({ message, ...details }));

const store = createDynamoBuildStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.region })),
  tableName: config.tableName,
});
const launcher = createBuilderLauncher(config, new EC2Client({ region: config.region }), log);

export const handler = createSqsHandler({ store, launcher, log });
