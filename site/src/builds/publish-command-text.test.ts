import { describe, expect, it } from 'vitest';
import { layerNameFor, publishCommand } from './publish-command-text.js';

describe('publishCommand', () => {
  it('uploads a small zip directly with the runtime and the architecture', () => {
    const command = publishCommand({ filename: 'combined-python3.13-aarch64.zip', size: 3_000_000, architecture: 'arm64' }, '3.13');
    expect(command).toBe(
      [
        'aws lambda publish-layer-version \\',
        '  --layer-name combined-python3-13-aarch64 \\',
        '  --zip-file fileb://combined-python3.13-aarch64.zip \\',
        '  --compatible-runtimes python3.13 \\',
        '  --compatible-architectures arm64',
      ].join('\n'),
    );
  });

  it('goes through S3 over 50 MB', () => {
    const command = publishCommand({ filename: 'numpy-python3.12-x86_64.zip', size: 60 * 1024 * 1024, architecture: 'x86_64' }, '3.12');
    expect(command).toContain('aws s3 cp numpy-python3.12-x86_64.zip s3://YOUR_BUCKET/layers/numpy-python3.12-x86_64.zip');
    expect(command).toContain('--content S3Bucket=YOUR_BUCKET,S3Key=layers/numpy-python3.12-x86_64.zip');
    expect(command).not.toContain('--zip-file');
    expect(command).toContain('--compatible-runtimes python3.12');
  });

  it('quotes a file name the shell would split', () => {
    expect(publishCommand({ filename: "odd name's.zip", size: 10, architecture: 'x86_64' }, '3.11')).toContain(
      `--zip-file 'fileb://odd name'\\''s.zip'`,
    );
  });
});

describe('layerNameFor', () => {
  it('keeps only the characters Lambda allows in a layer name', () => {
    expect(layerNameFor('pydantic-core-python3.12-x86_64.zip')).toBe('pydantic-core-python3-12-x86_64');
  });
});
