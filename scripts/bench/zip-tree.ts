import { writeDeterministicZip } from '../../builder/deterministic-zip.js';

/** Zips one tree with the builder's zip writer; run as its own process by the benchmark. */
const [sourceDir, prefix, outPath] = process.argv.slice(2);
if (!sourceDir || !prefix || !outPath) {
  console.error('usage: zip-tree.ts SOURCE_DIR PREFIX OUT.zip');
  process.exit(2);
}
const result = await writeDeterministicZip({ sourceDir, prefix, outPath });
console.log(JSON.stringify(result));
