import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Api } from './api.js';
import { loadSettings } from './config.js';
import { Data } from './data.js';
import { BuilderFleet } from './fleet.js';
import type { AwsContext } from './iam.js';
import { Network } from './network.js';
import { BuildQueue } from './queue.js';
import { Reaper } from './reaper.js';
import { Worker } from './worker.js';

const settings = loadSettings();
const stack = pulumi.getStack();
const namePrefix = `layer-builder-${stack}`;
/** The `Project` tag of this stack's builders: IAM lets its functions start and end only those. */
const project = `${pulumi.getProject()}-${stack}`;
const context: AwsContext = {
  partition: aws.getPartitionOutput().partition,
  region: settings.region,
  accountId: aws.getCallerIdentityOutput().accountId,
};

const network = new Network('network', { zones: 2 });
const data = new Data('data', { artifactTtlHours: settings.artifactTtlHours, allowedOrigins: settings.allowedOrigins });
const queue = new BuildQueue('build-queue', settings.queue);
const fleet = new BuilderFleet('builders', {
  context,
  namePrefix,
  project,
  vpcId: network.vpcId,
  subnetId: network.builderSubnetId,
  bucket: data.bucket,
  table: data.table,
  instanceTypes: settings.instanceTypes,
  volumeSizeGb: settings.volumeSizeGb,
  builderImagePrefix: settings.builderImagePrefix,
});

const api = new Api('api', {
  namePrefix,
  table: data.table,
  bucket: data.bucket,
  queue: queue.queue,
  artifactTtlHours: settings.artifactTtlHours,
  maxActiveBuilds: settings.maxActiveBuilds,
  allowedOrigins: settings.allowedOrigins,
  apiToken: settings.apiToken,
  throttle: settings.apiThrottle,
  logRetentionDays: settings.logRetentionDays,
});

const launch = { table: data.table, bucket: data.bucket, fleet, project, settings };
const worker = new Worker('worker', { ...launch, namePrefix, queue: queue.queue, logRetentionDays: settings.logRetentionDays });
const reaper = new Reaper('reaper', {
  ...launch,
  context,
  namePrefix,
  retryInterrupted: settings.retryInterrupted,
  deadLetterQueue: queue.deadLetterQueue,
  scheduleMinutes: settings.reaperScheduleMinutes,
  logRetentionDays: settings.logRetentionDays,
});

/** The API's base URL: the site's `LAYER_API_URL` and the CLI's `--api`. */
export const apiUrl = api.url;
/** Origins the API and the bucket accept from browsers: the site's must be among them. */
export const allowedOrigins = settings.allowedOrigins;
/** Whether the site's settings (and the CLI's `--token`) need the API token. */
export const apiTokenRequired = settings.apiToken !== undefined;
export const bucketName = data.bucket.bucket;
export const tableName = data.table.name;
export const buildQueueUrl = queue.queue.url;
export const deadLetterQueueUrl = queue.deadLetterQueue.url;
export const functionNames = {
  api: api.handler.function.name,
  worker: worker.handler.function.name,
  reaper: reaper.handler.function.name,
};
export const builderLaunchTemplateIds = { x86_64: fleet.launchTemplates.x86_64.id, arm64: fleet.launchTemplates.arm64.id };
