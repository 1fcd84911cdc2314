/**
 * Postgres wire protocol v3 message codes and magic numbers.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export const Frontend = {
  Query: 'Q',
  Parse: 'P',
  Bind: 'B',
  Describe: 'D',
  Execute: 'E',
  Sync: 'S',
  Close: 'C',
  Flush: 'H',
  Terminate: 'X',
  Password: 'p',
  FunctionCall: 'F',
  CopyData: 'd',
  CopyDone: 'c',
  CopyFail: 'f',
} as const;

export const Backend = {
  Authentication: 'R',
  ParameterStatus: 'S',
  BackendKeyData: 'K',
  ReadyForQuery: 'Z',
  RowDescription: 'T',
  DataRow: 'D',
  CommandComplete: 'C',
  EmptyQueryResponse: 'I',
  ErrorResponse: 'E',
  NoticeResponse: 'N',
  ParseComplete: '1',
  BindComplete: '2',
  CloseComplete: '3',
  NoData: 'n',
  ParameterDescription: 't',
  PortalSuspended: 's',
  CopyOutResponse: 'H',
  CopyInResponse: 'G',
  CopyData: 'd',
  CopyDone: 'c',
} as const;

/** Startup-phase request codes (the int32 after the length). */
export const StartupCode = {
  Protocol3: 196608,
  Cancel: 80877102,
  Ssl: 80877103,
  GssEnc: 80877104,
} as const;

/** Authentication request subcodes. */
export const AuthCode = {
  Ok: 0,
  CleartextPassword: 3,
  Md5Password: 5,
  Sasl: 10,
  SaslContinue: 11,
  SaslFinal: 12,
} as const;

/** ReadyForQuery transaction status: idle, in a transaction, in a failed transaction. */
export type TxStatus = 'I' | 'T' | 'E';
