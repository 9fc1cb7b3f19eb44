import * as pulumi from '@pulumi/pulumi';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lambda-bundle.js';

/**
 * Runs the Pulumi program (infra/index.ts) against `pulumi.runtime.setMocks`: no CLI, no
 * engine, no AWS. Every resource the program registers is recorded with the inputs it
 * was given, after Pulumi resolved them (outputs, secrets, assets), which is what the
 * deployment would send to the provider.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';
export const STACK = 'prod';
export const PROJECT = 'lambda-layer-builder';

export interface Registered {
  type: string;
  name: string;
  /** Inputs as the provider would get them; JSON-encoded fields stay strings. */
  inputs: Record<string, any>;
  id: string;
  state: Record<string, any>;
}

export interface Invocation {
  token: string;
  inputs: Record<string, any>;
  result: Record<string, any>;
}

export interface ProgramRun {
  resources: Registered[];
  invocations: Invocation[];
  outputs: Record<string, unknown>;
  ofType(type: string): Registered[];
  /** The one resource of `type` whose name is `name`; throws when there is not exactly one. */
  one(type: string, name: string): Registered;
}

/** The stack settings in Pulumi.<stack>.yaml, as the Pulumi CLI hands them to the program (lists as JSON). */
export function stackConfig(stack = STACK): Record<string, string> {
  const text = readFileSync(join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), 'utf8');
  const config: Record<string, string> = {};
  let inConfig = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) inConfig = line.trim() === 'config:';
    const entry = inConfig ? /^ {2}([A-Za-z0-9_-]+:[A-Za-z0-9_]+): (.+)$/.exec(line) : null;
    if (!entry) continue;
    const [, key, raw] = entry as unknown as [string, string, string];
    // This file keeps to the YAML that is also JSON (quoted scalars, flow lists) or plain scalars.
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return config;
}

function arnOf(service: string, resource: string, region = REGION): string {
  return `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Ids and attributes AWS would give back, for the types whose outputs the program uses. */
function mockState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
  const inputs = args.inputs as Record<string, any>;
  const name = (inputs.name as string | undefined) ?? `${args.name}-${shortHash(args.name, 7)}`;
  switch (args.type) {
    case 'awsx:ec2:Vpc':
      return { id: '', state: { vpcId: 'vpc-0a1b2c3d4e5f60718', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], privateSubnetIds: [], isolatedSubnetIds: [] } };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { id: `lt-0${shortHash(args.name, 16)}`, state: { ...inputs, name: `${inputs.namePrefix ?? ''}${shortHash(args.name, 6)}`, latestVersion: 1 } };
    case 'aws:ec2/securityGroup:SecurityGroup':
      return { id: `sg-0${shortHash(args.name, 16)}`, state: inputs };
    case 'aws:iam/role:Role':
      return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` } };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${name}` } };
    case 'aws:dynamodb/table:Table':
      return { id: name, state: { ...inputs, name, arn: arnOf('dynamodb', `table/${name}`) } };
    case 'aws:s3/bucket:Bucket': {
      const bucket = `${args.name}-${shortHash(args.name, 7)}`;
      return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case 'aws:s3/bucketObjectv2:BucketObjectv2':
      return { id: inputs.key as string, state: inputs };
    case 'aws:sqs/queue:Queue':
      return { id: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`, state: { ...inputs, name, arn: arnOf('sqs', name), url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}` } };
    case 'aws:lambda/function:Function':
      return { id: name, state: { ...inputs, name, arn: arnOf('lambda', `function:${name}`), invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/functions/${name}/invocations` } };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: name, state: { ...inputs, name, arn: arnOf('logs', `log-group:${name}`) } };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { id: name, state: { ...inputs, name, arn: arnOf('events', `rule/${name}`) } };
    case 'aws:apigatewayv2/api:Api': {
      const id = shortHash(args.name, 10);
      return { id, state: { ...inputs, apiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com`, executionArn: arnOf('execute-api', id) } };
    }
    default:
      return { id: `${args.name}-id`, state: inputs };
  }
}

function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, any> {
  switch (args.token) {
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: 'AIDEXAMPLE', id: ACCOUNT };
    case 'aws:index/getRegion:getRegion':
      return { region: REGION, name: REGION, id: REGION };
    case 'aws:ssm/getParameter:getParameter': {
      const name = String(args.inputs.name);
      return { name, value: `ami-0${shortHash(name, 16)}`, type: 'String', id: name };
    }
    default:
      throw new Error(`the program called ${args.token}, which these mocks do not answer`);
  }
}

/**
 * Sets the mocks and `config` (full keys, e.g. `lambda-layer-builder:volumeSizeGb`), then
 * imports the program and waits until it has registered everything. One run per test
 * file: Pulumi's runtime state is per process.
 */
export async function runProgram(
  config: Record<string, string>,
  secretKeys: string[] = [],
  /** Receives each registration as it happens, also when the program then fails. */
  resources: Registered[] = [],
  /** Imports the program; the Pulumi CLI imports Pulumi.yaml's `main` by its file URL. */
  load: () => Promise<unknown> = () => import('../index.js'),
): Promise<ProgramRun> {
  const invocations: Invocation[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = mockState(args);
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, any>, id, state });
        return { id, state };
      },
      call(args) {
        const result = mockCall(args);
        invocations.push({ token: args.token, inputs: args.inputs as Record<string, any>, result });
        return result;
      },
    },
    PROJECT,
    STACK,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  // A resource whose inputs fail (a bundle that does not build, a throw in an apply)
  // rejects inside Pulumi's runtime, and the outputs that depend on it never settle.
  let stop: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (stop = reject));
  const onRejection = (error: unknown) => stop(error);
  process.on('unhandledRejection', onRejection);
  const outputs: Record<string, unknown> = {};
  try {
    await Promise.race([
      failed,
      (async () => {
        const program = (await load()) as Record<string, unknown>;
        for (const [key, value] of Object.entries(program)) outputs[key] = await settle(value);
        await pulumi.runtime.disconnect();
      })(),
    ]);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return {
    resources,
    invocations,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** The plain value of an output (or of a structure holding outputs). */
export function settle<T>(value: T): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => pulumi.output(value).apply(resolve));
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The statements of a policy document (the JSON string the program hands IAM or S3). */
export function statementsOf(policy: unknown): Statement[] {
  const document = JSON.parse(String(policy)) as { Statement: Statement | Statement[] };
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';

/** Whether Pulumi marked this input secret (stored encrypted in the state). */
export function isSecret(value: unknown): boolean {
  return typeof value === 'object' && value !== null && SECRET_SIGNATURE in value;
}

/** The value inside Pulumi's secret markers, at any depth. */
export function unsecret<T = any>(value: unknown): T {
  if (isSecret(value)) return unsecret((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map((item) => unsecret(item)) as T;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unsecret(item)])) as T;
  }
  return value as T;
}

/** A Lambda function of the run, its role, and the statements of the role's inline policies. */
export function functionAccess(run: ProgramRun, functionName: string) {
  const fn = run.ofType('aws:lambda/function:Function').find((f) => f.inputs.name === functionName);
  if (!fn) throw new Error(`no function named ${functionName}`);
  const role = run.ofType('aws:iam/role:Role').find((r) => r.state.arn === fn.inputs.role);
  if (!role) throw new Error(`the role of ${functionName} is not one of the program's`);
  return { fn, role, statements: roleStatements(run, role) };
}

/** Every statement of the inline policies attached to `role`. */
export function roleStatements(run: ProgramRun, role: Registered): Statement[] {
  const policies = run.ofType('aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.role === role.id);
  const attached = run.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((p) => p.inputs.role === role.id);
  if (attached.length > 0) throw new Error(`${role.name} has managed policies attached; these helpers read inline ones only`);
  return policies.flatMap((p) => statementsOf(p.inputs.policy));
}

/** The text of each file in a Lambda code archive as the program built it. */
export async function archiveFiles(archive: unknown): Promise<Record<string, string>> {
  const assets = await (archive as { assets: Promise<Record<string, { text?: Promise<string> }>> }).assets;
  const files: Record<string, string> = {};
  for (const [name, asset] of Object.entries(assets)) files[name] = (await asset.text) ?? '';
  return files;
}
