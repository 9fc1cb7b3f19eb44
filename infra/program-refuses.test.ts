import { expect, it } from 'vitest';
import { runProgram, stackConfig, type Registered } from './testing/program-mocks.js';

it('refuses to deploy a stack with a bad setting, naming the key, before creating anything', async () => {
  const resources: Registered[] = [];
  const bad = { 'lambda-layer-builder:maxBuildMinutes': 'forever', 'lambda-layer-builder:allowedOrigins': 'me.github.io' };
  await expect(runProgram({ ...stackConfig(), ...bad }, [], resources)).rejects.toThrow(
    /^bad stack configuration: lambda-layer-builder:maxBuildMinutes: expected a whole number from 5 to 1440; lambda-layer-builder:allowedOrigins: expected \* or origins/,
  );
  expect(resources).toEqual([]);
});
