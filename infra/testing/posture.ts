import { asList, statementsOf, type Registered } from './program-mocks.js';

/**
 * The security posture every deployment must keep, checked over whatever resources a
 * program registers (not only the ones it is known to have): each finding names the
 * resource and what is wrong. An empty list means the posture holds.
 */

/** Resource types whose inputs carry an IAM or resource policy document, and the field. */
const POLICY_FIELDS: Record<string, string[]> = {
  'aws:iam/rolePolicy:RolePolicy': ['policy'],
  'aws:iam/policy:Policy': ['policy'],
  'aws:iam/userPolicy:UserPolicy': ['policy'],
  'aws:iam/groupPolicy:GroupPolicy': ['policy'],
  'aws:iam/role:Role': ['assumeRolePolicy'],
  'aws:s3/bucketPolicy:BucketPolicy': ['policy'],
  'aws:sqs/queuePolicy:QueuePolicy': ['policy'],
};

const INGRESS_TYPES = new Set(['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule']);
const BUCKET_TYPES = new Set(['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2']);
const PUBLIC_ACL = /public-read|public-read-write|authenticated-read/;

/** Policies that grant a wildcard action (`*`, `s3:*`, `ec2:Describe*`) or use NotAction to the same effect. */
export function wildcardGrants(resources: readonly Registered[]): string[] {
  const findings: string[] = [];
  for (const resource of resources) {
    for (const field of POLICY_FIELDS[resource.type] ?? []) {
      const document = resource.inputs[field];
      if (document === undefined) continue;
      for (const statement of statementsOf(document)) {
        const raw = statement as unknown as Record<string, unknown>;
        if (statement.Effect !== 'Allow') continue;
        if (raw.NotAction !== undefined) findings.push(`${resource.name}: statement ${statement.Sid ?? '?'} allows through NotAction`);
        for (const action of asList(statement.Action)) {
          if (action.includes('*')) findings.push(`${resource.name}: statement ${statement.Sid ?? '?'} allows ${action}`);
        }
      }
    }
  }
  return findings;
}

/** Security groups that let anything in, inline or through separate rule resources. */
export function ingressRules(resources: readonly Registered[]): string[] {
  const findings: string[] = [];
  for (const resource of resources) {
    if (resource.type === 'aws:ec2/securityGroup:SecurityGroup') {
      const ingress = (resource.inputs.ingress ?? []) as unknown[];
      if (ingress.length > 0) findings.push(`${resource.name}: ${ingress.length} inline ingress rule(s)`);
      if (resource.inputs.ingress === undefined) findings.push(`${resource.name}: ingress not pinned to none (rules added outside the program would stay)`);
    }
    if (resource.type === 'aws:ec2/securityGroupRule:SecurityGroupRule' && resource.inputs.type === 'ingress') {
      findings.push(`${resource.name}: ingress rule`);
    }
    if (INGRESS_TYPES.has(resource.type)) findings.push(`${resource.name}: ingress rule`);
  }
  return findings;
}

/** Buckets without all four public access blocks, with public ACLs, or with a policy that allows everyone. */
export function publicBuckets(resources: readonly Registered[]): string[] {
  const findings: string[] = [];
  const blocks = resources.filter((r) => r.type === 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock');
  for (const bucket of resources.filter((r) => BUCKET_TYPES.has(r.type))) {
    const block = blocks.find((b) => b.inputs.bucket === bucket.id);
    const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;
    const open = block ? flags.filter((flag) => block.inputs[flag] !== true) : [...flags];
    if (open.length > 0) findings.push(`${bucket.name}: public access not blocked (${open.join(', ')})`);
    if (typeof bucket.inputs.acl === 'string' && PUBLIC_ACL.test(bucket.inputs.acl)) findings.push(`${bucket.name}: ACL ${bucket.inputs.acl}`);
  }
  for (const acl of resources.filter((r) => r.type === 'aws:s3/bucketAclV2:BucketAclV2' || r.type === 'aws:s3/bucketAcl:BucketAcl')) {
    findings.push(`${acl.name}: bucket ACLs are disabled by design (BucketOwnerEnforced)`);
  }
  for (const policy of resources.filter((r) => r.type === 'aws:s3/bucketPolicy:BucketPolicy')) {
    for (const statement of statementsOf(policy.inputs.policy)) {
      const principal = JSON.stringify(statement.Principal ?? null);
      if (statement.Effect === 'Allow' && (principal === '"*"' || principal.includes('"AWS":"*"'))) {
        findings.push(`${policy.name}: statement ${statement.Sid ?? '?'} allows everyone`);
      }
    }
  }
  return findings;
}

/**
 * Launch templates and instances that allow IMDSv1 (or a hop limit other than 2), an
 * unencrypted volume or one that outlives its instance, or a shutdown that only stops.
 */
export function instanceWeaknesses(resources: readonly Registered[]): string[] {
  const findings: string[] = [];
  for (const resource of resources) {
    if (resource.type === 'aws:ec2/instance:Instance') findings.push(`${resource.name}: a standing instance (builders are launched per build)`);
    if (resource.type !== 'aws:ec2/launchTemplate:LaunchTemplate') continue;
    const name = resource.name;
    const metadata = (resource.inputs.metadataOptions ?? {}) as Record<string, unknown>;
    if (metadata.httpTokens !== 'required') findings.push(`${name}: IMDSv1 possible (httpTokens ${String(metadata.httpTokens)})`);
    if (metadata.httpEndpoint !== 'enabled') findings.push(`${name}: metadata endpoint ${String(metadata.httpEndpoint)} (the agent needs its role credentials)`);
    if (metadata.httpPutResponseHopLimit !== 2) findings.push(`${name}: metadata hop limit ${String(metadata.httpPutResponseHopLimit)}, not 2`);
    if (resource.inputs.instanceInitiatedShutdownBehavior !== 'terminate') findings.push(`${name}: shutdown does not terminate`);
    const mappings = (resource.inputs.blockDeviceMappings ?? []) as Array<{ deviceName?: string; ebs?: Record<string, unknown> }>;
    if (mappings.length === 0) findings.push(`${name}: root volume left to the image's defaults`);
    for (const mapping of mappings) {
      const ebs = mapping.ebs ?? {};
      if (ebs.encrypted !== 'true') findings.push(`${name}: ${mapping.deviceName} not encrypted`);
      if (ebs.deleteOnTermination !== 'true') findings.push(`${name}: ${mapping.deviceName} outlives the instance`);
    }
  }
  return findings;
}
