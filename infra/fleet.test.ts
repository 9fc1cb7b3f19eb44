import { describe, expect, it } from 'vitest';
import { ecrRepositories } from './fleet.js';

describe('ecrRepositories', () => {
  it('needs no registry rights for public images', () => {
    expect(ecrRepositories('public.ecr.aws/sam')).toBeUndefined();
    expect(ecrRepositories('ghcr.io/me/sam')).toBeUndefined();
  });

  it("scopes pulls to the repositories under a private registry's path, in its own account and region", () => {
    expect(ecrRepositories('210987654321.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/sam/')).toEqual({
      account: '210987654321',
      region: 'eu-west-1',
      repositories: 'repository/ecr-public/sam/*',
    });
    expect(ecrRepositories('210987654321.dkr.ecr.us-gov-west-1.amazonaws.com')).toEqual({
      account: '210987654321',
      region: 'us-gov-west-1',
      repositories: 'repository/*',
    });
  });
});
