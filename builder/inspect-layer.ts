/**
 * Checks an installed layer tree (the site-packages root) for binaries that cannot load on
 * the target Lambda runtime: non-Linux binaries, the wrong ELF machine, glibc symbol
 * versions newer than the runtime's OS, and CPython extension modules named for another
 * interpreter. Symlinks are not followed (an in-tree target is checked where it lives).
 * `__pycache__` and `*.pyc` are not counted: the layer zip leaves them out.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  MACHINE_OF,
  glibcLabel,
  type Architecture,
  type RuntimeInfo,
} from '../core/runtime-catalog.js';
import {
  DT_RELR_GLIBC,
  compareGlibc,
  detectFormat,
  inspectBinary,
  isSharedObjectName,
} from './elf.js';

export type FindingKind = 'wrong-machine' | 'not-linux' | 'glibc-too-new' | 'wrong-abi';

export interface Finding {
  severity: 'error' | 'warning';
  kind: FindingKind;
  /** Relative to the inspected root, with `/` separators. */
  file: string;
  message: string;
}

export interface LayerInspection {
  findings: Finding[];
  /** Regular files in the tree, and their total size: the layer's unzipped footprint. */
  files: number;
  bytes: number;
}

export interface InspectTarget {
  runtime: RuntimeInfo;
  arch: Architecture;
}

const CONCURRENCY = 8;
const MACH_O_NAME = /\.dylib$/;
const PE_NAME = /\.(pyd|dll)$/i;
/** `name.cpython-313-x86_64-linux-gnu.so`; also the `t`/`d` ABI flags and musl. */
const EXTENSION_SUFFIX = /\.cpython-(\d)(\d+)([a-z]*)-(.+)-linux-(gnu|musl)[a-z0-9]*\.so$/;

export async function inspectLayerTree(
  root: string,
  target: InspectTarget,
): Promise<LayerInspection> {
  const files: { abs: string; rel: string }[] = [];
  await walk(root, '', files);

  const findings: Finding[] = [];
  let bytes = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      if (!file) continue;
      const result = await inspectFile(file.abs, file.rel, target);
      bytes += result.size;
      findings.push(...result.findings);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  findings.sort((a, b) => compareText(a.file, b.file) || compareText(a.kind, b.kind));
  return { findings, files: files.length, bytes };
}

async function walk(
  dir: string,
  relDir: string,
  out: { abs: string; rel: string }[],
): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '__pycache__') await walk(abs, rel, out);
    } else if (entry.isFile() && !entry.name.endsWith('.pyc')) {
      out.push({ abs, rel });
    }
  }
}

async function inspectFile(
  abs: string,
  rel: string,
  target: InspectTarget,
): Promise<{ size: number; findings: Finding[] }> {
  const name = path.posix.basename(rel);
  const handle = await open(abs, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(4, size));
    await handle.read(head, 0, head.length, 0);
    const format = detectFormat(head);
    const named = isSharedObjectName(name) || MACH_O_NAME.test(name) || PE_NAME.test(name);
    // An unnamed file counts only when it is ELF or thin Mach-O: a stray Windows launcher
    // (setuptools, pip's distlib ship `.exe`s) or a Java class file (0xcafebabe) never loads.
    const thinMachO = format === 'mach-o' && head.readUInt32BE(0) !== 0xcafebabe;
    if (!named && format !== 'elf' && !thinMachO) return { size, findings: [] };
    if (format !== 'elf') return { size, findings: notLinux(rel, name, format) };
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(bytes, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { size, findings: elfFindings(rel, name, bytes.subarray(0, read), target) };
  } finally {
    await handle.close();
  }
}

function notLinux(rel: string, name: string, format: string): Finding[] {
  let system: string | undefined;
  if (format === 'mach-o' || MACH_O_NAME.test(name)) system = 'a macOS (Mach-O) binary';
  else if (format === 'pe' || PE_NAME.test(name)) system = 'a Windows (PE) binary';
  if (!system) return [];
  return [
    {
      severity: 'error',
      kind: 'not-linux',
      file: rel,
      message: `${rel} is ${system}; Lambda runs Linux and cannot load it`,
    },
  ];
}

function elfFindings(rel: string, name: string, bytes: Buffer, target: InspectTarget): Finding[] {
  const findings: Finding[] = [];
  const { runtime } = target;
  const machine = MACHINE_OF[target.arch];
  const info = inspectBinary(bytes);

  if (info.machine !== undefined && info.machine !== machine) {
    findings.push({
      severity: 'error',
      kind: 'wrong-machine',
      file: rel,
      message: `${rel} is built for ${info.machine}, but this layer is for ${machine}`,
    });
  }

  const runtimeGlibc = `${runtime.glibc[0]}.${runtime.glibc[1]}`;
  const where = `${runtime.runtime} runs on ${runtime.os} with ${glibcLabel(runtime)}`;
  if (info.maxGlibc !== undefined && compareGlibc(info.maxGlibc, runtimeGlibc) > 0) {
    findings.push({
      severity: 'error',
      kind: 'glibc-too-new',
      file: rel,
      message: `${rel} needs GLIBC_${info.maxGlibc}, but ${where}`,
    });
  } else if (info.needsDtRelr && compareGlibc(DT_RELR_GLIBC, runtimeGlibc) > 0) {
    findings.push({
      severity: 'error',
      kind: 'glibc-too-new',
      file: rel,
      message: `${rel} needs GLIBC_ABI_DT_RELR (glibc ${DT_RELR_GLIBC}), but ${where}`,
    });
  }

  // auditwheel's `<dist>.libs/` holds vendored plain libraries, never extension modules.
  const vendored = rel.split('/').slice(0, -1).some((dir) => dir.endsWith('.libs'));
  if (!vendored) {
    const abi = abiProblem(name, target);
    if (abi) {
      findings.push({ severity: 'error', kind: 'wrong-abi', file: rel, message: `${rel} ${abi}` });
    }
  }
  return findings;
}

/** Why an extension module's file name does not fit the target, if it does not. */
export function abiProblem(name: string, target: InspectTarget): string | undefined {
  const match = EXTENSION_SUFFIX.exec(name);
  if (!match) return undefined;
  const [, major = '', minor = '', flags = '', machine = '', libc = ''] = match;
  const version = `${major}.${minor}`;
  const expected = MACHINE_OF[target.arch];
  const { runtime } = target;
  if (version !== runtime.python_version) {
    return `is for CPython ${version}${flags}, not ${runtime.runtime}`;
  }
  if (flags !== '') {
    return `is for CPython ${version}${flags} (ABI flags "${flags}"), not ${runtime.runtime}`;
  }
  if (machine !== expected) {
    return `is named for ${machine}, but this layer is for ${expected}`;
  }
  if (libc === 'musl') {
    return `is built for musl libc, but ${runtime.runtime} on Lambda uses glibc`;
  }
  return undefined;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
