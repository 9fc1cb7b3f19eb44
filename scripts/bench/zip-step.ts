import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { measureCommand, summarize, type Measurement } from './measure.js';

async function sizeOfTree(dir: string): Promise<{ bytes: number; bytecodeFiles: number }> {
  let bytes = 0;
  let bytecodeFiles = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
    if (entry.name.endsWith('.pyc')) bytecodeFiles += 1;
  }
  return { bytes, bytecodeFiles };
}

/** (b) the zip step alone: the deterministic zip vs Info-ZIP on the same tree. */
export async function zipStepSection(context: BenchContext, tree: string): Promise<string[]> {
  context.log('(b) zip step: deterministic zip vs zip -r -q');
  const { bytes, bytecodeFiles } = await sizeOfTree(join(tree, 'python'));
  const ours: Measurement[] = [];
  const info: Measurement[] = [];
  const oursZip = join(context.work, 'z-ours.zip');
  const infoZip = join(context.work, 'z-info.zip');
  for (let i = 0; i < context.runs; i++) {
    await rm(oursZip, { force: true });
    ours.push(await measureCommand(context.tsx, [join(context.projectRoot, 'scripts/bench/zip-tree.ts'), join(tree, 'python'), 'python/', oursZip], { cwd: context.projectRoot }));
    await rm(infoZip, { force: true });
    info.push(await measureCommand('zip', ['-r', '-q', infoZip, 'python'], { cwd: tree }));
  }
  const b = { ours: summarize(ours), info: summarize(info) };
  const size = async (file: string) => ((await stat(file)).size / 2 ** 20).toFixed(2);
  return [
    '## (b) The zip step alone, same tree',
    '',
    `Tree: the seed way's \`python/\` (${(bytes / 2 ** 20).toFixed(1)} MB).`,
    '',
    '| | median | peak memory | zip size |',
    '|---|---|---|---|',
    `| deterministic zip (builder/deterministic-zip.ts, as its own process) | ${b.ours.seconds.toFixed(2)} s | ${b.ours.peakMb?.toFixed(0) ?? '?'} MB | ${await size(oursZip)} MB |`,
    `| Info-ZIP \`zip -r -q\` | ${b.info.seconds.toFixed(2)} s | ${b.info.peakMb?.toFixed(0) ?? '?'} MB | ${await size(infoZip)} MB |`,
    '',
    `Ratio ours / zip: **${(b.ours.seconds / b.info.seconds).toFixed(2)}x** (lower is faster; ours includes Node start-up). The outputs differ by design: \`zip -r\` also stores the ${bytecodeFiles} \`.pyc\` files pip compiled for the build host, which the deterministic zip leaves out (CASES 16); both deflate at level 6.`,
    '',
  ];
}
