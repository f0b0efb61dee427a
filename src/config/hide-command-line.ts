/** What `ps` shows for a running sharecast once its command line is hidden. */
export const PROCESS_TITLE = 'sharecast';

/**
 * Replaces the process's command line (what `ps` and /proc/PID/cmdline show
 * to every user of the machine) with PROCESS_TITLE, so a secret given as a
 * flag does not stay there. On Linux, node writes the title over the memory
 * that held the arguments; process.argv keeps its own copy. Returns whether
 * the platform took the title (elsewhere it may only name a console window).
 */
export function hideCommandLine(title: string = PROCESS_TITLE): boolean {
  try {
    process.title = title;
    return process.title === title;
  } catch {
    return false;
  }
}
