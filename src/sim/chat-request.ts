/**
 * Reads a chat request body: model, messages (as text), response_format,
 * tools and tool_choice, and the streaming flags.
 *
 * Messages are read as the Chat API takes them: `content` a string, an
 * array of content parts (text parts, `image_url` parts of a user message;
 * other parts are not read), or null/absent on an assistant message that
 * carries `tool_calls`; `tool` messages carry a tool's result. Each becomes
 * a `SimMessage` whose `content` is its text, which is what the answers,
 * the token counts and `promptsSeen` read. An image (image-input.ts) is read
 * as its description, in its place in `content`; it counts its own tokens,
 * not the description's.
 */

import {
  type ImageRefusal,
  MAX_IMAGE_BYTES_PER_REQUEST,
  MAX_IMAGES_PER_REQUEST,
  readImagePart,
  type SimImage,
} from './image-input.js';
import { MAX_TOP_LOGPROBS } from './logprobs.js';

export interface SimMessage {
  readonly role: string;
  /** The text the answers read: text parts (newline between two), each image's description in its place. */
  readonly content: string;
  /** With images only: the text parts alone, joined by newlines (what counts as text tokens). */
  readonly text?: string;
  /** With images only: the message's images, in order. */
  readonly images?: readonly SimImage[];
}

export interface SimChatBody {
  readonly model: string;
  readonly messages: readonly SimMessage[];
  readonly schema?: Readonly<Record<string, unknown>>;
  /** JSON mode (`response_format` json_object, or a json_schema without a schema): answer a JSON object. */
  readonly json?: boolean;
}

/** A function tool (`tools: [{type: 'function', function: {name, description, parameters, strict}}]`). */
export interface SimTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>> | undefined;
  readonly strict: boolean;
}

/** `tool_choice`: 'auto' (the default with tools), 'none', 'required', or one function by name. */
export type SimToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

export interface SimChatRequest {
  readonly model: string;
  readonly messages: readonly SimMessage[];
  /** The schema of a json_schema response_format (whatever the profile makes of it). */
  readonly schema: Record<string, unknown> | undefined;
  readonly hasResponseFormat: boolean;
  /** The response_format object as sent. */
  readonly responseFormat: Readonly<Record<string, unknown>> | undefined;
  readonly stream: boolean;
  /** `stream_options: {include_usage: true}`: a last chunk with the usage. */
  readonly includeUsage: boolean;
  readonly tools: readonly SimTool[];
  readonly toolChoice: SimToolChoice;
  /**
   * The most tokens the answer may have: `max_completion_tokens` (the name
   * the official SDKs send now), else the older `max_tokens`; undefined: none sent.
   */
  readonly maxTokens: { readonly value: number; readonly param: MaxTokensParam } | undefined;
  /** `logprobs: true`: the answer's token log probabilities, with `topLogprobs` alternatives each (logprobs.ts). */
  readonly logprobs?: { readonly top: number };
}

export type MaxTokensParam = 'max_completion_tokens' | 'max_tokens';

const MESSAGES_REQUIRED = 'model (string) and messages [{role, content}] are required';

/**
 * The request, or an error message (with the parameter it names) for a 400.
 * `model` stands in for the body's model where the path names it (Azure's deployments).
 */
export function readChatRequest(raw: string, model?: string): SimChatRequest | string {
  const r = readChatRequestOrParam(raw, model);
  return 'error' in r ? r.error : r;
}

/** readChatRequest, with the parameter an error names (and OpenAI's error `code`, for an image refusal). */
export function readChatRequestOrParam(
  raw: string,
  pathModel?: string,
): SimChatRequest | { readonly error: string; readonly param: string | null; readonly code?: string } {
  let body: {
    model?: unknown;
    messages?: unknown;
    response_format?: unknown;
    stream?: unknown;
    stream_options?: unknown;
    tools?: unknown;
    tool_choice?: unknown;
    max_tokens?: unknown;
    max_completion_tokens?: unknown;
    logprobs?: unknown;
    top_logprobs?: unknown;
  };
  try {
    body = JSON.parse(raw);
  } catch {
    return { error: 'request body is not valid JSON', param: null };
  }
  if (body === null || typeof body !== 'object') return { error: MESSAGES_REQUIRED, param: null };
  const model =
    pathModel ?? (typeof body.model === 'string' && body.model.length > 0 ? body.model : undefined);
  const raws = body.messages;
  if (!model || !Array.isArray(raws)) return { error: MESSAGES_REQUIRED, param: null };
  const messages: SimMessage[] = [];
  let images = 0;
  let imageBytes = 0;
  for (const [i, m] of raws.entries()) {
    const read = readMessage(m, i);
    if (read === undefined) return { error: MESSAGES_REQUIRED, param: 'messages' };
    if ('error' in read) return read;
    for (const image of read.images ?? []) {
      images++;
      imageBytes += image.bytes;
    }
    messages.push(read);
  }
  if (images > MAX_IMAGES_PER_REQUEST) {
    return {
      error: `Too many images in request. Max is ${MAX_IMAGES_PER_REQUEST}.`,
      param: 'messages',
      code: 'too_many_images',
    };
  }
  if (imageBytes > MAX_IMAGE_BYTES_PER_REQUEST) {
    return {
      error: `Total image size in request is over the limit of ${MAX_IMAGE_BYTES_PER_REQUEST / (1024 * 1024)} MB.`,
      param: 'messages',
      code: 'image_too_large',
    };
  }
  const tools = readTools(body.tools);
  if (typeof tools === 'string') return { error: tools, param: 'tools' };
  const toolChoice = readToolChoice(body.tool_choice, tools);
  if (typeof toolChoice === 'string' && !['auto', 'none', 'required'].includes(toolChoice)) {
    return { error: toolChoice, param: 'tool_choice' };
  }
  const maxTokens = readMaxTokens(body);
  if (maxTokens && 'error' in maxTokens) return maxTokens;
  const logprobs = readLogprobs(body);
  if (logprobs && 'error' in logprobs) return logprobs;
  const rf = body.response_format;
  const responseFormat =
    rf !== null && typeof rf === 'object' && !Array.isArray(rf) ? (rf as Record<string, unknown>) : undefined;
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  return {
    model,
    messages,
    schema: jsonSchemaOf(responseFormat),
    hasResponseFormat: body.response_format !== undefined,
    responseFormat,
    stream: body.stream === true,
    includeUsage: body.stream === true && streamOptions?.include_usage === true,
    tools,
    toolChoice: toolChoice as SimToolChoice,
    maxTokens,
    ...(logprobs ? { logprobs } : {}),
  };
}

/**
 * `logprobs` (a boolean) and `top_logprobs` (an integer 0..20, only with
 * `logprobs: true`), as the official SDK's types state them
 * (ChatCompletionCreateParams: "An integer between 0 and 20 … `logprobs` must be
 * set to `true` if this parameter is used"). OpenAI answers a violation with a 400 naming the parameter.
 */
function readLogprobs(body: {
  logprobs?: unknown;
  top_logprobs?: unknown;
}):
  | { readonly top: number }
  | undefined
  | { readonly error: string; readonly param: string; readonly code: string } {
  const on = body.logprobs;
  const top = body.top_logprobs;
  if (on !== undefined && on !== null && typeof on !== 'boolean') {
    return {
      error: `Invalid type for 'logprobs': expected a boolean, but got a ${typeof on} instead.`,
      param: 'logprobs',
      code: 'invalid_type',
    };
  }
  if (top !== undefined && top !== null) {
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 0 || top > MAX_TOP_LOGPROBS) {
      return {
        error: `Invalid 'top_logprobs': expected an integer from 0 to ${MAX_TOP_LOGPROBS}, got ${JSON.stringify(top)}.`,
        param: 'top_logprobs',
        code: 'invalid_value',
      };
    }
    if (on !== true) {
      return {
        error: "Invalid value for 'top_logprobs': 'logprobs' must be set to true if 'top_logprobs' is used.",
        param: 'top_logprobs',
        code: 'invalid_value',
      };
    }
  }
  return on === true ? { top: typeof top === 'number' ? top : 0 } : undefined;
}

/**
 * `max_completion_tokens` or `max_tokens` (null or absent: none), refused as
 * OpenAI refuses a value that is no integer or below 1 (its 400s as public
 * issue reports show them: "Invalid type for 'max_tokens': expected an
 * integer, but got a string instead.", code invalid_type; "Invalid
 * 'max_tokens': integer below minimum value. Expected a value >= 1, but got
 * 0 instead.", code integer_below_min_value).
 */
function readMaxTokens(body: {
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
}): SimChatRequest['maxTokens'] | { readonly error: string; readonly param: string; readonly code: string } {
  const param: MaxTokensParam | undefined =
    body.max_completion_tokens !== undefined && body.max_completion_tokens !== null
      ? 'max_completion_tokens'
      : body.max_tokens !== undefined && body.max_tokens !== null
        ? 'max_tokens'
        : undefined;
  if (param === undefined) return undefined;
  const value = body[param];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    const got =
      typeof value === 'number' ? 'a decimal' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return {
      error: `Invalid type for '${param}': expected an integer, but got ${got} instead.`,
      param,
      code: 'invalid_type',
    };
  }
  if (value < 1) {
    return {
      error: `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
      param,
      code: 'integer_below_min_value',
    };
  }
  return { value, param };
}

type MessageRefusal = { readonly error: string; readonly param: string; readonly code: string };

function readMessage(m: unknown, index: number): SimMessage | MessageRefusal | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const r = m as Record<string, unknown>;
  const role = r['role'];
  if (typeof role !== 'string') return undefined;
  const content = r['content'];
  if (typeof content === 'string') return { role, content };
  if (Array.isArray(content)) {
    const texts: string[] = [];
    const images: SimImage[] = [];
    // What the answers read: text parts, a newline between two; an image's description in its place.
    let seen = '';
    let lastWasText = false;
    for (const [j, part] of content.entries()) {
      if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'image_url') {
        if (role !== 'user') {
          return {
            error: `Invalid 'messages[${index}]'. Image URLs are only allowed for messages with role 'user', but this message with role '${role}' contains an image URL.`,
            param: `messages[${index}]`,
            code: 'invalid_value',
          };
        }
        const image: SimImage | ImageRefusal = readImagePart((part as { image_url?: unknown }).image_url);
        if ('error' in image) {
          return {
            error: image.error,
            param: `messages[${index}].content[${j}].image_url`,
            code: image.code,
          };
        }
        images.push(image);
        seen += image.description;
        lastWasText = false;
        continue;
      }
      let text: string | undefined;
      if (typeof part === 'string') text = part;
      else if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        text = (part as { text: string }).text;
      }
      if (text === undefined) continue;
      seen += lastWasText ? `\n${text}` : text;
      lastWasText = true;
      texts.push(text);
    }
    const text = texts.join('\n');
    return images.length === 0 ? { role, content: text } : { role, content: seen, text, images };
  }
  // An assistant turn that only called tools has no content.
  if ((content === null || content === undefined) && Array.isArray(r['tool_calls'])) {
    return { role, content: '' };
  }
  if (content === null && role === 'assistant') return { role, content: '' };
  return undefined;
}

function readTools(raw: unknown): SimTool[] | string {
  if (raw === undefined || raw === null) return [];
  const bad = 'tools must be an array of {type: "function", function: {name, description?, parameters?}}';
  if (!Array.isArray(raw)) return bad;
  const out: SimTool[] = [];
  for (const t of raw) {
    const fn = (t as { function?: unknown } | null)?.function as Record<string, unknown> | undefined;
    if ((t as { type?: unknown } | null)?.type !== 'function' || !fn || typeof fn['name'] !== 'string') {
      return bad;
    }
    const params = fn['parameters'];
    out.push({
      name: fn['name'],
      description: typeof fn['description'] === 'string' ? fn['description'] : '',
      parameters:
        params !== null && typeof params === 'object' && !Array.isArray(params)
          ? (params as Record<string, unknown>)
          : undefined,
      strict: fn['strict'] === true,
    });
  }
  return out;
}

function readToolChoice(raw: unknown, tools: readonly SimTool[]): SimToolChoice | string {
  if (raw === undefined || raw === null) return tools.length > 0 ? 'auto' : 'none';
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const name = (raw as { function?: { name?: unknown } } | null)?.function?.name;
  // A name not in `tools` is the profile's to judge (chat-handler.ts): Ollama does not read tool_choice.
  if ((raw as { type?: unknown } | null)?.type === 'function' && typeof name === 'string') return { name };
  return "tool_choice must be 'auto', 'none', 'required' or {type: 'function', function: {name}}";
}

function jsonSchemaOf(
  rf: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (!rf) return undefined;
  const r = rf as { type?: unknown; json_schema?: { schema?: unknown } };
  if (r.type !== 'json_schema') return undefined;
  const schema = r.json_schema?.schema;
  return schema && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}
