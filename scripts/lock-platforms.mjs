#!/usr/bin/env node
/**
 * `npm run lock`: makes package-lock.json list every platform's binary
 * package, so `npm ci` accepts it on any OS (npm/cli#4828, #8320: npm writes
 * only the optional packages it could resolve where the lock was made; the
 * registry mirror on our machines serves only Linux builds, so even a fresh
 * lock misses darwin/win32 and `npm ci` then refuses the lock elsewhere).
 *
 * For each `optionalDependencies` entry of a locked package with no lock
 * entry, it adds `{ version, os, cpu[, libc], optional }` read from the
 * package name (`-darwin-arm64`, `-linux-x64-musl`, …). Without `integrity`
 * npm fetches that exact version by name on the platform that needs it;
 * elsewhere the entry is skipped as for any other platform's package.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../package-lock.json', import.meta.url));
const lock = JSON.parse(readFileSync(file, 'utf8'));
const PLATFORM =
  /-(darwin|linux|win32|freebsd|openbsd|netbsd|android|aix|sunos)-(x64|arm64|arm|ia32|ppc64|s390x|riscv64|loong64)(-musl|-gnu|-msvc)?$/;

const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const m = PLATFORM.exec(name);
    if (!m) throw new Error(`${path}: optional dependency ${name} is not in the lock and names no platform`);
    const [, os, cpu, abi] = m;
    lock.packages[key] = {
      version,
      cpu: [cpu],
      ...(entry.dev ? { dev: true } : {}),
      ...(os === 'linux' ? { libc: [abi === '-musl' ? 'musl' : 'glibc'] } : {}),
      optional: true,
      os: [os],
    };
    added.push(`${name}@${version}`);
  }
}
const [root, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length}: ${added.join(', ')}` : 'every platform package is locked');
