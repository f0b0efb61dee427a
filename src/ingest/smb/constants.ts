/** Numbers from [MS-SMB2] 2.2 and [MS-ERREF] 2.3 that the client uses. */

export const Command = {
  Negotiate: 0x0000,
  SessionSetup: 0x0001,
  Logoff: 0x0002,
  TreeConnect: 0x0003,
  TreeDisconnect: 0x0004,
  Create: 0x0005,
  Close: 0x0006,
  Read: 0x0008,
  Ioctl: 0x000b,
  Cancel: 0x000c,
  Echo: 0x000d,
  QueryDirectory: 0x000e,
  ChangeNotify: 0x000f,
  QueryInfo: 0x0010,
  OplockBreak: 0x0012,
} as const;
export type Command = (typeof Command)[keyof typeof Command];

export const COMMAND_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Command).map(([name, value]) => [value, name.toUpperCase()]),
);

export const Dialect = {
  Smb202: 0x0202,
  Smb210: 0x0210,
  Smb300: 0x0300,
  Smb302: 0x0302,
  Smb311: 0x0311,
} as const;
export type Dialect = (typeof Dialect)[keyof typeof Dialect];
export const ALL_DIALECTS: readonly Dialect[] = [Dialect.Smb202, Dialect.Smb210, Dialect.Smb300, Dialect.Smb302, Dialect.Smb311];

export function dialectName(dialect: number): string {
  switch (dialect) {
    case Dialect.Smb202:
      return 'SMB 2.0.2';
    case Dialect.Smb210:
      return 'SMB 2.1';
    case Dialect.Smb300:
      return 'SMB 3.0';
    case Dialect.Smb302:
      return 'SMB 3.0.2';
    case Dialect.Smb311:
      return 'SMB 3.1.1';
    default:
      return `dialect 0x${dialect.toString(16).padStart(4, '0')}`;
  }
}

export const HeaderFlag = {
  ServerToRedir: 0x00000001,
  AsyncCommand: 0x00000002,
  RelatedOperations: 0x00000004,
  Signed: 0x00000008,
} as const;

export const SecurityMode = {
  SigningEnabled: 0x0001,
  SigningRequired: 0x0002,
} as const;

export const GlobalCap = {
  Dfs: 0x00000001,
  Leasing: 0x00000002,
  LargeMtu: 0x00000004,
  MultiChannel: 0x00000008,
  PersistentHandles: 0x00000010,
  DirectoryLeasing: 0x00000020,
  Encryption: 0x00000040,
} as const;

export const SessionFlag = {
  IsGuest: 0x0001,
  IsNull: 0x0002,
  EncryptData: 0x0004,
} as const;

export const ShareFlag = {
  EncryptData: 0x00008000,
} as const;

export const NegotiateContextType = {
  PreauthIntegrityCapabilities: 0x0001,
  EncryptionCapabilities: 0x0002,
  SigningCapabilities: 0x0008,
} as const;

export const HASH_ALGORITHM_SHA512 = 0x0001;

/** SMB 3 cipher ids ([MS-SMB2] 2.2.3.1.2). 3.0 and 3.0.2 know only AES-128-CCM. */
export const Cipher = {
  Aes128Ccm: 0x0001,
  Aes128Gcm: 0x0002,
  Aes256Ccm: 0x0003,
  Aes256Gcm: 0x0004,
} as const;
export type Cipher = (typeof Cipher)[keyof typeof Cipher];

export const AccessMask = {
  FileReadData: 0x00000001,
  FileReadEa: 0x00000008,
  FileReadAttributes: 0x00000080,
  ReadControl: 0x00020000,
  Synchronize: 0x00100000,
  /** FILE_GENERIC_READ: what a reader of files and folders asks for. */
  GenericRead: 0x00120089,
} as const;

export const ShareAccess = {
  Read: 0x00000001,
  Write: 0x00000002,
  Delete: 0x00000004,
  /**
   * Everything: OBS on Windows replaces the playlist with MoveFileExW, which
   * fails while anyone holds it open without FILE_SHARE_DELETE.
   */
  All: 0x00000007,
} as const;

export const CreateDisposition = {
  Open: 0x00000001,
} as const;

export const CreateOption = {
  DirectoryFile: 0x00000001,
  NonDirectoryFile: 0x00000040,
} as const;

export const FileAttribute = {
  Directory: 0x00000010,
} as const;

export const ImpersonationLevel = {
  Impersonation: 0x00000002,
} as const;

export const CloseFlag = {
  PostQueryAttrib: 0x0001,
} as const;

export const QueryDirectoryFlag = {
  RestartScans: 0x01,
  ReturnSingleEntry: 0x02,
  IndexSpecified: 0x04,
  Reopen: 0x10,
} as const;

export const InfoType = {
  File: 0x01,
} as const;

export const FileInfoClass = {
  FileDirectoryInformation: 0x01,
  FileStandardInformation: 0x05,
  FileNetworkOpenInformation: 0x22,
} as const;

export const ChangeNotifyFlag = {
  WatchTree: 0x0001,
} as const;

export const FileNotifyChange = {
  FileName: 0x00000001,
  DirName: 0x00000002,
  Size: 0x00000008,
  LastWrite: 0x00000010,
} as const;

/** NTSTATUS values ([MS-ERREF] 2.3.1) the client and the source look at. */
export const NtStatus = {
  Success: 0x00000000,
  Pending: 0x00000103,
  NotifyEnumDir: 0x0000010c,
  BufferOverflow: 0x80000005,
  NoMoreFiles: 0x80000006,
  InvalidHandle: 0xc0000008,
  InvalidParameter: 0xc000000d,
  NoSuchFile: 0xc000000f,
  InvalidDeviceRequest: 0xc0000010,
  EndOfFile: 0xc0000011,
  MoreProcessingRequired: 0xc0000016,
  AccessDenied: 0xc0000022,
  BufferTooSmall: 0xc0000023,
  ObjectNameInvalid: 0xc0000033,
  ObjectNameNotFound: 0xc0000034,
  ObjectNameCollision: 0xc0000035,
  ObjectPathInvalid: 0xc0000039,
  ObjectPathNotFound: 0xc000003a,
  ObjectPathSyntaxBad: 0xc000003b,
  SharingViolation: 0xc0000043,
  DeletePending: 0xc0000056,
  NoLogonServers: 0xc000005e,
  NoSuchUser: 0xc0000064,
  WrongPassword: 0xc000006a,
  LogonFailure: 0xc000006d,
  AccountRestriction: 0xc000006e,
  InvalidLogonHours: 0xc000006f,
  InvalidWorkstation: 0xc0000070,
  PasswordExpired: 0xc0000071,
  AccountDisabled: 0xc0000072,
  InsufficientResources: 0xc000009a,
  IoTimeout: 0xc00000b5,
  FileIsADirectory: 0xc00000ba,
  NotSupported: 0xc00000bb,
  NetworkNameDeleted: 0xc00000c9,
  NetworkAccessDenied: 0xc00000ca,
  BadNetworkName: 0xc00000cc,
  RequestNotAccepted: 0xc00000d0,
  NoSuchDomain: 0xc00000df,
  NotADirectory: 0xc0000103,
  Cancelled: 0xc0000120,
  FileClosed: 0xc0000128,
  LogonTypeNotGranted: 0xc000015b,
  TrustedDomainFailure: 0xc000018c,
  TrustedRelationshipFailure: 0xc000018d,
  AccountExpired: 0xc0000193,
  UserSessionDeleted: 0xc0000203,
  InsuffServerResources: 0xc0000205,
  PasswordMustChange: 0xc0000224,
  AccountLockedOut: 0xc0000234,
  PathNotCovered: 0xc0000257,
  NetworkSessionExpired: 0xc000035c,
  NtlmBlocked: 0xc0000418,
} as const;

const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(NtStatus).map(([name, value]) => [
    value,
    `STATUS_${name.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toUpperCase()}`,
  ]),
);

/** "STATUS_LOGON_FAILURE", or the hex value for codes this table lacks. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `NTSTATUS 0x${(status >>> 0).toString(16).padStart(8, '0')}`;
}

/** Severity "error" (0xC…) or "warning" (0x8…). STATUS_PENDING and successes are not failures. */
export function isFailure(status: number): boolean {
  return status >>> 30 === 3;
}
