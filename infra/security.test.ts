import { beforeAll, describe, expect, it } from 'vitest';
import { runProgram, stackConfig, type ProgramRun, type Registered } from './testing/program-mocks.js';
import { ingressRules, instanceWeaknesses, publicBuckets, wildcardGrants } from './testing/posture.js';

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram(stackConfig());
});

describe('the deployed posture (prod stack, every resource the program registers)', () => {
  it('grants no wildcard action in any policy', () => {
    const policies = run.resources.filter((r) => r.type === 'aws:iam/rolePolicy:RolePolicy' || r.type === 'aws:iam/role:Role');
    expect(policies.length).toBeGreaterThanOrEqual(8);
    expect(wildcardGrants(run.resources)).toEqual([]);
  });

  it('opens no security group to inbound traffic', () => {
    expect(run.ofType('aws:ec2/securityGroup:SecurityGroup')).toHaveLength(1);
    expect(ingressRules(run.resources)).toEqual([]);
  });

  it('blocks all public access to every bucket', () => {
    expect(run.ofType('aws:s3/bucket:Bucket')).toHaveLength(1);
    expect(publicBuckets(run.resources)).toEqual([]);
  });

  it('makes IMDSv1 impossible, encrypts and deletes volumes, terminates on shutdown', () => {
    expect(run.ofType('aws:ec2/launchTemplate:LaunchTemplate')).toHaveLength(2);
    expect(instanceWeaknesses(run.resources)).toEqual([]);
  });

  it('denies plain-HTTP access to the bucket, the one statement with a wildcard action', () => {
    const [policy] = run.ofType('aws:s3/bucketPolicy:BucketPolicy');
    const statements = JSON.parse(policy!.inputs.policy).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: ['s3:*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });
});

describe('the posture checks catch what they look for', () => {
  const resource = (type: string, name: string, inputs: Record<string, unknown>, id = `${name}-id`): Registered => ({ type, name, inputs, id, state: inputs });
  const policy = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

  it('a wildcard action, a service wildcard, a prefix wildcard and NotAction', () => {
    const findings = wildcardGrants([
      resource('aws:iam/rolePolicy:RolePolicy', 'all', { policy: policy({ Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' }) }),
      resource('aws:iam/rolePolicy:RolePolicy', 's3', { policy: policy({ Sid: 'B', Effect: 'Allow', Action: ['s3:GetObject', 's3:*'], Resource: '*' }) }),
      resource('aws:iam/policy:Policy', 'describe', { policy: policy({ Sid: 'C', Effect: 'Allow', Action: ['ec2:Describe*'], Resource: '*' }) }),
      resource('aws:s3/bucketPolicy:BucketPolicy', 'not', { policy: policy({ Sid: 'D', Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }) }),
      resource('aws:s3/bucketPolicy:BucketPolicy', 'deny', { policy: policy({ Sid: 'E', Effect: 'Deny', Action: ['s3:*'], Resource: '*' }) }),
    ]);
    expect(findings).toEqual(['all: statement A allows *', 's3: statement B allows s3:*', 'describe: statement C allows ec2:Describe*', 'not: statement D allows through NotAction']);
  });

  it('inline ingress, an ingress rule resource, and ingress left unmanaged', () => {
    const findings = ingressRules([
      resource('aws:ec2/securityGroup:SecurityGroup', 'ssh', { ingress: [{ fromPort: 22, toPort: 22, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] }),
      resource('aws:ec2/securityGroup:SecurityGroup', 'unpinned', { egress: [] }),
      resource('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'rule', { fromPort: 443 }),
      resource('aws:ec2/securityGroupRule:SecurityGroupRule', 'old-rule', { type: 'ingress' }),
      resource('aws:ec2/securityGroupRule:SecurityGroupRule', 'egress-rule', { type: 'egress' }),
    ]);
    expect(findings).toEqual([
      'ssh: 1 inline ingress rule(s)',
      'unpinned: ingress not pinned to none (rules added outside the program would stay)',
      'rule: ingress rule',
      'old-rule: ingress rule',
    ]);
  });

  it('a bucket without its block, a half block, a public ACL and a policy open to everyone', () => {
    const findings = publicBuckets([
      resource('aws:s3/bucket:Bucket', 'bare', {}),
      resource('aws:s3/bucket:Bucket', 'half', {}),
      resource('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'half-block', { bucket: 'half-id', blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true }),
      resource('aws:s3/bucketAclV2:BucketAclV2', 'acl', { acl: 'public-read' }),
      resource('aws:s3/bucketPolicy:BucketPolicy', 'open', { policy: policy({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: '*' }) }),
    ]);
    expect(findings).toEqual([
      'bare: public access not blocked (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)',
      'half: public access not blocked (blockPublicPolicy)',
      'acl: bucket ACLs are disabled by design (BucketOwnerEnforced)',
      'open: statement Open allows everyone',
    ]);
  });

  it('IMDSv1, another hop limit, a plain or lasting volume, stop on shutdown, a standing instance', () => {
    const findings = instanceWeaknesses([
      resource('aws:ec2/launchTemplate:LaunchTemplate', 'weak', {
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional', httpPutResponseHopLimit: 1 },
        instanceInitiatedShutdownBehavior: 'stop',
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'false', deleteOnTermination: 'false' } }],
      }),
      resource('aws:ec2/launchTemplate:LaunchTemplate', 'defaults', {}),
      resource('aws:ec2/instance:Instance', 'pet', {}),
    ]);
    expect(findings).toEqual([
      'weak: IMDSv1 possible (httpTokens optional)',
      'weak: metadata hop limit 1, not 2',
      'weak: shutdown does not terminate',
      'weak: /dev/xvda not encrypted',
      'weak: /dev/xvda outlives the instance',
      'defaults: IMDSv1 possible (httpTokens undefined)',
      'defaults: metadata endpoint undefined (the agent needs its role credentials)',
      'defaults: metadata hop limit undefined, not 2',
      'defaults: shutdown does not terminate',
      "defaults: root volume left to the image's defaults",
      'pet: a standing instance (builders are launched per build)',
    ]);
  });
});
