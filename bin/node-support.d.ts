// Types of node-support.js, for the TypeScript tests.

export interface NodeLine {
  /** Last day the Node.js project gives the line security fixes (YYYY-MM-DD). */
  eol: string;
  /** package.json's engines names it and npm test runs the unit tests on it. */
  tested: boolean;
  testedWith?: { version: string; integrity: string };
}

export interface DebianRelease {
  version: string;
  securityUntil: string;
  ltsUntil: string;
  /** The Node.js line of the release's nodejs package. */
  nodeLine: number;
  nodejs?: string;
  platforms?: string[];
}

export interface NodeLines {
  nodeLines: Record<string, NodeLine>;
  /** Node.js line -> docker.io/library/node variant -> platforms it is published for. */
  nodeImages: Record<string, Record<string, string[]>>;
  /** Debian codename -> release. */
  debian: Record<string, DebianRelease>;
}

export interface NodeSupport {
  line: number;
  version: string;
  tested: boolean;
  /** Who gives this build its security fixes. */
  by: string;
  /** Their last day (YYYY-MM-DD); undefined when the table does not know the line. */
  supportedUntil: string | undefined;
}

export function loadNodeLines(): NodeLines;
export function parseOsRelease(text: string): Record<string, string>;
export function nodeSupport(
  running: { version: string; execPath: string; osRelease: Record<string, string> },
  table: NodeLines,
): NodeSupport;
export function nodeWarning(support: NodeSupport, table: NodeLines, today: string): string | undefined;
export function startupWarning(): string | undefined;
