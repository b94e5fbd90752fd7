// A network's OS process (nats schedule) starts without a TypeScript loader: register tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./system-process.ts');
