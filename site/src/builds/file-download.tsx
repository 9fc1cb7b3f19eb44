import type { BuildView } from '../api/site-api.js';
import { formatBytes } from '../lib/format.js';
import { CopyButton } from '../ui/copy-button.js';
import { publishCommand } from './publish-command-text.js';

type File = BuildView['files'][number];

/** One zip: the download button with its size, its sha256, and how to publish it. */
export function FileDownload({ file, pythonVersion }: { file: File; pythonVersion: string }) {
  const command = publishCommand(file, pythonVersion);
  return (
    <li class="file" data-filename={file.filename}>
      <div class="file-line">
        <a class="button button-primary" href={file.download_url} download={file.filename}>
          Download {file.filename}
        </a>
        <span class="file-size">{formatBytes(file.size)}</span>
      </div>
      <p class="sha">
        <span class="hint">sha256</span> <code class="sha-value">{file.sha256}</code>
      </p>
      <div class="publish">
        <div class="publish-head">
          <span class="hint">Publish it as a layer</span>
          <CopyButton text={command} label={`Copy the publish command for ${file.filename}`} />
        </div>
        <pre tabIndex={0} aria-label={`Publish command for ${file.filename}`} class="command">
          {command}
        </pre>
      </div>
    </li>
  );
}
