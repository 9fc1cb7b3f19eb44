import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './lambda-bundle.js';

const pulumiYaml = readFileSync(join(PROJECT_ROOT, 'Pulumi.yaml'), 'utf8');
const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+?)\\s*$`, 'm').exec(pulumiYaml)?.[1];

describe('Pulumi.yaml', () => {
  it('runs infra/index.ts on Node.js through tsx, with Pulumi’s own (CommonJS) TypeScript support off', () => {
    expect(pulumiYaml).toMatch(/^runtime:\n {2}name: nodejs\n/m);
    expect(field('main')).toBe('infra/index.ts');
    expect(field('typescript')).toBe('false');
    expect(field('nodeargs')).toBe('--import tsx');
    expect(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).type).toBe('module');
  });

  it('loads the program in a plain Node.js started with those arguments, as the CLI would', async () => {
    const nodeargs = field('nodeargs')!.split(/\s+/);
    const { stdout } = await promisify(execFile)(process.execPath, [...nodeargs, join('infra', 'testing', 'load-program.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const { types, outputs } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { types: string[]; outputs: Record<string, unknown> };
    expect(types.filter((t) => t === 'aws:lambda/function:Function')).toHaveLength(3);
    expect(types).toContain('aws:s3/bucketObjectv2:BucketObjectv2');
    expect(outputs.apiUrl).toMatch(/^https:\/\/\w+\.execute-api\.eu-central-1\.amazonaws\.com$/);
  });
});
