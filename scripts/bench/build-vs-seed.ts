import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { mark, measureCommand, summarize, type Measurement } from './measure.js';

/** The seed's way: pip for the build host into the layer dir, then Info-ZIP. */
const SEED_WAY = `set -e
pip install --isolated --disable-pip-version-check --no-input -q --index-url "$1" -r "$2" -t "$3/python/lib/python$4/site-packages"
cd "$3" && zip -r -q layer.zip python`;

export interface BuildVsSeed {
  comparison: string[];
  /** The built layer imported with the target Python. */
  imports: string[];
  /** The seed way's installed tree (input of the zip-step section). */
  seedTree: string;
}

/** (a) a fresh build with this builder vs the seed's way, and the real-input import check. */
export async function buildVsSeedSection(context: BenchContext): Promise<BuildVsSeed> {
  const { tsx, projectRoot, requirements, indexUrl, python } = context;
  const cli = join(projectRoot, 'scripts/layer.ts');
  context.log('(a) fresh build vs pip install -t + zip -r');
  const ours: Measurement[] = [];
  const seed: Measurement[] = [];
  for (let i = 0; i < context.runs; i++) {
    const outOurs = await context.freshDir('ours');
    ours.push(await measureCommand(tsx, [cli, 'build', '-r', requirements, '--python', python, '--arch', 'x86_64', '--index-url', indexUrl, '--out', outOurs, '-q'], { cwd: projectRoot }));
    const outSeed = await context.freshDir('seed');
    seed.push(await measureCommand('bash', ['-c', SEED_WAY, 'seed-way', indexUrl, requirements, outSeed, python]));
    context.log(`  run ${i + 1}: ours ${ours.at(-1)!.seconds.toFixed(2)} s, seed way ${seed.at(-1)!.seconds.toFixed(2)} s`);
  }
  const a = { ours: summarize(ours), seed: summarize(seed) };
  const ratio = a.ours.seconds / a.seed.seconds;
  const seedTree = join(context.work, 'seed');
  const seedNumpy = (await readdir(join(seedTree, `python/lib/python${python}/site-packages`))).find((entry) => entry.startsWith('numpy-'));

  const built = JSON.parse(
    execFileSync(tsx, [cli, 'build', '-r', requirements, '--python', python, '--index-url', indexUrl, '--out', await context.freshDir('ours-json'), '-q', '--json'], { encoding: 'utf8' }),
  ) as { report: { x86_64: { packages: Array<{ name: string; version: string }> } }; files: Array<{ path: string; sha256: string; size: number }> };
  const oursNumpy = built.report.x86_64.packages.find((p) => p.name === 'numpy');

  context.log('real input: import check');
  const extract = await context.freshDir('extract');
  execFileSync('unzip', ['-q', built.files[0]!.path, '-d', extract]);
  const importCheck = execFileSync('python3', ['-I', join(projectRoot, 'builder/import-check.py'), join(extract, `python/lib/python${python}/site-packages`)], { encoding: 'utf8' }).trim();
  const file = built.files[0]!;

  return {
    seedTree,
    comparison: [
      "## (a) Fresh build: this builder vs the seed's way",
      '',
      '| | command | median | peak memory |',
      '|---|---|---|---|',
      `| this builder | \`npm run layer -- build -r … --python ${python} --index-url …\` | ${a.ours.seconds.toFixed(2)} s | ${a.ours.peakMb?.toFixed(0) ?? '?'} MB |`,
      `| seed's way | \`pip install -r … -t python/lib/python${python}/site-packages && zip -r -q layer.zip python\` | ${a.seed.seconds.toFixed(2)} s | ${a.seed.peakMb?.toFixed(0) ?? '?'} MB |`,
      '',
      `Ratio ours / seed: **${ratio.toFixed(2)}x** (target at most 1.15x: ${mark(ratio <= 1.15)}). Runs: ours ${a.ours.all.map((s) => s.toFixed(2)).join(', ')}; seed ${a.seed.all.map((s) => s.toFixed(2)).join(', ')}.`,
      '',
      `They do not build the same layer: the seed's way resolves for the build host, so it installed \`${seedNumpy}\`, whose wheel needs glibc 2.27+ and fails on python${python} (Amazon Linux 2, glibc 2.26) with "GLIBC_2.27 not found". This builder resolved numpy ${oursNumpy?.version} (manylinux2014), checked every \`.so\`, and wrote a deterministic zip.`,
      '',
    ],
    imports: [
      '## Real input imports',
      '',
      `The layer built in (a) (\`${file.path.split('/').pop()}\`, ${(file.size / 2 ** 20).toFixed(1)} MB, sha256 \`${file.sha256}\`), unzipped, every top-level module imported by Python ${python} (\`python3 -I builder/import-check.py …/python/lib/python${python}/site-packages\`):`,
      '',
      '```',
      importCheck,
      '```',
      '',
      `Resolved: ${built.report.x86_64.packages.map((p) => `${p.name}==${p.version}`).join(', ')}.`,
      '',
    ],
  };
}
