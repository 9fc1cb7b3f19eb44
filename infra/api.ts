import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { REQUEST_KEY_INDEX } from '../core/aws/dynamo-build-store.js';
import { ARTIFACT_PREFIX, LOG_PREFIX } from './data.js';
import { NodeLambda } from './node-lambda.js';

export const API_ENTRY = 'api/lambda.ts';

export interface ApiArgs {
  namePrefix: string;
  table: aws.dynamodb.Table;
  bucket: aws.s3.Bucket;
  queue: aws.sqs.Queue;
  artifactTtlHours: number;
  maxActiveBuilds: number;
  allowedOrigins: readonly string[];
  /** The optional bearer token, a secret. */
  apiToken: pulumi.Input<string> | undefined;
  throttle: { rateLimit: number; burstLimit: number };
  logRetentionDays: number;
}

/** Fields of each access log line (JSON), from API Gateway's `$context`. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
  error: '$context.error.message',
});

/**
 * The public API: an HTTP API whose `$default` route sends every request to one Lambda
 * (the Hono app, api/lambda.ts), on the `$default` stage with throttling and JSON access
 * logs, CORS for the configured origins. The function may read and write build records,
 * queue builds and read the queue's depth, read zips (to presign them) and logs — and
 * nothing about EC2.
 */
export class Api extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly handler: NodeLambda;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:api:Api', name, {}, opts);
    const bucketArn = args.bucket.arn;

    const environment: Record<string, pulumi.Input<string>> = {
      TABLE_NAME: args.table.name,
      BUCKET_NAME: args.bucket.bucket,
      QUEUE_URL: args.queue.url,
      ARTIFACT_TTL_HOURS: String(args.artifactTtlHours),
      MAX_ACTIVE_BUILDS: String(args.maxActiveBuilds),
      ALLOWED_ORIGINS: args.allowedOrigins.join(','),
    };
    if (args.apiToken !== undefined) environment.API_TOKEN = pulumi.secret(args.apiToken);

    this.handler = new NodeLambda(
      `${name}-handler`,
      {
        functionName: `${args.namePrefix}-api`,
        description: 'Layer builder API (every route)',
        entry: API_ENTRY,
        environment,
        timeoutSeconds: 29,
        memoryMb: 512,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            Sid: 'ReadAndWriteBuilds',
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
            Resource: [args.table.arn, pulumi.interpolate`${args.table.arn}/index/${REQUEST_KEY_INDEX}`],
          },
          {
            Sid: 'QueueBuilds',
            Effect: 'Allow',
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
            Resource: [args.queue.arn],
          },
          {
            Sid: 'ReadZipsAndLogs',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [pulumi.interpolate`${bucketArn}/${ARTIFACT_PREFIX}*`, pulumi.interpolate`${bucketArn}/${LOG_PREFIX}*`],
          },
          // Without it S3 answers a log not yet written with 403 instead of 404 (core/aws/s3-log-store.ts).
          { Sid: 'TellMissingLogs', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
        ],
      },
      { parent: this },
    );

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { name: `/aws/apigateway/${args.namePrefix}-api`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );
    const api = new aws.apigatewayv2.Api(
      name,
      {
        name: `${args.namePrefix}-api`,
        protocolType: 'HTTP',
        description: 'Lambda layer builder',
        corsConfiguration: {
          allowOrigins: [...args.allowedOrigins],
          allowMethods: ['GET', 'POST', 'OPTIONS'],
          allowHeaders: ['authorization', 'content-type'],
          exposeHeaders: ['retry-after'],
          maxAge: 3600,
        },
      },
      { parent: this },
    );
    const integration = new aws.apigatewayv2.Integration(
      `${name}-lambda`,
      {
        apiId: api.id,
        integrationType: 'AWS_PROXY',
        integrationUri: this.handler.function.arn,
        payloadFormatVersion: '2.0',
      },
      { parent: this },
    );
    new aws.apigatewayv2.Route(
      `${name}-default-route`,
      { apiId: api.id, routeKey: '$default', target: pulumi.interpolate`integrations/${integration.id}` },
      { parent: this },
    );
    new aws.apigatewayv2.Stage(
      `${name}-default-stage`,
      {
        apiId: api.id,
        name: '$default',
        autoDeploy: true,
        defaultRouteSettings: { throttlingRateLimit: args.throttle.rateLimit, throttlingBurstLimit: args.throttle.burstLimit },
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: this.handler.function.name,
        principal: 'apigateway.amazonaws.com',
        sourceArn: pulumi.interpolate`${api.executionArn}/*/*`,
      },
      { parent: this },
    );

    this.url = api.apiEndpoint;
    this.registerOutputs({ url: this.url });
  }
}
