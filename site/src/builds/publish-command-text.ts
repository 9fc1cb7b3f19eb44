/** Lambda takes a layer zip directly only up to this size; larger ones go through S3. */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

export interface PublishableFile {
  filename: string;
  size: number;
  architecture: 'x86_64' | 'arm64';
}

/** Layer names allow letters, digits, `-` and `_` (up to 140): `combined-python3-13-x86_64`. */
export function layerNameFor(filename: string): string {
  return filename.replace(/\.zip$/i, '').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 140) || 'python-layer';
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9._\/:=,@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A ready-to-paste `aws lambda publish-layer-version` for one downloaded file, with the
 * build's runtime and the file's architecture; over 50 MB, the S3 upload it needs first.
 */
export function publishCommand(file: PublishableFile, pythonVersion: string): string {
  const options = [
    `--layer-name ${shellWord(layerNameFor(file.filename))}`,
    file.size > DIRECT_UPLOAD_LIMIT
      ? `--content ${shellWord(`S3Bucket=YOUR_BUCKET,S3Key=layers/${file.filename}`)}`
      : `--zip-file ${shellWord(`fileb://${file.filename}`)}`,
    `--compatible-runtimes python${pythonVersion}`,
    `--compatible-architectures ${file.architecture}`,
  ];
  const publish = ['aws lambda publish-layer-version', ...options].join(' \\\n  ');
  if (file.size <= DIRECT_UPLOAD_LIMIT) return publish;
  return [
    '# Over 50 MB: Lambda takes this zip only from S3. Replace YOUR_BUCKET with a bucket in the same region.',
    `aws s3 cp ${shellWord(file.filename)} ${shellWord(`s3://YOUR_BUCKET/layers/${file.filename}`)}`,
    publish,
  ].join('\n');
}
