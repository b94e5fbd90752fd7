import { readFileSync } from 'node:fs';
import { connectNats, NatsLink } from '../nats/nats-link.ts';
import { BEAT_MS, systemSubjects } from './nats-system.ts';
import { hostNetwork } from './system-host.ts';
import type { FromSystemWorker, PeerMessage, SystemProcessInit, ToSystemWorker } from './worker-protocol.ts';

/**
 * One network of a two-clock system as an OS process (the nats schedule): messages to and from the
 * other network, and the coordinator's commands, are NATS subjects of the run. B's replies reach A
 * through its subscription, so A lets the event loop run between windows and while it is locked.
 * It exits when its standard input ends (its coordinator has gone) or its connection is lost.
 */
const init = JSON.parse(readFileSync(process.env.DNIFLOW_SYSTEM_INIT!, 'utf8')) as SystemProcessInit;
const connection = await connectNats(
  process.env.DNIFLOW_NATS_URL!,
  `dniflow ${init.run} network ${init.role}`,
);
const link = new NatsLink(connection);
const names = systemSubjects(init.run);
const other = init.role === 'A' ? 'B' : 'A';
const inbox: PeerMessage[] = [];
let arrived: (() => void) | null = null;
const die = (why: string) => {
  process.stderr.write(`dniflow/runtime: network ${init.role} (pid ${process.pid}): ${why}\n`);
  process.exit(1);
};
const host = hostNetwork(init, {
  toPeer: (message) => link.publish(names.network(other), message),
  post: (message: FromSystemWorker) => link.publish(names.coordinator, message),
  poll: () => inbox.shift(),
  wait: () =>
    new Promise((resolve) => {
      arrived = resolve;
      setTimeout(resolve, 50);
    }),
  breathe: () => new Promise((resolve) => setImmediate(resolve)),
});
if (init.role === 'A') {
  link.subscribe<PeerMessage>(
    names.network('A'),
    (message) => {
      inbox.push(message);
      arrived?.();
    },
    (error) => die(error.message),
  );
  link.subscribe<ToSystemWorker>(
    names.control,
    (command) => void host.command(command),
    (error) => die(error.message),
  );
} else {
  link.subscribe<PeerMessage>(names.network('B'), host.peer, (error) => die(error.message));
}
connection.closed().then(() => die('lost its connection to the NATS server'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
await connection.flush();
link.publish(names.coordinator, { type: 'ready', role: init.role } satisfies FromSystemWorker);
// A's windows yield to the event loop, so the beat stops only if the process hangs or is cut off.
setInterval(
  () => link.publish(names.coordinator, { type: 'beat', role: init.role } satisfies FromSystemWorker),
  BEAT_MS,
);
