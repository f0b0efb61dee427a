import type { SourceSpec } from '../config/source-spec.js';
import type { Logger } from '../log/logger.js';
import type { Source } from './source.js';

export interface SourceDeps {
  logger: Logger;
  poll: boolean;
  pollIntervalMs: number;
  /** fixtures/demo, for the demo source. */
  demoFolder: string;
  /** For push sources: the caps on uploads (bytes) and the offline timeout (seconds). */
  push: { maxFileBytes: number; maxBytes: number; offlineAfterSeconds: number };
}

/**
 * Opens the source a spec names: a folder (or mounted share), an SMB share
 * read directly, uploads pushed over HTTP, or the demo. Each kind's code (chokidar, the SMB client) is
 * loaded only when a source of that kind is configured: memory on a small board.
 */
export async function createSource(spec: SourceSpec, deps: SourceDeps): Promise<Source> {
  switch (spec.kind) {
    case 'folder': {
      const { FolderSource } = await import('./folder-source.js');
      return new FolderSource({ path: spec.path, logger: deps.logger, poll: deps.poll, pollIntervalMs: deps.pollIntervalMs });
    }
    case 'demo': {
      const { DemoSource } = await import('./demo-source.js');
      return new DemoSource({ folder: deps.demoFolder, logger: deps.logger });
    }
    case 'smb': {
      const { SmbSource } = await import('./smb-source.js');
      return new SmbSource({ spec, logger: deps.logger, pollIntervalMs: deps.pollIntervalMs, changeNotify: !deps.poll });
    }
    case 'push': {
      const { PushSource } = await import('./push/push-source.js');
      return new PushSource({ name: spec.name, logger: deps.logger, ...deps.push });
    }
  }
}
