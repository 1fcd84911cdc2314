/**
 * The first message of a connection, which has no type byte: a request for
 * TLS or GSS encryption, a CancelRequest for another connection, or the
 * StartupMessage with the protocol version and the client's parameters.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
import { BodyReader } from './frame-reader.js';
import { StartupCode } from './protocol-codes.js';

type StartupPacket =
  /** SSLRequest or GSSENCRequest. rvbbit answers 'N' and the client goes on unencrypted (or gives up). */
  | { readonly kind: 'encryption' }
  /** CancelRequest: the key of the connection whose statement to cancel. */
  | { readonly kind: 'cancel'; readonly pid: number; readonly secret: number }
  /** A protocol other than 3.x. */
  | { readonly kind: 'unsupported'; readonly version: string }
  /** StartupMessage: `user`, `database`, `application_name`, options, … */
  | { readonly kind: 'startup'; readonly params: Record<string, string> };

export function readStartupPacket(body: Buffer): StartupPacket {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === StartupCode.Ssl || code === StartupCode.GssEnc) return { kind: 'encryption' };
  if (code === StartupCode.Cancel) {
    const pid = r.int32();
    const secret = r.int32();
    return { kind: 'cancel', pid, secret };
  }
  if (code >> 16 !== 3) return { kind: 'unsupported', version: `${code >> 16}.${code & 0xffff}` };
  // Name and value pairs of C strings, then one terminating zero byte.
  const params: Record<string, string> = {};
  while (r.remaining > 1) {
    const key = r.cstring();
    params[key] = r.cstring();
  }
  return { kind: 'startup', params };
}
