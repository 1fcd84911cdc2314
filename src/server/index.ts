/** The Postgres wire server: `startServer({ engine, host, port, password })`. */
export { type ServerHandle, startServer } from './server.js';
export type { ServerLimits, ServerOptions } from './server-options.js';
