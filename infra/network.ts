import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';

export interface NetworkArgs {
  /** Availability zones to spread the public subnets over. */
  zones: number;
}

/**
 * The builders' network: a VPC with public subnets only and no NAT gateway. Builders
 * reach PyPI, S3, DynamoDB and the image registry through the internet gateway with their
 * own public address; nothing reaches them (their security group has no ingress). No NAT
 * gateway and no endpoint means no hourly cost while no build runs.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** The public subnet builders start in (the launch templates name one subnet). */
  readonly builderSubnetId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('layer-builder:network:Network', name, {}, opts);
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: '10.42.0.0/16',
        numberOfAvailabilityZones: args.zones,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        subnetStrategy: 'Auto',
        subnetSpecs: [{ type: 'Public', cidrMask: 20 }],
        natGateways: { strategy: 'None' },
      },
      { parent: this },
    );
    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.builderSubnetId = vpc.publicSubnetIds.apply((ids) => {
      if (!ids[0]) throw new Error('the VPC has no public subnet for the builders');
      return ids[0];
    });
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, builderSubnetId: this.builderSubnetId });
  }
}
