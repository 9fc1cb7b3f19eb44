import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One esbuild configuration for every Lambda and the builder agent, used by the Pulumi
 * program (code archives) and by the benchmark (sizes). Node 22, ESM, minified. The
 * AWS SDK v3 is left out: the nodejs22.x runtime ships it (`/var/runtime/node_modules`),
 * which keeps the API bundle small and its cold start short. The agent runs on EC2, where
 * no runtime provides the SDK, so its bundle includes it.
 */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface LambdaBundle {
  /** The bundled ES module, e.g. `index.mjs` inside the code archive. */
  code: string;
  bytes: number;
  /** Bytes in the output per package (or `project` for our own code), largest first. */
  composition: Array<{ name: string; bytes: number }>;
}

/** zod's classic API re-exports ~40 message locales; only English is used. */
const englishOnlyZod: Plugin = {
  name: 'zod-english-only',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(join('node_modules', 'zod', 'v4')) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: PROJECT_ROOT,
    }));
  },
};

/**
 * builder/python-scripts.ts reads the builder's Python helpers from beside itself; a
 * bundle has nothing beside it, so the helpers are inlined as strings instead.
 */
const inlinePythonHelpers: Plugin = {
  name: 'inline-python-helpers',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]builder[\\/]python-scripts\.ts$/ }, async (args) => {
      const read = (name: string) => readFile(join(dirname(args.path), name), 'utf8');
      return {
        contents: [
          `export const PIP_TARGET_ENV_PY = ${JSON.stringify(await read('pip-target-env.py'))};`,
          `export const IMPORT_CHECK_PY = ${JSON.stringify(await read('import-check.py'))};`,
        ].join('\n'),
        loader: 'js',
        watchFiles: [join(dirname(args.path), 'pip-target-env.py'), join(dirname(args.path), 'import-check.py')],
      };
    });
  },
};

function packageOf(inputPath: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(inputPath);
  return match ? match[1]! : 'project';
}

export async function bundleLambda(entry: string, opts: { includeAwsSdk?: boolean } = {}): Promise<LambdaBundle> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    treeShaking: true,
    write: false,
    metafile: true,
    legalComments: 'none',
    external: opts.includeAwsSdk ? [] : ['@aws-sdk/*', '@smithy/*'],
    plugins: [englishOnlyZod, inlinePythonHelpers],
    // ESM output still meets CommonJS dependencies that call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0]!;
  const composition = new Map<string, number>();
  for (const meta of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(meta.inputs)) {
      composition.set(packageOf(path), (composition.get(packageOf(path)) ?? 0) + input.bytesInOutput);
    }
  }
  return {
    code: output.text,
    bytes: output.contents.byteLength,
    composition: [...composition].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}
