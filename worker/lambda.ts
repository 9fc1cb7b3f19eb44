import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createSpotLauncher } from '../core/aws/spot-launcher.js';
import { createSqsHandler } from './sqs-handler.js';
import { renderUserData } from './user-data.js';
import { parseWorkerConfig } from './worker-config.js';

/** The SQS-triggered worker Lambda: claims each queued build and launches its Spot builders. */
const config = parseWorkerConfig(process.env);
const log = (message: string, details?: Record<string, unknown>) => console.log(JSON.stringify({ message, ...details }));

const store = createDynamoBuildStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.region })),
  tableName: config.tableName,
});
const launcher = createSpotLauncher({
  client: new EC2Client({ region: config.region }),
  launchTemplates: config.launchTemplates,
  instanceTypes: config.instanceTypes,
  allowOnDemand: config.allowOnDemand,
  project: config.project,
  userData: (buildId, arch) =>
    renderUserData({
      buildId,
      arch,
      region: config.region,
      tableName: config.tableName,
      bucket: config.bucketName,
      agentKey: config.agentKey,
      maxBuildMinutes: config.maxBuildMinutes,
      project: config.project,
    }),
  log,
});

export const handler = createSqsHandler({ store, launcher, log });
