import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { normalizeName } from '../core/requirements.js';

/**
 * Writes real, installable wheels and minimal sdists for tests. pip checks a wheel's
 * RECORD (sha256 and size of every file), so the zip is written by Python's zipfile from
 * a JSON description on stdin; entries carry fixed timestamps and explicit Unix modes.
 */

export type WheelFile = string | Buffer | { data: string | Buffer; mode: number };

export interface WheelSpec {
  name: string;
  version: string;
  /** Python tag, default `py3`; several joined with `.` (e.g. `py2.py3`). */
  python?: string;
  /** ABI tag, default `none`. */
  abi?: string;
  /** Platform tags, default `['any']`; several become a compressed tag set. */
  platforms?: string[];
  /** Requires-Dist lines, markers allowed. */
  requires?: string[];
  requiresPython?: string;
  /** Provides-Extra with the Requires-Dist lines each extra adds. */
  extras?: Record<string, string[]>;
  /** Extra files by path inside the wheel, e.g. `pkg/_ext.cpython-311-x86_64-linux-gnu.so`. */
  files?: Record<string, WheelFile>;
  /** Top-level package directory; default the normalized name with `_`. */
  topLevel?: string;
}

export interface SdistSpec {
  name: string;
  version: string;
}

/** PEP 427 escaping of the name part of a file name. */
export function wheelNamePart(name: string): string {
  return normalizeName(name).replace(/-/g, '_');
}

export function wheelFilename(spec: WheelSpec): string {
  const python = spec.python ?? 'py3';
  const abi = spec.abi ?? 'none';
  const platforms = spec.platforms ?? ['any'];
  return `${wheelNamePart(spec.name)}-${spec.version}-${python}-${abi}-${platforms.join('.')}.whl`;
}

function withExtra(requirement: string, extra: string): string {
  const [spec = '', ...markerParts] = requirement.split(';');
  const marker = markerParts.join(';').trim();
  return marker ? `${spec.trim()} ; (${marker}) and extra == "${extra}"` : `${spec.trim()} ; extra == "${extra}"`;
}

function metadata(spec: WheelSpec): string {
  const lines = ['Metadata-Version: 2.1', `Name: ${spec.name}`, `Version: ${spec.version}`];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const requirement of spec.requires ?? []) lines.push(`Requires-Dist: ${requirement}`);
  for (const [extra, requirements] of Object.entries(spec.extras ?? {})) {
    lines.push(`Provides-Extra: ${extra}`);
    for (const requirement of requirements) lines.push(`Requires-Dist: ${withExtra(requirement, extra)}`);
  }
  return `${lines.join('\n')}\n\n`;
}

interface PythonEntry {
  path: string;
  /** base64 */
  data: string;
  mode: number;
}

function entry(path: string, file: WheelFile): PythonEntry {
  const { data, mode } = typeof file === 'string' || Buffer.isBuffer(file) ? { data: file, mode: 0o644 } : file;
  return { path, data: Buffer.from(data).toString('base64'), mode };
}

const WRITER = String.raw`
import base64, hashlib, io, json, sys, tarfile, zipfile
spec = json.load(sys.stdin)
out = spec["out"]
if spec["kind"] == "wheel":
    record = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        def put(path, data, mode):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for item in spec["entries"]:
            data = base64.b64decode(item["data"])
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            put(item["path"], data, item["mode"])
            record.append("%s,sha256=%s,%d" % (item["path"], digest, len(data)))
        record_path = spec["distInfo"] + "/RECORD"
        record.append(record_path + ",,")
        put(record_path, ("\n".join(record) + "\n").encode(), 0o644)
else:
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for item in spec["entries"]:
            data = base64.b64decode(item["data"])
            info = tarfile.TarInfo(item["path"])
            info.size = len(data)
            info.mode = item["mode"]
            info.mtime = 315532800
            archive.addfile(info, io.BytesIO(data))
`;

async function runWriter(job: { kind: 'wheel' | 'sdist'; out: string; entries: PythonEntry[]; distInfo?: string }): Promise<void> {
  const child = spawn('python3', ['-c', WRITER], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`writing ${job.out} failed (exit ${code}): ${stderr}`);
}

/** Writes the wheel into `dir` and answers its path. */
export async function writeWheel(dir: string, spec: WheelSpec): Promise<string> {
  const namePart = wheelNamePart(spec.name);
  const topLevel = spec.topLevel ?? namePart;
  const distInfo = `${namePart}-${spec.version}.dist-info`;
  const platforms = spec.platforms ?? ['any'];
  const pure = platforms.every((platform) => platform === 'any') && (spec.abi ?? 'none') === 'none';
  const tags: string[] = [];
  for (const python of (spec.python ?? 'py3').split('.'))
    for (const abi of (spec.abi ?? 'none').split('.'))
      for (const platform of platforms) tags.push(`Tag: ${python}-${abi}-${platform}`);
  const wheelInfo = ['Wheel-Version: 1.0', 'Generator: lambda-layer-builder-tests', `Root-Is-Purelib: ${pure}`, ...tags].join('\n');

  const files: Record<string, WheelFile> = { [`${topLevel}/__init__.py`]: `__version__ = "${spec.version}"\n`, ...spec.files };
  const entries = Object.entries(files).map(([path, file]) => entry(path, file));
  entries.push(entry(`${distInfo}/METADATA`, metadata(spec)));
  entries.push(entry(`${distInfo}/WHEEL`, `${wheelInfo}\n`));

  const out = join(dir, wheelFilename(spec));
  await runWriter({ kind: 'wheel', out, entries, distInfo });
  return out;
}

/** Writes `name-version.tar.gz` (PEP 625 name) with PKG-INFO and a setup.py; answers its path. */
export async function writeSdist(dir: string, spec: SdistSpec): Promise<string> {
  const base = `${wheelNamePart(spec.name)}-${spec.version}`;
  const pkgInfo = `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n\n`;
  const setup = `from setuptools import setup\nsetup(name=${JSON.stringify(spec.name)}, version=${JSON.stringify(spec.version)})\n`;
  const out = join(dir, `${base}.tar.gz`);
  await runWriter({
    kind: 'sdist',
    out,
    entries: [entry(`${base}/PKG-INFO`, pkgInfo), entry(`${base}/setup.py`, setup)],
  });
  return out;
}
