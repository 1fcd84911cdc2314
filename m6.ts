import { monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();
await new Promise((r) => setTimeout(r, 5000));
h.disable();
console.log('idle loop delay max', (h.max / 1e6).toFixed(0), 'p99', (h.percentile(99) / 1e6).toFixed(0));
