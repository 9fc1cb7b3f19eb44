import { relative } from 'node:path';
import { ARCHITECTURES } from '../../core/runtime-catalog.js';
import { formatBytes } from '../../builder/layer-files.js';
import type { BuildOutcome } from './outcome.js';

const LARGEST_SHOWN = 8;


function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** The human summary printed at the end of `build`: files, packages, warnings, failures. */
export function formatSummary(outcome: BuildOutcome): string {
  const lines: string[] = [];
  const id = outcome.build_id ? ` ${outcome.build_id}` : '';
  const cached = outcome.cached ? ' (reused an identical finished build)' : '';
  lines.push(`Build${id} ${outcome.status} in ${outcome.seconds.toFixed(1)} s${cached}`);
  for (const arch of ARCHITECTURES) {
    const report = outcome.report[arch];
    const failure = outcome.failures[arch];
    if (!report && !failure) continue;
    lines.push('', `== python${outcome.python_version} ${arch} ==`);
    if (failure) {
      lines.push(`FAILED: ${failure}`);
      continue;
    }
    if (!report) continue;
    const files = outcome.files.filter((file) => file.architecture === arch);
    lines.push(table([['file', 'zipped', 'sha256'], ...files.map((file) => [relative(process.cwd(), file.path) || file.filename, formatBytes(file.size), file.sha256.slice(0, 16)])]));
    lines.push(`${report.packages.length} packages, ${formatBytes(report.unzipped_size)} unzipped, ${formatBytes(report.zipped_size)} zipped (${report.strategy_used})`);
    lines.push(table([['package', 'version', 'size'], ...report.largest_packages.slice(0, LARGEST_SHOWN).map((p) => [p.name, p.version, formatBytes(p.size)])]));
    if (report.packages.length > LARGEST_SHOWN) {
      const others = [...report.packages].sort((a, b) => a.name.localeCompare(b.name)).map((p) => `${p.name}==${p.version}`);
      lines.push(`resolved: ${others.join(' ')}`);
    }
    if (report.removed_packages.length) lines.push(`removed (runtime provides them): ${report.removed_packages.join(', ')}`);
    for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  }
  return lines.join('\n');
}
