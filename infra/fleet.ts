import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ARCHITECTURES, type Architecture } from '../core/runtime-catalog.js';
import { AGENT_PREFIX, ARTIFACT_PREFIX, LOG_PREFIX } from './data.js';
import { arn, policyDocument, trustPolicy, type AwsContext, type PolicyStatement } from './iam.js';
import { bundle, contentHash } from './lambda-code.js';

/** The latest Amazon Linux 2023 image per architecture, as AWS publishes it in SSM. */
export const AL2023_AMI_PARAMETERS: Readonly<Record<Architecture, string>> = {
  x86_64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  arm64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
};

/** The builder agent's entry; bundled with the AWS SDK, which no runtime provides on EC2. */
export const AGENT_ENTRY = 'builder/agent.ts';

/** A private ECR registry path, as the builder's bootstrap recognises it (it logs Docker in to it). */
const ECR_PREFIX = /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\/(.*?))?\/?$/;

/**
 * The repositories the builders pull from when the image prefix is a private ECR registry
 * (a mirror or a pull-through cache of the SAM images): everything under the prefix's
 * path, in the prefix's own account and region. Undefined for a public registry.
 */
export function ecrRepositories(imagePrefix: string): { account: string; region: string; repositories: string } | undefined {
  const match = ECR_PREFIX.exec(imagePrefix);
  if (!match) return undefined;
  const [, account, region, path] = match as unknown as [string, string, string, string | undefined];
  return { account, region, repositories: path ? `repository/${path}/*` : 'repository/*' };
}

export interface FleetArgs {
  context: AwsContext;
  /** Prefix of physical names, e.g. `layer-builder-prod`. */
  namePrefix: string;
  /** Value of the `Project` tag every builder carries; launches without it are refused. */
  project: string;
  vpcId: pulumi.Input<string>;
  /** Builders start in this (public) subnet. */
  subnetId: pulumi.Input<string>;
  bucket: aws.s3.Bucket;
  table: aws.dynamodb.Table;
  /** The first type of each list is the template's own; the launcher tries the others. */
  instanceTypes: Readonly<Record<Architecture, readonly string[]>>;
  volumeSizeGb: number;
  /** Where the SAM build images come from; a private ECR registry needs pull rights. */
  builderImagePrefix: string;
}

/**
 * Everything a builder instance is made of: its role and instance profile (read the agent
 * bundle, write zips and logs under their prefixes, read and write build records, and pull
 * images from the operator's ECR registry if the image prefix is one — nothing else), a
 * security group without ingress, the agent bundle stored in the bucket, and one
 * launch template per architecture on the latest Amazon Linux 2023: IMDSv2 only (hop limit
 * 2, so a container on the host still reaches it), an encrypted gp3 root volume deleted
 * with the instance, and shutdown from inside the instance terminating it.
 */
export class BuilderFleet extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly agentObject: aws.s3.BucketObjectv2;
  readonly launchTemplates: Readonly<Record<Architecture, aws.ec2.LaunchTemplate>>;
  readonly imageIds: Readonly<Record<Architecture, pulumi.Output<string>>>;
  private readonly args: FleetArgs;
  private readonly subnetId: pulumi.Output<string>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:fleet:BuilderFleet', name, {}, opts);
    this.args = args;
    this.subnetId = pulumi.output(args.subnetId);
    const bucketArn = args.bucket.arn;
    const ecr = ecrRepositories(args.builderImagePrefix);

    this.role = new aws.iam.Role(
      `${name}-role`,
      { description: `${args.namePrefix} builder instances`, assumeRolePolicy: trustPolicy('ec2.amazonaws.com') },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          { Sid: 'ReadAgentBundle', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${bucketArn}/${AGENT_PREFIX}*`] },
          {
            Sid: 'WriteZipsAndLogs',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [pulumi.interpolate`${bucketArn}/${ARTIFACT_PREFIX}*`, pulumi.interpolate`${bucketArn}/${LOG_PREFIX}*`],
          },
          // Items of the build table only: no index, no scan, no delete.
          { Sid: 'ReadAndUpdateBuilds', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [args.table.arn] },
          ...(ecr ? this.imagePullStatements(ecr) : []),
        ]),
      },
      { parent: this },
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name }, { parent: this });

    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: 'Layer builders: no inbound traffic; outbound to package indexes, registries and AWS APIs',
        ingress: [],
        egress: [{ description: 'Outbound to the internet', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
      },
      { parent: this },
    );

    const agent = pulumi.output(bundle(AGENT_ENTRY, { includeAwsSdk: true }));
    this.agentObject = new aws.s3.BucketObjectv2(
      `${name}-agent`,
      {
        bucket: args.bucket.id,
        // Named by content: a new bundle is a new object, so a builder that boots during a
        // deployment still finds the key its user data names.
        key: agent.apply((b) => `${AGENT_PREFIX}agent-${contentHash(b.code)}.mjs`),
        source: agent.apply((b) => new pulumi.asset.StringAsset(b.code)),
        contentType: 'text/javascript; charset=utf-8',
        serverSideEncryption: 'AES256',
      },
      { parent: this },
    );

    const imageIds = {} as Record<Architecture, pulumi.Output<string>>;
    const templates = {} as Record<Architecture, aws.ec2.LaunchTemplate>;
    for (const arch of ARCHITECTURES) {
      imageIds[arch] = aws.ssm.getParameterOutput({ name: AL2023_AMI_PARAMETERS[arch] }, { parent: this }).value;
      templates[arch] = new aws.ec2.LaunchTemplate(
        `${name}-${arch}`,
        {
          namePrefix: `${args.namePrefix}-${arch}-`,
          description: `${args.namePrefix} ${arch} layer builder (Amazon Linux 2023)`,
          imageId: imageIds[arch],
          instanceType: args.instanceTypes[arch][0],
          iamInstanceProfile: { arn: profile.arn },
          updateDefaultVersion: true,
          instanceInitiatedShutdownBehavior: 'terminate',
          metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 2, instanceMetadataTags: 'disabled' },
          networkInterfaces: [
            { deviceIndex: 0, subnetId: args.subnetId, securityGroups: [this.securityGroup.id], associatePublicIpAddress: 'true', deleteOnTermination: 'true' },
          ],
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: { volumeSize: args.volumeSizeGb, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
            },
          ],
          tags: { Project: args.project },
        },
        { parent: this },
      );
    }
    this.imageIds = imageIds;
    this.launchTemplates = templates;

    this.registerOutputs({
      roleArn: this.role.arn,
      agentKey: this.agentObject.key,
      launchTemplateIds: { x86_64: templates.x86_64.id, arm64: templates.arm64.id },
    });
  }

  /**
   * Pulling the build images from a private ECR registry. GetAuthorizationToken has no
   * resource-level permissions (AWS requires Resource "*"); the pulls are limited to the
   * repositories under the prefix. A pull-through cache creates each repository on its
   * first pull, by the puller's rights: hence CreateRepository and BatchImportUpstreamImage,
   * on those repositories only.
   */
  private imagePullStatements(ecr: NonNullable<ReturnType<typeof ecrRepositories>>): PolicyStatement[] {
    const repositories = pulumi.interpolate`arn:${this.args.context.partition}:ecr:${ecr.region}:${ecr.account}:${ecr.repositories}`;
    return [
      { Sid: 'LogInToImageRegistry', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'PullBuildImages',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: [repositories],
      },
    ];
  }

  /**
   * What a function needs to start builders, and no more: RunInstances only from these
   * launch templates, new instances and volumes only when tagged with this deployment's
   * `Project`, only into the builders' subnet and security group with these images; tags
   * only at launch; PassRole only for the builder role and only to EC2; and creating the
   * EC2 Spot service-linked role, which AWS needs once per account before the first Spot
   * launch (it exists in most accounts; creating it is all that statement allows).
   */
  launchStatements(): PolicyStatement[] {
    const { context, project } = this.args;
    const ec2 = (resource: pulumi.Input<string>) => arn(context, 'ec2', resource);
    const awsOwned = (resource: pulumi.Input<string>) => arn(context, 'ec2', resource, { account: false });
    const templateArns = ARCHITECTURES.map((arch) => ec2(pulumi.interpolate`launch-template/${this.launchTemplates[arch].id}`));
    const fromTemplates = { ArnEquals: { 'ec2:LaunchTemplate': templateArns } };
    return [
      { Sid: 'UseBuilderLaunchTemplates', Effect: 'Allow', Action: ['ec2:RunInstances'], Resource: templateArns },
      {
        Sid: 'StartTaggedBuilders',
        Effect: 'Allow',
        Action: ['ec2:RunInstances'],
        Resource: [ec2('instance/*'), ec2('volume/*')],
        Condition: { ...fromTemplates, StringEquals: { 'aws:RequestTag/Project': project } },
      },
      {
        Sid: 'StartInBuilderNetwork',
        Effect: 'Allow',
        Action: ['ec2:RunInstances'],
        Resource: [
          ec2(pulumi.interpolate`subnet/${this.subnetId}`),
          ec2(pulumi.interpolate`security-group/${this.securityGroup.id}`),
          ec2('network-interface/*'),
          ec2('spot-instances-request/*'),
          ...ARCHITECTURES.map((arch) => awsOwned(pulumi.interpolate`image/${this.imageIds[arch]}`)),
          awsOwned('snapshot/*'),
        ],
        Condition: fromTemplates,
      },
      {
        Sid: 'TagBuildersAtLaunch',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [ec2('instance/*'), ec2('volume/*')],
        Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      },
      {
        Sid: 'PassBuilderRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [this.role.arn],
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        Sid: 'CreateSpotServiceLinkedRole',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: [arn(context, 'iam', 'role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot', { region: false })],
        Condition: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } },
      },
    ];
  }
}
