import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { uptime } from 'node:os';
import { parseAgentConfig } from './agent-config.js';
import { runAgent } from './run-agent.js';

/**
 * The builder agent: the EC2 instance's bootstrap (worker/user-data.ts) runs this bundle
 * with the build id and architecture in its environment, then powers the instance off.
 */
const config = parseAgentConfig(process.env);
// The bootstrap armed `shutdown -h +MAX_BUILD_MINUTES` at boot: stop early enough to record why.
const RECORD_MARGIN_MS = 90_000;
const timeLimitMs = Math.max(60_000, config.maxBuildMinutes * 60_000 - uptime() * 1000 - RECORD_MARGIN_MS);

try {
  const outcome = await runAgent(
    config,
    {
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ region: config.region })),
      s3: new S3Client({ region: config.region }),
    },
    { timeLimitMs, echo: (line) => console.log(line) },
  );
  console.log(JSON.stringify({ message: 'agent finished', buildId: config.buildId, arch: config.arch, ...outcome }));
  process.exit(0);
} catch (error) {
  console.error(JSON.stringify({ message: 'agent could not record the build', buildId: config.buildId, arch: config.arch, error: String(error) }));
  process.exit(1);
}
