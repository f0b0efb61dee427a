/**
 * Counts on the hot path with plain numbers. prom-client hashes its labels on
 * every inc(), which costs a playlist request about a fifth of its time; the
 * owner of the Prometheus counters drains this instead (on scrape, or once a
 * second from an edge worker).
 */
export class HlsTally {
  /** "route\tstatus" -> requests */
  readonly #requests = new Map<string, number>();
  /** "stream\tkind" -> bytes */
  readonly #bytes = new Map<string, number>();

  request(route: string, status: string): void {
    const key = `${route}\t${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  served(stream: string, kind: string, bytes: number): void {
    const key = `${stream}\t${kind}`;
    this.#bytes.set(key, (this.#bytes.get(key) ?? 0) + bytes);
  }

  /** [[route, status], count] since the last drain. */
  drainRequests(): Array<[[string, string], number]> {
    return drain(this.#requests);
  }

  /** [[stream, kind], bytes] since the last drain. */
  drainBytes(): Array<[[string, string], number]> {
    return drain(this.#bytes);
  }

  get empty(): boolean {
    return this.#requests.size === 0 && this.#bytes.size === 0;
  }
}

function drain(map: Map<string, number>): Array<[[string, string], number]> {
  const out: Array<[[string, string], number]> = [];
  for (const [key, n] of map) {
    const tab = key.indexOf('\t');
    out.push([[key.slice(0, tab), key.slice(tab + 1)], n]);
  }
  map.clear();
  return out;
}
