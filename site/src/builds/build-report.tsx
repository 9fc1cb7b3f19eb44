import type { Architecture, BuildView } from '../api/site-api.js';
import { formatBytes } from '../lib/format.js';

type Report = NonNullable<BuildView['report'][Architecture]>;

/** Lambda's limit for a function and all its layers, unzipped. */
const UNZIPPED_LIMIT = 250 * 1024 * 1024;

/** What one architecture's layer holds: sizes, largest packages, every package, warnings. */
export function BuildReport({ report }: { report: Report }) {
  const largest = report.largest_packages.slice(0, 5);
  const biggest = largest[0]?.size || 1;
  return (
    <section class="report" aria-label={`Report for ${report.architecture}`}>
      <h4>
        {report.architecture}: {report.packages.length} packages
      </h4>
      <dl class="sizes">
        <div>
          <dt>Unzipped</dt>
          <dd>
            {formatBytes(report.unzipped_size)}{' '}
            <meter min={0} max={UNZIPPED_LIMIT} high={UNZIPPED_LIMIT * 0.8} value={report.unzipped_size} aria-label="Share of Lambda's 250 MB limit" />
          </dd>
        </div>
        <div>
          <dt>Zipped</dt>
          <dd>{formatBytes(report.zipped_size)}</dd>
        </div>
        <div>
          <dt>Built with</dt>
          <dd>{report.strategy_used}</dd>
        </div>
      </dl>
      {report.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {report.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      {largest.length > 0 && (
        <>
          <h5>Largest packages</h5>
          <ol class="largest">
            {largest.map((pkg) => (
              <li key={pkg.name}>
                <span class="largest-name">{pkg.name}</span>
                <span class="largest-bar" style={{ width: `${Math.max(2, (pkg.size / biggest) * 100)}%` }} aria-hidden="true" />
                <span class="largest-size">{formatBytes(pkg.size)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
      <details class="packages">
        <summary>Resolved packages ({report.packages.length})</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Package</th>
              <th scope="col">Version</th>
              <th scope="col" class="number">Size</th>
            </tr>
          </thead>
          <tbody>
            {report.packages.map((pkg) => (
              <tr key={pkg.name}>
                <td>{pkg.name}</td>
                <td>{pkg.version}</td>
                <td class="number">{formatBytes(pkg.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.removed_packages.length > 0 && <p class="hint">Left out: {report.removed_packages.join(', ')}.</p>}
      </details>
    </section>
  );
}
