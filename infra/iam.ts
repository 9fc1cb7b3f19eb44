import * as pulumi from '@pulumi/pulumi';

/** One IAM policy statement; resources and condition values may be Pulumi outputs. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: pulumi.Input<pulumi.Input<string>[]>;
  Principal?: Record<string, pulumi.Input<string | string[]>>;
  Condition?: Record<string, Record<string, pulumi.Input<pulumi.Input<string>[] | string>>>;
}

/** The policy document of `statements`, as the JSON IAM takes. */
export function policyDocument(statements: pulumi.Input<PolicyStatement>[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

/** Trust policy that lets one AWS service (`lambda.amazonaws.com`, `ec2.amazonaws.com`) assume a role. */
export function trustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumedBy', Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole'] }],
  });
}

/** Partition, region and account of the deployment, for ARNs. */
export interface AwsContext {
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; `region`/`account` false leave the field empty. */
export function arn(
  context: AwsContext,
  service: string,
  resource: pulumi.Input<string>,
  scope: { region?: boolean; account?: boolean } = {},
): pulumi.Output<string> {
  const region = scope.region === false ? '' : context.region;
  const account = scope.account === false ? '' : context.accountId;
  return pulumi.interpolate`arn:${context.partition}:${service}:${region}:${account}:${resource}`;
}
