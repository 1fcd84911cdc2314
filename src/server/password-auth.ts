/**
 * The password exchange of one connection, as a small state machine: `start`
 * gives the authentication request, `answer` takes each PasswordMessage and
 * says what to send and whether the client is in, out, or not done yet.
 */
import { randomBytes } from 'node:crypto';
import { type AuthMethod, checkMd5, SCRAM_MECHANISM, ScramExchange } from './auth.js';
import { BodyReader } from './frame-reader.js';
import * as msg from './message-writer.js';

interface AuthStep {
  readonly send?: Buffer;
  readonly outcome: 'continue' | 'ok' | 'failed';
}

export class PasswordAuth {
  private readonly md5Salt: Buffer | undefined;
  private scram: ScramExchange | undefined;

  constructor(
    private readonly method: AuthMethod,
    private readonly password: string,
    private readonly user: string,
  ) {
    this.md5Salt = method === 'md5' ? randomBytes(4) : undefined;
  }

  /** The AuthenticationMD5Password or AuthenticationSASL request. */
  start(): Buffer {
    return this.method === 'md5' ? msg.authMd5(this.md5Salt!) : msg.authSasl([SCRAM_MECHANISM]);
  }

  /** One PasswordMessage (also SASLInitialResponse / SASLResponse). */
  answer(body: Buffer): AuthStep {
    const r = new BodyReader(body);
    if (this.md5Salt) {
      return { outcome: checkMd5(r.cstring(), this.user, this.password, this.md5Salt) ? 'ok' : 'failed' };
    }
    if (!this.scram) {
      const mechanism = r.cstring();
      const len = r.int32();
      if (mechanism !== SCRAM_MECHANISM || len < 0) return { outcome: 'failed' };
      this.scram = new ScramExchange(this.password);
      try {
        return {
          send: msg.authSaslContinue(this.scram.first(r.bytes(len).toString('utf8'))),
          outcome: 'continue',
        };
      } catch {
        return { outcome: 'failed' };
      }
    }
    const final = this.scram.final(r.rest().toString('utf8'));
    return final === undefined ? { outcome: 'failed' } : { send: msg.authSaslFinal(final), outcome: 'ok' };
  }
}
