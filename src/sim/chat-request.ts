/** Reads a chat request body: model, messages, and the schema of a json_schema response_format. */
export interface SimMessage {
  readonly role: string;
  readonly content: string;
}

export interface SimChatBody {
  readonly model: string;
  readonly messages: readonly SimMessage[];
  readonly schema?: Readonly<Record<string, unknown>>;
}

export interface SimChatRequest {
  readonly model: string;
  readonly messages: readonly SimMessage[];
  readonly schema: Record<string, unknown> | undefined;
  readonly hasResponseFormat: boolean;
}

/** The request, or an error message for a 400. */
export function readChatRequest(raw: string): SimChatRequest | string {
  let body: { model?: unknown; messages?: unknown; response_format?: unknown };
  try {
    body = JSON.parse(raw);
  } catch {
    return 'request body is not valid JSON';
  }
  const model = typeof body?.model === 'string' && body.model.length > 0 ? body.model : undefined;
  const messages = body?.messages;
  if (!model || !Array.isArray(messages) || !messages.every(isMessage)) {
    return 'model (string) and messages [{role, content}] are required';
  }
  return {
    model,
    messages,
    schema: jsonSchemaOf(body.response_format),
    hasResponseFormat: body.response_format !== undefined,
  };
}

function isMessage(m: unknown): m is SimMessage {
  if (!m || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  return typeof r['role'] === 'string' && typeof r['content'] === 'string';
}

function jsonSchemaOf(rf: unknown): Record<string, unknown> | undefined {
  if (!rf || typeof rf !== 'object') return undefined;
  const r = rf as { type?: unknown; json_schema?: { schema?: unknown } };
  if (r.type !== 'json_schema') return undefined;
  const schema = r.json_schema?.schema;
  return schema && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}
