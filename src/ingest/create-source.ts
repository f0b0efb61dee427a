import type { SourceSpec } from '../config/source-spec.js';
import type { Logger } from '../log/logger.js';
import { DemoSource } from './demo-source.js';
import { FolderSource } from './folder-source.js';
import { PushSource } from './push/push-source.js';
import { SmbSource } from './smb-source.js';
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

/** Opens the source a spec names: a folder (or mounted share), an SMB share read directly, uploads pushed over HTTP, or the demo. */
export function createSource(spec: SourceSpec, deps: SourceDeps): Source {
  switch (spec.kind) {
    case 'folder':
      return new FolderSource({ path: spec.path, logger: deps.logger, poll: deps.poll, pollIntervalMs: deps.pollIntervalMs });
    case 'demo':
      return new DemoSource({ folder: deps.demoFolder, logger: deps.logger });
    case 'smb':
      return new SmbSource({ spec, logger: deps.logger, pollIntervalMs: deps.pollIntervalMs, changeNotify: !deps.poll });
    case 'push':
      return new PushSource({ name: spec.name, logger: deps.logger, ...deps.push });
  }
}
