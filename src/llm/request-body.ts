/**
 * A chat request as the provider receives it: the JSON body of
 * `/chat/completions` in the structured-output mode the model is at
 * (structured.ts), with images as content parts. Built per attempt (a
 * structured-output fallback changes it) as text, the schema part
 * serialised once per schema object.
 */
import { contentParts, mayHoldImage } from './images.js';
import { JSON_OBJECT_FORMAT, responseFormatJson, schemaInstruction } from './structured.js';
import type { ChatMessage, ChatRequest, StructuredMode } from './types.js';

/** The request body as JSON text; the response_format part is serialised once per schema object. */
export function bodyOf(model: string, request: ChatRequest, mode: StructuredMode, stream = false): string {
  let messages: readonly ChatMessage[] = request.messages;
  let rf = '';
  if (request.responseFormat) {
    if (mode === 'json_schema') rf = `,"response_format":${responseFormatJson(request.responseFormat)}`;
    else {
      messages = [schemaInstruction(request.responseFormat, mode), ...messages];
      if (mode === 'json_object') rf = `,"response_format":${JSON_OBJECT_FORMAT}`;
    }
  }
  let extra = '';
  if (request.temperature !== undefined) extra += `,"temperature":${Number(request.temperature)}`;
  if (request.maxTokens !== undefined) extra += `,"max_tokens":${Math.floor(request.maxTokens)}`;
  if (request.topLogprobs !== undefined)
    extra += `,"logprobs":true,"top_logprobs":${Math.max(0, Math.min(20, Math.floor(request.topLogprobs)))}`;
  // OpenAI sends the usage only in a last chunk, and only when asked (stream_options.include_usage).
  if (stream) extra += ',"stream":true,"stream_options":{"include_usage":true}';
  return `{"model":${JSON.stringify(model)},"messages":${JSON.stringify(withImageParts(messages))}${rf}${extra}}`;
}

/**
 * User messages holding `<image>URL</image>` markers (IMAGE() in SQL) as
 * content arrays of text and image_url parts (images.ts); the messages as
 * they are when none does, so a request without images is unchanged. Only
 * user messages carry images (OpenAI refuses an image in any other role).
 */
function withImageParts(messages: readonly ChatMessage[]): readonly unknown[] {
  if (!messages.some((m) => m.role === 'user' && mayHoldImage(m.content))) return messages;
  return messages.map((m) => {
    if (m.role !== 'user' || !mayHoldImage(m.content)) return m;
    const content = contentParts(m.content);
    return typeof content === 'string' ? m : { role: m.role, content };
  });
}
