import { describe, expect, it } from 'vitest';
import { markerEnvironment } from './marker-environment.js';
import { evaluateMarker, parseMarker } from './markers.js';
import { RUNTIMES } from './runtime-catalog.js';

const env = (version: '3.10' | '3.11' | '3.12' | '3.13', arch: 'x86_64' | 'arm64' = 'x86_64') =>
  markerEnvironment(RUNTIMES[version], arch);
const holds = (marker: string, environment = env('3.11'), extras: string[] = []) =>
  evaluateMarker(parseMarker(marker), environment, extras);

describe('environment markers judged for the target runtime', () => {
  it('compares python_version as a version, not as text', () => {
    expect(holds('python_version < "3.11"', env('3.10'))).toBe(true);
    expect(holds('python_version < "3.11"', env('3.11'))).toBe(false);
    expect(holds('python_version >= "3.9"', env('3.10'))).toBe(true);
    expect(holds('python_version == "3.1"', env('3.10'))).toBe(false);
    expect(holds('"3.12" > python_version', env('3.11'))).toBe(true);
  });

  it('describes Linux on the target machine, whatever the host', () => {
    expect(holds('sys_platform == "linux" and platform_system == "Linux"')).toBe(true);
    expect(holds('sys_platform == "win32"')).toBe(false);
    expect(holds('platform_machine == "aarch64"', env('3.12', 'arm64'))).toBe(true);
    expect(holds('platform_machine == "aarch64"', env('3.12', 'x86_64'))).toBe(false);
  });

  it('handles and/or/parentheses, in, and extras', () => {
    expect(holds('(python_version < "3.8" or sys_platform == "linux") and os_name == "posix"')).toBe(true);
    expect(holds('"linux" in sys_platform')).toBe(true);
    expect(holds('sys_platform not in "win32 cygwin"')).toBe(true);
    expect(holds('extra == "socks"', env('3.11'), ['socks'])).toBe(true);
    expect(holds('extra == "socks"')).toBe(false);
  });

  it('refuses unknown variables and dangling operators', () => {
    expect(() => parseMarker('pythonversion < "3"')).toThrow(/unknown marker variable/);
    expect(() => parseMarker('python_version <')).toThrow();
    expect(() => parseMarker('python_version < "3" and')).toThrow();
  });
});
