/** Raw POST to the simulator (undici request), for tests that look at the wire. */
import { request } from 'undici';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function postChat(baseUrl: string, body: unknown): Promise<RawReply> {
  const res = await request(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export function contentOf(reply: RawReply): string {
  return (JSON.parse(reply.text) as { choices: { message: { content: string } }[] }).choices[0]!.message
    .content;
}

export const user = (content: string) => [{ role: 'user', content }];

export function withSchema(schema: Record<string, unknown>) {
  return { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } };
}
