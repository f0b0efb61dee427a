import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as the /hls handler reads it: method, URL, headers and the client's address. */
export function fakeRequest(url: string, o: { method?: string; headers?: Record<string, string> } = {}): IncomingMessage {
  return { url, method: o.method ?? 'GET', headers: o.headers ?? {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}

/** A response that records what was written; `closeByClient()` plays a viewer that went away. */
export class FakeResponse extends EventEmitter {
  statusCode = 0;
  headers: Record<string, string> = {};
  body = Buffer.alloc(0);
  ended = false;

  writeHead(status: number, headers: Record<string, string | number> | string[] = {}): this {
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) this.headers[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    } else {
      for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = String(v);
    }
    return this;
  }

  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.body = Buffer.concat([this.body, Buffer.from(chunk)]);
    this.ended = true;
    this.emit('close');
    return this;
  }

  closeByClient(): void {
    this.emit('close');
  }

  get text(): string {
    return this.body.toString('utf8');
  }

  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}
