/**
 * Where a profile answers chat, embeddings and model-list requests.
 *
 * - OpenAI-style profiles (default, openai, ollama, vllm, json-object-only):
 *   `POST /v1/chat/completions`, `POST /v1/embeddings`, `GET /v1/models`
 *   (and the same without `/v1`, as the simulator always took them).
 * - azure-openai (Azure OpenAI REST reference; API version lifecycle page):
 *   `POST /openai/deployments/{deployment}/chat/completions?api-version=…`
 *   and `…/embeddings?api-version=…`, where the deployment names the model
 *   (the body's `model` is not read); the v1 API `POST
 *   /openai/v1/chat/completions` and `/openai/v1/embeddings` (no api-version
 *   needed; the body's `model` names the deployment); `GET /openai/v1/models`
 *   and `GET /openai/models?api-version=…`. A deployment path without an
 *   api-version (or with one that is not `YYYY-MM-DD[-preview]`) is
 *   Azure's 404 "Resource not found", as are OpenAI's `/v1/…` paths. Auth is
 *   the `api-key` header or an Entra ID `Authorization: Bearer` token: none
 *   (or not the `azureApiKey` option's key, when set) is Azure's 401.
 *   A missing route is checked before the key.
 */
import type { IncomingMessage } from 'node:http';
import type { ResolvedSimOptions } from './options.js';
import { AZURE_NOT_FOUND, AZURE_UNAUTHORIZED, profileOf } from './provider-profiles.js';

export type ProviderRoute =
  | { readonly kind: 'chat' | 'embeddings'; readonly model?: string; readonly apiVersion?: string }
  | { readonly kind: 'models' }
  /** Refused on the route (Azure's 404 and 401): send this and read no further. */
  | { readonly kind: 'reply'; readonly status: number; readonly body: string };

const OPENAI_PATHS: Readonly<Record<string, { method: string; kind: 'chat' | 'embeddings' | 'models' }>> = {
  '/v1/chat/completions': { method: 'POST', kind: 'chat' },
  '/chat/completions': { method: 'POST', kind: 'chat' },
  '/v1/embeddings': { method: 'POST', kind: 'embeddings' },
  '/embeddings': { method: 'POST', kind: 'embeddings' },
  '/v1/models': { method: 'GET', kind: 'models' },
  '/models': { method: 'GET', kind: 'models' },
};

const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

/** The provider route of a request, or undefined when it is none (the server's own routes follow). */
export function providerRoute(
  req: IncomingMessage,
  opts: Pick<ResolvedSimOptions, 'profile' | 'azureApiKey'>,
): ProviderRoute | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const profile = profileOf(opts.profile);
  const openai = OPENAI_PATHS[path];
  if (profile.paths === 'openai') {
    return openai && req.method === openai.method ? { kind: openai.kind } : undefined;
  }
  if (openai) return { kind: 'reply', status: 404, body: AZURE_NOT_FOUND };
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const apiVersion = query.get('api-version') ?? undefined;
  let route: ProviderRoute | undefined;
  const deployment = DEPLOYMENT.exec(path);
  if (deployment && req.method === 'POST') {
    if (apiVersion === undefined || !API_VERSION.test(apiVersion)) {
      return { kind: 'reply', status: 404, body: AZURE_NOT_FOUND };
    }
    route = {
      kind: deployment[2] === 'embeddings' ? 'embeddings' : 'chat',
      model: decodeURIComponent(deployment[1]!),
      apiVersion,
    };
  } else if (req.method === 'POST' && path === '/openai/v1/chat/completions') route = { kind: 'chat' };
  else if (req.method === 'POST' && path === '/openai/v1/embeddings') route = { kind: 'embeddings' };
  else if (req.method === 'GET' && path === '/openai/v1/models') route = { kind: 'models' };
  else if (req.method === 'GET' && path === '/openai/models' && apiVersion !== undefined)
    route = { kind: 'models' };
  if (!route) return undefined;
  if (!azureKeyAccepted(req, opts.azureApiKey))
    return { kind: 'reply', status: 401, body: AZURE_UNAUTHORIZED };
  return route;
}

function azureKeyAccepted(req: IncomingMessage, want: string | null): boolean {
  const header = req.headers['api-key'];
  const auth = req.headers['authorization'];
  const bearer = typeof auth === 'string' && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  const key = typeof header === 'string' && header.length > 0 ? header : bearer || undefined;
  if (!key) return false;
  return want === null || key === want;
}
