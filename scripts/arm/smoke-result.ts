/** The report scripts/arm-smoke prints as "ARM_SMOKE_RESULT {...}" with --json. */
export interface SmokeResult {
  ok: boolean;
  error?: string;
  /** Checks that did not hold (the run fails when there is any). */
  failures: string[];
  qemu?: string;
  node?: { version: string; binary: string; elf32: boolean; elfMachine: number; pie: boolean };
  /** The runtime: the bake target it stands for and Debian's nodejs package. */
  runtime?: { target: string; suite: string; nodeLine: number; nodePackage: string; archives: string[]; indexWarning?: string; made: string; userEntry: string | null };
  /** process.arch as the ARM node reports it. */
  arch?: string;
  /** process.version, process.platform from the same run. */
  version?: string;
  platform?: string;
  nodeStartSeconds?: number;
  build?: { seconds: number; steps: string[]; files: string[]; nativeFindings: number; packages: number };
  server?: {
    healthySeconds: number;
    healthz: number;
    playlist: { status: number; segments: number; url: string };
    segment: { status: number; url: string; bytes: number; mpegts: boolean; fixture: string | undefined; sha256: string };
    requests: number;
    failedRequests: number;
    statusArch?: string;
  };
  healthcheck?: { argv: string[]; exitCode: number | null; seconds: number };
  /** bin/node-support.js run by the ARM node, as it judges the image's /usr/bin/node on the image's Debian. */
  nodeSupport?: { by: string; supportedUntil: string | null; os: string; warning: string | null };
  memory?: { guestRssMB: number; guestPeakRssMB: number; qemuRssMB: number; qemuPeakRssMB: number; samples: number; serveSeconds: number; viewers: number };
  shutdown?: { signal: string; exitCode: number | null; exitSignal: string | null; seconds: number };
  seconds?: number;
}
