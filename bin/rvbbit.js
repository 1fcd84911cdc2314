#!/usr/bin/env node
// The `rvbbit` command. The project ships TypeScript; tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
