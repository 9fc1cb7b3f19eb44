import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BuildRequestInput } from '../../core/schemas.js';

/** The CLI's command line, checked once. Usage problems are UsageError (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Build AWS Lambda Python layers that import cleanly on the exact Lambda runtime.

Usage:
  npm run layer -- build (-r FILE | --package SPEC...) [options]
  npm run layer -- runtimes [--api URL] [--json]
  npm run layer -- status BUILD_ID --api URL [--json]

Build options:
  -r, --requirements FILE   requirements.txt to build ("-" reads standard input)
  -p, --package SPEC        a requirement such as "requests==2.32.4" (repeatable)
  --python VERSION          3.10, 3.11, 3.12, 3.13 or 3.14 (default 3.13)
  --arch LIST               x86_64, arm64 or both, comma-separated (default x86_64)
  --individual              one zip per requested package instead of one combined zip
  --strategy NAME           auto (default), wheels or container
  --layout NAME             site-packages (python/lib/pythonX.Y/site-packages, default) or python
  --exclude-runtime-sdk     leave out boto3/botocore/s3transfer (the runtime ships them)
  --slim                    drop type stubs, C sources and nested test suites
  --skip-x86, --skip-arm64  drop an architecture from --arch (the seed script's flags)
  --out DIR                 where zips are written (default ./layers)
  --json                    print the result as JSON on stdout
  -q, --quiet               no progress lines

Where it builds:
  (default)                 on this machine, with this machine's python3 and pip
  --index-url URL           package index for local builds (default https://pypi.org/simple,
                            or LAYER_INDEX_URL)
  --extra-index-url URL     another index for local builds (repeatable)
  --image-prefix PREFIX     container strategy images: PREFIX/build-pythonX.Y:latest-ARCH
                            (default public.ecr.aws/sam)
  --check-imports           import every top-level module of each zip with the target
                            Python (this machine's python3.X, else the runtime's image)
  --api URL                 a build service (npm start, or the deployed apiUrl)
  --token TOKEN             its API token (or LAYER_API_TOKEN)
  --no-cache                make the service build again even if it has this build

Exit status: 0 built, 1 build failed, 2 bad input or usage.
`;

export interface BuildCommand {
  command: 'build';
  requirements: string;
  /** Where the requirements came from, for error messages (file name or "--package"). */
  source: string;
  python: string;
  architectures: string[];
  individual: boolean;
  strategy: string;
  layout: string;
  excludeRuntimeSdk: boolean;
  slim: boolean;
  out: string;
  json: boolean;
  quiet: boolean;
  indexUrl: string;
  extraIndexUrls: string[];
  api?: string;
  token?: string;
  noCache: boolean;
  /** Container strategy image repository prefix (default: the official SAM build images). */
  imagePrefix?: string;
  /** Import every top-level module of each local zip with the target Python. */
  checkImports: boolean;
}

export type Command =
  | BuildCommand
  | { command: 'runtimes'; api?: string; token?: string; json: boolean }
  | { command: 'status'; buildId: string; api: string; token?: string; json: boolean }
  | { command: 'help' };

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv, readInput: (path: string) => string = readRequirementsFile): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        requirements: { type: 'string', short: 'r' },
        package: { type: 'string', short: 'p', multiple: true },
        python: { type: 'string', default: '3.13' },
        arch: { type: 'string', default: 'x86_64' },
        individual: { type: 'boolean', default: false },
        strategy: { type: 'string', default: 'auto' },
        layout: { type: 'string', default: 'site-packages' },
        'exclude-runtime-sdk': { type: 'boolean', default: false },
        slim: { type: 'boolean', default: false },
        out: { type: 'string', default: 'layers' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        'index-url': { type: 'string' },
        'extra-index-url': { type: 'string', multiple: true },
        api: { type: 'string' },
        token: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        'image-prefix': { type: 'string' },
        'check-imports': { type: 'boolean', default: false },
        'skip-x86': { type: 'boolean', default: false },
        'skip-amd64': { type: 'boolean', default: false },
        'skip-arm64': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') return { command: 'help' };
  const token = values.token ?? env.LAYER_API_TOKEN;

  if (command === 'runtimes') return { command, api: values.api, token, json: values.json };
  if (command === 'status') {
    if (!rest[0] || !values.api) throw new UsageError('status needs a build id and --api URL');
    return { command, buildId: rest[0], api: values.api, token, json: values.json };
  }
  if (command !== 'build') throw new UsageError(`unknown command "${command}" (try --help)`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);

  const packages = values.package ?? [];
  if (!values.requirements && packages.length === 0) throw new UsageError('build needs -r FILE or --package SPEC');
  if (values.requirements && packages.length > 0) throw new UsageError('use either -r FILE or --package SPEC, not both');
  const requirements = values.requirements ? readInput(values.requirements) : packages.join('\n') + '\n';
  const indexUrl = values['index-url'] ?? env.LAYER_INDEX_URL ?? 'https://pypi.org/simple';
  if (values.api) {
    const ignored = [
      ['--index-url', values['index-url']],
      ['--extra-index-url', values['extra-index-url']],
      ['--image-prefix', values['image-prefix']],
      ['--check-imports', values['check-imports'] || undefined],
    ].filter(([, value]) => value !== undefined).map(([option]) => option);
    if (ignored.length > 0) throw new UsageError(`${ignored.join(', ')} ${ignored.length === 1 ? 'applies' : 'apply'} to builds on this machine; with --api the service uses its operator's settings`);
  }
  for (const [option, url] of [['--index-url', indexUrl], ...(values['extra-index-url'] ?? []).map((u) => ['--extra-index-url', u]), ['--api', values.api]] as const) {
    if (url !== undefined && !URL.canParse(url)) throw new UsageError(`${option} ${JSON.stringify(url)} is not a URL`);
  }

  return {
    command: 'build',
    requirements,
    source: values.requirements ?? '--package',
    python: values.python,
    architectures: values.arch
      .split(',')
      // Lambda says arm64; machines and zip names say aarch64: accept both here.
      .map((arch) => (arch.trim() === 'aarch64' ? 'arm64' : arch.trim()))
      .filter((arch) => arch && !(arch === 'x86_64' && (values['skip-x86'] || values['skip-amd64'])) && !(arch === 'arm64' && values['skip-arm64'])),
    individual: values.individual,
    strategy: values.strategy,
    layout: values.layout,
    excludeRuntimeSdk: values['exclude-runtime-sdk'],
    slim: values.slim,
    out: values.out,
    json: values.json,
    quiet: values.quiet,
    indexUrl,
    extraIndexUrls: values['extra-index-url'] ?? [],
    api: values.api,
    token,
    noCache: values['no-cache'],
    imagePrefix: values['image-prefix'],
    checkImports: values['check-imports'],
  };
}

function readRequirementsFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The body POST /builds takes, from the command line. */
export function buildRequestBody(command: BuildCommand): BuildRequestInput {
  // The strings go as typed; the service (or validateBuildRequest here) checks them.
  return {
    requirements: command.requirements,
    python_version: command.python as BuildRequestInput['python_version'],
    architectures: command.architectures as BuildRequestInput['architectures'],
    single_file: !command.individual,
    strategy: command.strategy as BuildRequestInput['strategy'],
    layout: command.layout as BuildRequestInput['layout'],
    exclude_runtime_sdk: command.excludeRuntimeSdk,
    slim: command.slim,
    no_cache: command.noCache,
  };
}
