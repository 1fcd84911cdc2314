/**
 * Provider profiles: what differs between the providers the simulator can
 * stand in for (`profile` option, `rvbbit sim --profile NAME`), each rule
 * from that provider's public documentation or source. Everything else
 * (answers, faults, latency, SSE streaming, tool calls, embeddings in float
 * and base64) is the same on every profile.
 *
 * | profile          | paths                       | response_format                                  | errors         | cached_tokens |
 * | ---------------- | --------------------------- | ------------------------------------------------ | -------------- | ------------- |
 * | default          | /v1/…                       | anything (today's permissive simulator)         | OpenAI's shape | no            |
 * | openai           | /v1/…                       | strict-mode rules (strict-schema.ts); JSON mode needs "json" | OpenAI's | yes   |
 * | azure-openai     | /openai/deployments/{d}/…, /openai/v1/… | as openai, json_schema from api-version 2024-08-01 | Azure's / OpenAI's | yes |
 * | ollama           | /v1/…                       | json_object → JSON, json_schema → the schema; `strict` ignored | Ollama's | no |
 * | vllm             | /v1/…                       | json_object / json_schema by structured outputs; `strict` ignored | vLLM's | no |
 * | json-object-only | /v1/…                       | json_object only (as DeepSeek)                   | DeepSeek's     | no            |
 *
 * Sources, by profile:
 * - openai: Structured Outputs guide ("Supported schemas", "JSON mode": "the
 *   API will throw an error if the string "JSON" does not appear somewhere in
 *   the context"); Prompt caching guide ("Caching is available for prompts
 *   containing 1024 tokens or more, with cache hits occurring in increments
 *   of 128 tokens … All requests … will display a `cached_tokens` field of
 *   the `usage.prompt_tokens_details`"); Chat API reference (usage details,
 *   `system_fingerprint`, `service_tier`, `message.refusal`). Error bodies
 *   as OpenAI sends them (public issue reports):
 *   `{"error":{"message","type":"invalid_request_error","param","code"}}`.
 * - azure-openai: Azure OpenAI REST reference (`POST
 *   {endpoint}/openai/deployments/{deployment-id}/chat/completions?api-version=…`,
 *   `api-key` header or Entra ID bearer token, `prompt_filter_results` and
 *   `content_filter_results` in the answer); API version lifecycle page (the
 *   v1 API `/openai/v1/chat/completions`, `/openai/v1/embeddings`, no
 *   api-version needed); structured-outputs page ("Support for structured
 *   outputs was first added in API version 2024-08-01-preview"). Azure's own
 *   errors as Azure sends them: 404 `{"error":{"code":"404","message":"Resource
 *   not found"}}` without api-version (MicrosoftDocs/azure-docs#114602), 401
 *   "Access denied due to invalid subscription key or wrong API endpoint…",
 *   400 `{"error":{"code":"BadRequest","message":"response_format value as
 *   json_schema is enabled only for api versions 2024-08-01-preview and later"}}`.
 * - ollama: docs/api/openai-compatibility.mdx and openai/openai.go in
 *   ollama/ollama: `response_format` `json_object` → format "json",
 *   `json_schema` → its `schema` as the format (the grammar enforces it;
 *   `strict` and `name` are not read), other types ignored; `tool_choice` is
 *   not supported (ignored); embeddings take `encoding_format` float|base64
 *   and `dimensions`; errors `{"error":{"message","type","param":null,"code":null}}`
 *   with type invalid_request_error (400) / not_found_error (404);
 *   an unknown model is 404 "model 'x' not found" (server/routes.go).
 * - vllm: docs/features/structured_outputs.md and
 *   vllm/entrypoints/openai/{engine/protocol.py,engine/serving.py,
 *   chat_completion/protocol.py}: `json_object` → structured_outputs
 *   json_object, `json_schema` → structured_outputs json = the schema
 *   (`strict` is parsed, not enforced; the xgrammar/guidance backends take
 *   the schema as it is); `json_schema` without its `json_schema` field is a
 *   400; errors `{"error":{"message","type":"BadRequestError","param","code":400}}`;
 *   an unknown model is 404 NotFoundError "The model `x` does not exist.";
 *   `usage.prompt_tokens_details` is null unless the server enables it.
 * - json-object-only: DeepSeek's OpenAI-compatible API ("JSON Output" guide:
 *   `response_format: {"type": "json_object"}` and the word "json" in the
 *   prompt); `json_schema` is answered 400 "This response_format type is
 *   unavailable now" (its body as public issue reports show it).
 */
import type { SimChatRequest } from './chat-request.js';
import type { SimProfileName } from './options.js';
import { SCHEMA_NAME, SCHEMA_NAME_MAX, strictSchemaProblem } from './strict-schema.js';

export interface ProviderProfile {
  readonly name: SimProfileName;
  /** OpenAI's `/v1/…` paths, or Azure's deployment and v1 paths (routes.ts). */
  readonly paths: 'openai' | 'azure';
  /** The shape of its error bodies. */
  readonly errors: 'openai' | 'ollama' | 'vllm' | 'deepseek';
  /** `usage.prompt_tokens_details.cached_tokens` from repeated prompt prefixes (prompt-cache.ts). */
  readonly cachedTokens: boolean;
  /** Usage: bare counts; OpenAI's with prompt/completion details; vLLM's with `prompt_tokens_details: null`. */
  readonly usage: 'plain' | 'openai' | 'vllm';
  /** Reports `usage.cost` when the `costPerMillion` option is set (OpenRouter does; the others do not). */
  readonly reportsCost: boolean;
  /** Answers only the models of the `models` option (a local server serves what it has pulled or loaded). */
  readonly servedModelsOnly: boolean;
  /** Reads `tool_choice` (Ollama does not: "[ ] tool_choice"). */
  readonly honoursToolChoice: boolean;
  /** OpenAI's extra answer fields (`system_fingerprint`, `service_tier`, `message.refusal`, `logprobs`). */
  readonly openaiFields: boolean;
  /** Azure's content-filter annotations (`prompt_filter_results`, `content_filter_results`). */
  readonly contentFilter: boolean;
  readonly systemFingerprint?: string;
}

const BASE: Omit<ProviderProfile, 'name'> = {
  paths: 'openai',
  errors: 'openai',
  cachedTokens: false,
  usage: 'plain',
  reportsCost: false,
  servedModelsOnly: false,
  honoursToolChoice: true,
  openaiFields: false,
  contentFilter: false,
};

export const PROVIDER_PROFILES: Readonly<Record<SimProfileName, ProviderProfile>> = {
  default: { ...BASE, name: 'default', reportsCost: true },
  openai: {
    ...BASE,
    name: 'openai',
    cachedTokens: true,
    usage: 'openai',
    openaiFields: true,
    systemFingerprint: 'fp_sim',
  },
  'azure-openai': {
    ...BASE,
    name: 'azure-openai',
    paths: 'azure',
    cachedTokens: true,
    usage: 'openai',
    openaiFields: true,
    contentFilter: true,
    systemFingerprint: 'fp_sim',
  },
  ollama: {
    ...BASE,
    name: 'ollama',
    errors: 'ollama',
    servedModelsOnly: true,
    honoursToolChoice: false,
    systemFingerprint: 'fp_ollama',
  },
  vllm: { ...BASE, name: 'vllm', errors: 'vllm', usage: 'vllm', servedModelsOnly: true },
  'json-object-only': { ...BASE, name: 'json-object-only', errors: 'deepseek' },
};

export function profileOf(name: SimProfileName): ProviderProfile {
  return PROVIDER_PROFILES[name];
}

export interface ErrorDetail {
  readonly param?: string | null;
  /** OpenAI's `code` (a string such as `invalid_value`), where the provider has one. */
  readonly code?: string | null;
  /** OpenAI's `type`, when not the one the status implies. */
  readonly type?: string;
}

/** An error body in the profile's shape. */
export function providerError(
  profile: ProviderProfile,
  status: number,
  message: string,
  detail: ErrorDetail = {},
): string {
  const param = detail.param ?? null;
  switch (profile.errors) {
    case 'openai':
      return JSON.stringify({
        error: { message, type: detail.type ?? openaiType(status), param, code: detail.code ?? null },
      });
    case 'ollama': {
      // openai.NewError: 400 → invalid_request_error, 404 → not_found_error, else api_error.
      const type =
        status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
      return JSON.stringify({ error: { message, type, param: null, code: null } });
    }
    case 'vllm': {
      // create_error_response: BadRequestError 400, NotFoundError 404; `code` is the HTTP status.
      const type =
        status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError';
      return JSON.stringify({ error: { message, type, param, code: status } });
    }
    case 'deepseek':
      return JSON.stringify({
        error: { message, type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
      });
  }
}

function openaiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Azure's own (gateway) error body: `{"error":{"code","message"}}`. */
export function azureError(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

export const AZURE_NOT_FOUND = azureError('404', 'Resource not found');
export const AZURE_UNAUTHORIZED = azureError(
  '401',
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
);

/** The first Azure api-version with json_schema response formats (structured-outputs page, "API support"). */
export const AZURE_JSON_SCHEMA_SINCE = '2024-08-01';

/** A 404 for a model the profile does not serve, or undefined when it answers `model`. */
export function unknownModel(
  profile: ProviderProfile,
  model: string,
  served: readonly string[],
): string | undefined {
  if (!profile.servedModelsOnly || served.includes(model)) return undefined;
  if (profile.errors === 'ollama') return providerError(profile, 404, `model '${model}' not found`);
  return providerError(profile, 404, `The model \`${model}\` does not exist.`, { param: 'model' });
}

/** How a request's response_format is answered: with this schema, in JSON mode, or refused. */
export type FormatDecision =
  | {
      readonly ok: true;
      /** The schema the answer must satisfy. */
      readonly schema?: Record<string, unknown>;
      /** JSON mode: the answer is a JSON object even without a schema. */
      readonly json: boolean;
    }
  | { readonly ok: false; readonly status: number; readonly body: string };

const PLAIN: FormatDecision = { ok: true, json: false };

/** Route facts a rule needs: Azure's api-version (undefined on the v1 paths). */
export interface RouteFacts {
  readonly apiVersion?: string;
}

/** The profile's rule for the request's response_format. */
export function responseFormatDecision(
  profile: ProviderProfile,
  req: SimChatRequest,
  route: RouteFacts = {},
): FormatDecision {
  const rf = req.responseFormat;
  if (rf === undefined) return PLAIN;
  switch (profile.name) {
    case 'default':
      return permissive(rf);
    case 'openai':
    case 'azure-openai':
      return openaiRule(profile, req, rf, route);
    case 'ollama':
      return ollamaRule(rf);
    case 'vllm':
      return vllmRule(profile, rf);
    case 'json-object-only':
      return deepseekRule(profile, req, rf);
  }
}

type RF = Readonly<Record<string, unknown>>;

function schemaOf(rf: RF): Record<string, unknown> | undefined {
  const js = rf['json_schema'] as Record<string, unknown> | undefined;
  const schema = js?.['schema'];
  return schema !== null && typeof schema === 'object' && !Array.isArray(schema)
    ? (schema as Record<string, unknown>)
    : undefined;
}

/** Today's simulator: a json_schema's schema is answered, anything else is taken. */
function permissive(rf: RF): FormatDecision {
  const type = rf['type'];
  if (type === 'json_schema') {
    const schema = schemaOf(rf);
    return schema ? { ok: true, schema, json: true } : { ok: true, json: true };
  }
  return { ok: true, json: type === 'json_object' };
}

/** True when some message mentions "json" in any case (OpenAI's and DeepSeek's JSON-mode check). */
function mentionsJson(req: SimChatRequest): boolean {
  return req.messages.some((m) => /json/i.test(m.content));
}

function openaiRule(
  profile: ProviderProfile,
  req: SimChatRequest,
  rf: RF,
  route: RouteFacts,
): FormatDecision {
  const bad = (message: string, detail: ErrorDetail): FormatDecision => ({
    ok: false,
    status: 400,
    body: providerError(profile, 400, message, detail),
  });
  const type = rf['type'];
  if (type === 'text') return PLAIN;
  if (type === 'json_object') {
    if (mentionsJson(req)) return { ok: true, json: true };
    return bad(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      { param: 'messages' },
    );
  }
  if (type !== 'json_schema') {
    return bad(
      `Invalid value: '${String(type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
      { param: 'response_format.type', code: 'invalid_value' },
    );
  }
  if (profile.paths === 'azure' && route.apiVersion !== undefined) {
    if (route.apiVersion.slice(0, 10) < AZURE_JSON_SCHEMA_SINCE) {
      return {
        ok: false,
        status: 400,
        body: azureError(
          'BadRequest',
          'response_format value as json_schema is enabled only for api versions 2024-08-01-preview and later',
        ),
      };
    }
  }
  const js = rf['json_schema'];
  if (js === null || typeof js !== 'object' || Array.isArray(js)) {
    return bad("Missing required parameter: 'response_format.json_schema'.", {
      param: 'response_format.json_schema',
      code: 'missing_required_parameter',
    });
  }
  const { name, strict } = js as { name?: unknown; strict?: unknown };
  if (typeof name !== 'string') {
    return bad("Missing required parameter: 'response_format.json_schema.name'.", {
      param: 'response_format.json_schema.name',
      code: 'missing_required_parameter',
    });
  }
  if (name.length > SCHEMA_NAME_MAX) {
    return bad(
      `Invalid 'response_format.json_schema.name': string too long. Expected a string with maximum length ${SCHEMA_NAME_MAX}, but got a string with length ${name.length} instead.`,
      { param: 'response_format.json_schema.name', code: 'string_above_max_length' },
    );
  }
  if (!SCHEMA_NAME.test(name)) {
    return bad(
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      { param: 'response_format.json_schema.name', code: 'invalid_value' },
    );
  }
  const schema = schemaOf(rf);
  if (strict === true) {
    const problem = strictSchemaProblem(schema ?? {});
    if (problem) {
      return bad(`Invalid schema for response_format '${name}': ${problem}`, { param: 'response_format' });
    }
  }
  // strict false or absent: the schema is taken as it is (best effort).
  return schema ? { ok: true, schema, json: true } : { ok: true, json: true };
}

function ollamaRule(rf: RF): FormatDecision {
  const type = typeof rf['type'] === 'string' ? (rf['type'] as string).trim().toLowerCase() : '';
  if (type === 'json_object') return { ok: true, json: true };
  if (type === 'json_schema') {
    const schema = schemaOf(rf);
    // No json_schema: no format, a plain answer (`if r.ResponseFormat.JsonSchema != nil`).
    if (rf['json_schema'] === undefined || rf['json_schema'] === null) return PLAIN;
    return schema ? { ok: true, schema, json: true } : { ok: true, json: true };
  }
  return PLAIN;
}

function vllmRule(profile: ProviderProfile, rf: RF): FormatDecision {
  const bad = (message: string): FormatDecision => ({
    ok: false,
    status: 400,
    body: providerError(profile, 400, message),
  });
  const type = rf['type'];
  // structural_tag (a vLLM extension: JSON within tags) is answered as text here.
  if (type === 'text' || type === 'structural_tag') return PLAIN;
  if (type === 'json_object') return { ok: true, json: true };
  if (type !== 'json_schema') {
    return bad(
      `response_format.type: Input should be 'text', 'json_object', 'json_schema' or 'structural_tag' (got ${JSON.stringify(type)})`,
    );
  }
  const js = rf['json_schema'];
  if (js === null || typeof js !== 'object') {
    return bad("When response_format type is 'json_schema', the 'json_schema' field must be provided.");
  }
  if (typeof (js as { name?: unknown }).name !== 'string') {
    return bad('response_format.json_schema.name: Field required');
  }
  const schema = schemaOf(rf);
  return schema ? { ok: true, schema, json: true } : { ok: true, json: true };
}

function deepseekRule(profile: ProviderProfile, req: SimChatRequest, rf: RF): FormatDecision {
  const type = rf['type'];
  if (type === 'text') return PLAIN;
  if (type === 'json_object') {
    if (mentionsJson(req)) return { ok: true, json: true };
    return {
      ok: false,
      status: 400,
      body: providerError(
        profile,
        400,
        "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'.",
      ),
    };
  }
  return {
    ok: false,
    status: 400,
    body: providerError(profile, 400, 'This response_format type is unavailable now'),
  };
}

/**
 * OpenAI's strict rules for function tools with `strict: true` (Function
 * calling guide → "Strict mode": the same subset as Structured Outputs).
 * A 400 body, or undefined when every strict tool's parameters are accepted.
 */
export function strictToolsProblem(profile: ProviderProfile, req: SimChatRequest): string | undefined {
  if (profile.name !== 'openai' && profile.name !== 'azure-openai') return undefined;
  for (let i = 0; i < req.tools.length; i++) {
    const tool = req.tools[i]!;
    if (!tool.strict) continue;
    const problem = strictSchemaProblem(tool.parameters ?? {});
    if (problem) {
      return providerError(profile, 400, `Invalid schema for function '${tool.name}': ${problem}`, {
        param: `tools[${i}].function.parameters`,
        code: 'invalid_function_parameters',
      });
    }
  }
  return undefined;
}
