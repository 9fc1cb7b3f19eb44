import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApp } from 'fauxqs';
import { buildTableDefinition } from '../core/aws/dynamo-build-store.js';

/**
 * Loopback AWS emulators for integration tests: dynalite (DynamoDB), s3rver (S3) and
 * fauxqs (SQS), each on 127.0.0.1 and a free port, plus SDK clients configured for them.
 * A test file starts its own instances in `beforeAll` and stops them in `afterAll`; `stop`
 * drops open connections and removes any temp directory the emulator used.
 */
export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const HOST = '127.0.0.1';

/** s3rver checks signatures against this key pair. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

// dynalite and s3rver are CommonJS without type declarations: load them through require
// and describe the little of them used here.
const require = createRequire(import.meta.url);

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
type Dynalite = (options?: DynaliteOptions) => Server;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  resetOnClose?: boolean;
}) => S3rverInstance;

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this, close waits for them to time out.
    server.closeAllConnections();
  });
}

/** DynamoDB on dynalite, in memory; tables are ACTIVE as soon as they are created. */
export async function startDynalite(): Promise<Emulator> {
  const dynalite = require('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const address = await listen(server);
  return { endpoint: `http://${HOST}:${address.port}`, stop: () => closeServer(server) };
}

/** S3 on s3rver, storing objects in a temp directory removed on stop. */
export async function startS3rver(): Promise<Emulator> {
  const S3rver = require('s3rver') as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: HOST, port: 0, silent: true, directory });
  try {
    const address = await server.run();
    return {
      endpoint: `http://${HOST}:${address.port}`,
      async stop() {
        try {
          if (server.httpServer) await closeServer(server.httpServer);
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** SQS on fauxqs 1.9, in memory. Queue URLs it hands out point at this endpoint. */
export async function startFauxqs(): Promise<Emulator> {
  const app = buildApp({ logger: false, defaultRegion: REGION });
  const address = await app.listen({ port: 0, host: HOST });
  return { endpoint: address, stop: () => app.close() };
}

export function createDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
}

export function createDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoClient(endpoint));
}

export function createS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    // s3rver 3 predates the SDK's default CRC32 trailers (aws-chunked bodies) and would
    // store the chunk framing as object bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
}

/** Creates the build table (the same definition the Pulumi program uses) and waits for it. */
export async function createTestTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  name = `builds-${randomUUID()}`,
): Promise<string> {
  // A document client passes plain DynamoDB commands through; only its typings differ.
  const dynamo = client as DynamoDBClient;
  await dynamo.send(new CreateTableCommand(buildTableDefinition(name)));
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}

export async function createTestBucket(client: S3Client, name = `artifacts-${randomUUID()}`): Promise<string> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Creates a standard queue and answers its URL. */
export async function createTestQueue(client: SQSClient, name = `builds-${randomUUID()}`): Promise<string> {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`queue ${name} has no URL`);
  return QueueUrl;
}
