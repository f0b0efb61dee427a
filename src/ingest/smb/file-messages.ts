import {
  AccessMask,
  CloseFlag,
  CreateDisposition,
  FileAttribute,
  ImpersonationLevel,
  InfoType,
  ShareAccess,
} from './constants.js';
import { HEADER_SIZE } from './header.js';

/** CREATE, READ, CLOSE, QUERY_DIRECTORY, QUERY_INFO and CHANGE_NOTIFY bodies ([MS-SMB2] 2.2.13-2.2.38). */

/** A FileId: 8 bytes persistent, 8 bytes volatile. */
export type FileId = Uint8Array;
/** The FileId that means "the file the previous request of this compound opened" ([MS-SMB2] 3.2.4.1.4). */
export const RELATED_FILE_ID: FileId = new Uint8Array(16).fill(0xff);

/** A path in the share, '/'-separated, as SMB2 wants it: backslashes, no leading one. */
export function smbPath(path: string): string {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('\\');
}

export interface CreateRequest {
  path: string;
  desiredAccess?: number;
  shareAccess?: number;
  createOptions?: number;
}

export function encodeCreateRequest(r: CreateRequest): Buffer {
  const name = Buffer.from(smbPath(r.path), 'utf16le');
  const b = Buffer.alloc(56 + Math.max(name.length, 1));
  b.writeUInt16LE(57, 0);
  b.writeUInt8(0, 2); // SecurityFlags
  b.writeUInt8(0, 3); // RequestedOplockLevel: none, so no breaks ever arrive
  b.writeUInt32LE(ImpersonationLevel.Impersonation, 4);
  b.writeUInt32LE((r.desiredAccess ?? AccessMask.GenericRead) >>> 0, 24);
  b.writeUInt32LE(0, 28); // FileAttributes
  b.writeUInt32LE(r.shareAccess ?? ShareAccess.All, 32);
  b.writeUInt32LE(CreateDisposition.Open, 36);
  b.writeUInt32LE(r.createOptions ?? 0, 40);
  b.writeUInt16LE(HEADER_SIZE + 56, 44);
  b.writeUInt16LE(name.length, 46);
  name.copy(b, 56);
  return b;
}

/** Times are FILETIME (100 ns since 1601), kept exact as bigint. */
export interface FileTimes {
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
}

export interface FileMeta extends FileTimes {
  allocationSize: bigint;
  endOfFile: bigint;
  attributes: number;
  isDirectory: boolean;
}

export interface CreateResponse extends FileMeta {
  fileId: FileId;
  createAction: number;
}

function readTimes(b: Buffer, at: number): FileTimes {
  return {
    creationTime: b.readBigUInt64LE(at),
    lastAccessTime: b.readBigUInt64LE(at + 8),
    lastWriteTime: b.readBigUInt64LE(at + 16),
    changeTime: b.readBigUInt64LE(at + 24),
  };
}

export function decodeCreateResponse(msg: Buffer): CreateResponse {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 88 || b.readUInt16LE(0) !== 89) throw new Error('malformed CREATE response');
  const attributes = b.readUInt32LE(56);
  return {
    createAction: b.readUInt32LE(4),
    ...readTimes(b, 8),
    allocationSize: b.readBigUInt64LE(40),
    endOfFile: b.readBigUInt64LE(48),
    attributes,
    isDirectory: (attributes & FileAttribute.Directory) !== 0,
    fileId: new Uint8Array(b.subarray(64, 80)),
  };
}

export function encodeReadRequest(fileId: FileId, offset: number, length: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt8(0x50, 2); // Padding: ask for the data right after the response header + body
  b.writeUInt8(0, 3);
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  Buffer.from(fileId).copy(b, 16);
  b.writeUInt32LE(0, 32); // MinimumCount
  return b;
}

/** The bytes a READ response carries (a view into `msg`). */
export function decodeReadResponse(msg: Buffer): Buffer {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 16 || b.readUInt16LE(0) !== 17) throw new Error('malformed READ response');
  const off = b.readUInt8(2);
  const len = b.readUInt32LE(4);
  if (len === 0) return Buffer.alloc(0);
  const data = msg.subarray(off, off + len);
  if (data.length !== len) throw new Error('READ response is truncated');
  return data;
}

export function encodeCloseRequest(fileId: FileId, postQuery = false): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  b.writeUInt16LE(postQuery ? CloseFlag.PostQueryAttrib : 0, 2);
  Buffer.from(fileId).copy(b, 8);
  return b;
}

/** The CLOSE response's attributes are zero unless the request asked for them. */
export function decodeCloseResponse(msg: Buffer): FileMeta {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 60 || b.readUInt16LE(0) !== 60) throw new Error('malformed CLOSE response');
  const attributes = b.readUInt32LE(56);
  return {
    ...readTimes(b, 8),
    allocationSize: b.readBigUInt64LE(40),
    endOfFile: b.readBigUInt64LE(48),
    attributes,
    isDirectory: (attributes & FileAttribute.Directory) !== 0,
  };
}

export function encodeQueryDirectoryRequest(
  fileId: FileId,
  pattern: string,
  infoClass: number,
  flags: number,
  outputLength: number,
): Buffer {
  const name = Buffer.from(pattern, 'utf16le');
  const b = Buffer.alloc(32 + Math.max(name.length, 1));
  b.writeUInt16LE(33, 0);
  b.writeUInt8(infoClass, 2);
  b.writeUInt8(flags, 3);
  b.writeUInt32LE(0, 4); // FileIndex
  Buffer.from(fileId).copy(b, 8);
  b.writeUInt16LE(name.length > 0 ? HEADER_SIZE + 32 : 0, 24);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt32LE(outputLength, 28);
  name.copy(b, 32);
  return b;
}

/** The output buffer of QUERY_DIRECTORY, QUERY_INFO and CHANGE_NOTIFY responses (same layout). */
export function decodeOutputBuffer(msg: Buffer, what: string): Buffer {
  const b = msg.subarray(HEADER_SIZE);
  if (b.length < 8 || b.readUInt16LE(0) !== 9) throw new Error(`malformed ${what} response`);
  const off = b.readUInt16LE(2);
  const len = b.readUInt32LE(4);
  if (len === 0) return Buffer.alloc(0);
  const out = msg.subarray(off, off + len);
  if (out.length !== len) throw new Error(`${what} response is truncated`);
  return out;
}

export interface DirectoryEntry extends FileMeta {
  name: string;
}

/** A chain of FILE_DIRECTORY_INFORMATION entries ([MS-FSCC] 2.4.10). */
export function decodeDirectoryInformation(buf: Buffer): DirectoryEntry[] {
  const out: DirectoryEntry[] = [];
  for (let at = 0; at + 64 <= buf.length; ) {
    const next = buf.readUInt32LE(at);
    const nameLen = buf.readUInt32LE(at + 60);
    if (at + 64 + nameLen > buf.length) throw new Error('directory listing is truncated');
    const attributes = buf.readUInt32LE(at + 56);
    out.push({
      name: buf.subarray(at + 64, at + 64 + nameLen).toString('utf16le'),
      ...readTimes(buf, at + 8),
      endOfFile: buf.readBigUInt64LE(at + 40),
      allocationSize: buf.readBigUInt64LE(at + 48),
      attributes,
      isDirectory: (attributes & FileAttribute.Directory) !== 0,
    });
    if (next === 0) break;
    at += next;
  }
  return out;
}

export function encodeQueryInfoRequest(fileId: FileId, infoClass: number, outputLength: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(InfoType.File, 2);
  b.writeUInt8(infoClass, 3);
  b.writeUInt32LE(outputLength, 4);
  b.writeUInt16LE(0, 8); // InputBufferOffset
  b.writeUInt32LE(0, 12); // InputBufferLength
  b.writeUInt32LE(0, 16); // AdditionalInformation
  b.writeUInt32LE(0, 20); // Flags
  Buffer.from(fileId).copy(b, 24);
  return b;
}

export interface StandardInformation {
  allocationSize: bigint;
  endOfFile: bigint;
  numberOfLinks: number;
  deletePending: boolean;
  directory: boolean;
}

/** FILE_STANDARD_INFORMATION ([MS-FSCC] 2.4.41). */
export function decodeStandardInformation(buf: Buffer): StandardInformation {
  if (buf.length < 22) throw new Error('FileStandardInformation is truncated');
  return {
    allocationSize: buf.readBigUInt64LE(0),
    endOfFile: buf.readBigUInt64LE(8),
    numberOfLinks: buf.readUInt32LE(16),
    deletePending: buf.readUInt8(20) !== 0,
    directory: buf.readUInt8(21) !== 0,
  };
}

export function encodeChangeNotifyRequest(fileId: FileId, completionFilter: number, flags: number, outputLength: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt16LE(flags, 2);
  b.writeUInt32LE(outputLength, 4);
  Buffer.from(fileId).copy(b, 8);
  b.writeUInt32LE(completionFilter >>> 0, 24);
  return b;
}

export interface NotifyEntry {
  action: number;
  name: string;
}

/** FILE_NOTIFY_INFORMATION chain ([MS-FSCC] 2.7.1). */
export function decodeNotifyInformation(buf: Buffer): NotifyEntry[] {
  const out: NotifyEntry[] = [];
  for (let at = 0; at + 12 <= buf.length; ) {
    const next = buf.readUInt32LE(at);
    const action = buf.readUInt32LE(at + 4);
    const len = buf.readUInt32LE(at + 8);
    if (at + 12 + len > buf.length) throw new Error('change notification is truncated');
    out.push({ action, name: buf.subarray(at + 12, at + 12 + len).toString('utf16le') });
    if (next === 0) break;
    at += next;
  }
  return out;
}

/** FILETIME to milliseconds since the epoch. */
export function fileTimeToMs(ft: bigint): number {
  return ft === 0n ? 0 : Number((ft - 116444736000000000n) / 10000n);
}
