import { ARCHITECTURES, deprecationStage, glibcLabel, PYTHON_VERSIONS, RUNTIMES } from '../core/runtime-catalog.js';
import { LAYOUTS, STRATEGIES } from '../core/schemas.js';

/** GET /runtimes: what the site's form offers, with each runtime's OS and deprecation. */
export function runtimeCatalog(now: Date) {
  const today = now.toISOString().slice(0, 10);
  return {
    runtimes: PYTHON_VERSIONS.map((version) => {
      const runtime = RUNTIMES[version];
      return {
        python_version: version,
        runtime: runtime.runtime,
        os: runtime.os,
        glibc: glibcLabel(runtime),
        deprecation: runtime.deprecation,
        stage: deprecationStage(runtime, today),
      };
    }),
    architectures: [...ARCHITECTURES],
    strategies: [...STRATEGIES],
    layouts: [...LAYOUTS],
    defaults: { python_version: '3.13', architectures: ['x86_64'], single_file: true, strategy: 'auto', layout: 'site-packages' },
  };
}
