import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoBuildStore } from '../core/aws/dynamo-build-store.js';
import { createEc2BuilderFleet } from '../core/aws/ec2-builder-fleet.js';
import { createBuilderLauncher } from './builder-launcher.js';
import { createReaper } from './reaper.js';
import { parseReaperConfig } from './reaper-config.js';

/**
 * The reaper Lambda: EC2 state changes of builders, a scheduled sweep, and the build
 * queue's dead letters, all to one handler (worker/reaper.ts tells them apart).
 */
const config = parseReaperConfig(process.env);
const log = (message: string, details?: Record<string, unknown>) => console.log(JSON.stringify({ message, ...details }));
const ec2 = new EC2Client({ region: config.region });

export const handler = createReaper({
  store: createDynamoBuildStore({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.region })),
    tableName: config.tableName,
  }),
  fleet: createEc2BuilderFleet({ client: ec2, project: config.project }),
  relauncher: config.retry && createBuilderLauncher(config.retry, ec2, log, { retry: true }),
  maxBuildMinutes: config.maxBuildMinutes,
  marginMinutes: config.marginMinutes,
  log,
});
