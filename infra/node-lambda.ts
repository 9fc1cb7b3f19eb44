import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyDocument, trustPolicy, type PolicyStatement } from './iam.js';
import { lambdaArchive } from './lambda-code.js';

/** Supported through 2027; the bundles target it (infra/lambda-bundle.ts). */
export const LAMBDA_RUNTIME = 'nodejs22.x';

export interface NodeLambdaArgs {
  /** The function's physical name, e.g. `layer-builder-prod-api`; its log group is `/aws/lambda/<name>`. */
  functionName: string;
  description: string;
  /** Entry file from the project root, bundled by the program (`api/lambda.ts`). */
  entry: string;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What the function may do beyond writing its own logs; nothing else is granted. */
  statements: pulumi.Input<PolicyStatement>[];
  timeoutSeconds: number;
  memoryMb: number;
  logRetentionDays: number;
}

/**
 * One Lambda function with everything only it uses: its own role (trusting Lambda alone)
 * whose one inline policy grants `statements` plus writing to its own log group, that log
 * group with a retention period, and its code bundled from `entry` into an archive. Node.js
 * on arm64.
 */
export class NodeLambda extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: NodeLambdaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:lambda:NodeLambda', name, {}, opts);

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { description: `${args.functionName}: ${args.description}`, assumeRolePolicy: trustPolicy('lambda.amazonaws.com') },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [pulumi.interpolate`${this.logGroup.arn}:*`],
          },
          ...args.statements,
        ]),
      },
      { parent: this },
    );
    this.function = new aws.lambda.Function(
      name,
      {
        name: args.functionName,
        description: args.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ['arm64'],
        handler: 'index.handler',
        code: lambdaArchive(args.entry),
        role: this.role.arn,
        timeout: args.timeoutSeconds,
        memorySize: args.memoryMb,
        environment: { variables: args.environment },
        loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      },
      // The role must hold its policy before the function (or a trigger) first uses it.
      { parent: this, dependsOn: [policy] },
    );
    this.registerOutputs({ functionArn: this.function.arn, roleArn: this.role.arn, logGroupName: this.logGroup.name });
  }
}
