/**
 * Backend messages as bytes. Each function returns one framed message; the
 * connection batches them and writes once per round trip.
 */
import { AuthCode, Backend, type TxStatus } from './protocol-codes.js';

/** Grows a buffer as a message body is written. */
class BodyWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  int16(n: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(n, this.len);
    this.len += 2;
    return this;
  }
  int32(n: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(n, this.len);
    this.len += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  cstring(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.ensure(b.length + 1);
    b.copy(this.buf, this.len);
    this.len += b.length;
    this.buf[this.len++] = 0;
    return this;
  }
  byte(c: string): this {
    this.ensure(1);
    this.buf[this.len++] = c.charCodeAt(0);
    return this;
  }
  frame(code: string): Buffer {
    const out = Buffer.allocUnsafe(this.len + 5);
    out[0] = code.charCodeAt(0);
    out.writeInt32BE(this.len + 4, 1);
    this.buf.copy(out, 5, 0, this.len);
    return out;
  }
}

const empty = (code: string): Buffer => new BodyWriter().frame(code);

export const authOk = (): Buffer => new BodyWriter().int32(AuthCode.Ok).frame(Backend.Authentication);
export const authMd5 = (salt: Uint8Array): Buffer =>
  new BodyWriter().int32(AuthCode.Md5Password).bytes(salt).frame(Backend.Authentication);
export const authSasl = (mechanisms: readonly string[]): Buffer => {
  const w = new BodyWriter().int32(AuthCode.Sasl);
  for (const m of mechanisms) w.cstring(m);
  return w.byte('\0').frame(Backend.Authentication);
};
export const authSaslContinue = (data: string): Buffer =>
  new BodyWriter().int32(AuthCode.SaslContinue).bytes(Buffer.from(data)).frame(Backend.Authentication);
export const authSaslFinal = (data: string): Buffer =>
  new BodyWriter().int32(AuthCode.SaslFinal).bytes(Buffer.from(data)).frame(Backend.Authentication);

export const parameterStatus = (name: string, value: string): Buffer =>
  new BodyWriter().cstring(name).cstring(value).frame(Backend.ParameterStatus);
export const backendKeyData = (pid: number, secret: number): Buffer =>
  new BodyWriter().int32(pid).int32(secret).frame(Backend.BackendKeyData);
export const readyForQuery = (status: TxStatus): Buffer =>
  new BodyWriter().byte(status).frame(Backend.ReadyForQuery);

export interface FieldDescription {
  readonly name: string;
  readonly typeOid: number;
  readonly typeLen: number;
  readonly typeMod: number;
  /** 0 text, 1 binary. */
  readonly format: number;
}

export const rowDescription = (fields: readonly FieldDescription[]): Buffer => {
  const w = new BodyWriter().int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name).int32(0).int16(0).int32(f.typeOid).int16(f.typeLen).int32(f.typeMod).int16(f.format);
  }
  return w.frame(Backend.RowDescription);
};

export const dataRow = (values: readonly (Buffer | null)[]): Buffer => {
  const w = new BodyWriter().int16(values.length);
  for (const v of values) {
    if (v === null) w.int32(-1);
    else w.int32(v.length).bytes(v);
  }
  return w.frame(Backend.DataRow);
};

export const parameterDescription = (oids: readonly number[]): Buffer => {
  const w = new BodyWriter().int16(oids.length);
  for (const o of oids) w.int32(o);
  return w.frame(Backend.ParameterDescription);
};

export const commandComplete = (tag: string): Buffer =>
  new BodyWriter().cstring(tag).frame(Backend.CommandComplete);
export const emptyQueryResponse = (): Buffer => empty(Backend.EmptyQueryResponse);
export const parseComplete = (): Buffer => empty(Backend.ParseComplete);
export const bindComplete = (): Buffer => empty(Backend.BindComplete);
export const closeComplete = (): Buffer => empty(Backend.CloseComplete);
export const noData = (): Buffer => empty(Backend.NoData);
export const portalSuspended = (): Buffer => empty(Backend.PortalSuspended);
/** CopyOutResponse: the format (0 text, 1 binary) overall and for each of `columns` columns. */
export const copyOutResponse = (columns: number, format = 0): Buffer => {
  const w = new BodyWriter().byte(String.fromCharCode(format)).int16(columns);
  for (let i = 0; i < columns; i++) w.int16(format);
  return w.frame(Backend.CopyOutResponse);
};
/** CopyInResponse: text format overall and for each of `columns` columns. */
export const copyInResponse = (columns: number, format = 0): Buffer => {
  const w = new BodyWriter().byte(String.fromCharCode(format)).int16(columns);
  for (let i = 0; i < columns; i++) w.int16(format);
  return w.frame(Backend.CopyInResponse);
};
export const copyData = (data: Buffer): Buffer => new BodyWriter().bytes(data).frame(Backend.CopyData);
export const copyDone = (): Buffer => empty(Backend.CopyDone);

/** Error and notice fields by their one-letter codes (S, V, C, M, D, H, P …). */
export type NoticeFields = Readonly<Record<string, string>>;

function fieldsMessage(code: string, fields: NoticeFields): Buffer {
  const w = new BodyWriter();
  for (const [k, v] of Object.entries(fields)) w.byte(k).cstring(v);
  return w.byte('\0').frame(code);
}

export const errorResponse = (fields: NoticeFields): Buffer => fieldsMessage(Backend.ErrorResponse, fields);
export const noticeResponse = (fields: NoticeFields): Buffer => fieldsMessage(Backend.NoticeResponse, fields);
