/**
 * Password authentication: SCRAM-SHA-256 (RFC 5802 / RFC 7677, as Postgres
 * does it: the user name in the client-first message is ignored, no channel
 * binding) and md5. Built on node:crypto's PBKDF2, HMAC and timing-safe compare;
 * pg-gateway 0.2.4 has md5 and cleartext only.
 * @see https://www.postgresql.org/docs/current/sasl-authentication.html
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type AuthMethod = 'scram-sha-256' | 'md5';
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
const ITERATIONS = 4096;

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** One SCRAM exchange: `first` answers the client-first message, `final` checks the proof. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private readonly salt = randomBytes(16);

  constructor(private readonly password: string) {}

  /** client-first-message → server-first-message; throws on a malformed message. */
  first(clientFirst: string): string {
    const m = /^[nyp][^,]*,[^,]*,(.*)$/.exec(clientFirst);
    if (!m || clientFirst.startsWith('p'))
      throw new Error('malformed or channel-bound SCRAM client-first message');
    this.clientFirstBare = m[1]!;
    const clientNonce = /(?:^|,)r=([^,]+)/.exec(this.clientFirstBare)?.[1];
    if (!clientNonce) throw new Error('SCRAM client-first message has no nonce');
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.salt.toString('base64')},i=${ITERATIONS}`;
    return this.serverFirst;
  }

  /** client-final-message → server-final-message, or undefined if the proof is wrong. */
  final(clientFinal: string): string | undefined {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) return undefined;
    const withoutProof = clientFinal.slice(0, proofAt);
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    if (/(?:^|,)r=([^,]+)/.exec(withoutProof)?.[1] !== this.nonce) return undefined;
    const salted = pbkdf2Sync(this.password.normalize('NFKC'), this.salt, ITERATIONS, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = sha256(clientKey);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    if (proof.length !== signature.length) return undefined;
    const recovered = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) recovered[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(sha256(recovered), storedKey)) return undefined;
    const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `v=${serverSignature.toString('base64')}`;
  }
}

const md5hex = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

/** Checks an md5 PasswordMessage: 'md5' + md5(md5(password + user) + salt). */
export function checkMd5(answer: string, user: string, password: string, salt: Buffer): boolean {
  const inner = md5hex(password + user);
  const expected = `md5${md5hex(Buffer.concat([Buffer.from(inner), salt]))}`;
  const a = Buffer.from(answer);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
