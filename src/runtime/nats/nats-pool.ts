import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Answer, PartitionPool, WorkerFailedError } from '../workers/partition-pool.ts';
import type { FromWorker, PartitionInit, ToWorker } from '../workers/protocol.ts';
import type { NatsLink } from './nats-link.ts';
import { serverOf, subjects } from './nats-link.ts';
import { codeIdentity, type FromProcess, type ToProcess } from './nats-protocol.ts';

export interface NatsPoolOptions {
  link: NatsLink;
  /** The server's URL as the partition processes reach it. */
  url: string;
  /** The credentials file every process connects with (natsAuth), if any. */
  creds?: string;
  run: string;
  /** Partitions started by hand (`dniflow partition`), by index: not spawned here. */
  remote: Set<number>;
  /** A partition silent this long has hung, died or lost its connection (default 3 s). */
  silenceMs?: number;
  /** How long to wait for a partition to join (default 60 s; by hand: 10 min). */
  joinTimeoutMs?: number;
  /** Called once the pool has ended (stops a server started for the run). */
  onClosed?: () => Promise<void>;
  log?: (line: string) => void;
}

interface Member {
  pid: number;
  host: string;
  heardAt: number;
}

const BEAT_MS = 500;
const BIN = fileURLToPath(new URL('../../../bin/dniflow.js', import.meta.url));

/**
 * The partitions of the nats scheduler: one OS process each, spawned here (`dniflow partition`, the
 * same command a user runs by hand on another host) or joining by themselves. A process that joins
 * is checked (same code) and handed its part of the network and state; after that every process and
 * the coordinator beat twice a second, and a process that exits, hangs or loses its connection fails
 * the run within `silenceMs`, named with its modules, pid and host.
 */
export class NatsPool extends PartitionPool {
  private readonly names: ReturnType<typeof subjects>;
  private readonly members: (Member | undefined)[];
  private readonly children: (ChildProcess | undefined)[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private watchedAt = Date.now();
  private closing = false;

  constructor(
    private readonly inits: PartitionInit[],
    onMessage: (message: Exclude<FromWorker, Answer>) => void,
    onFailure: (error: WorkerFailedError) => void,
    lastStep: () => number | undefined,
    private readonly options: NatsPoolOptions,
  ) {
    super(
      inits.map((init) => init.nodes),
      onMessage,
      onFailure,
      lastStep,
    );
    this.names = subjects(options.run);
    this.members = inits.map(() => undefined);
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    options.link.subscribe<FromProcess>(
      this.names.coordinator,
      (message) => this.onProcess(message),
      (error) => this.failAll(error.message),
    );
    options.link.connection.closed().then((error) => this.lostServer(error ?? undefined));
    inits.forEach((init, index) => {
      if (options.remote.has(index)) {
        const creds = options.creds === undefined ? '' : ` --nats-creds ${options.creds}`;
        log(
          `dniflow: waiting for partition ${index} (${init.nodes.join(', ')}); on its host run:\n` +
            `  npx dniflow partition --nats-url ${options.url}${creds} --run-id ${options.run} --partition ${index}`,
        );
        return;
      }
      this.children[index] = this.spawnChild(index);
    });
    this.timer = setInterval(() => this.watch(), BEAT_MS);
  }

  private spawnChild(index: number): ChildProcess {
    const { creds, run } = this.options;
    const args = ['partition', '--run-id', run, '--partition', String(index), '--exit-with-stdin'];
    if (creds !== undefined) args.push('--nats-creds', resolve(creds));
    const child = spawn(process.execPath, [BIN, ...args], {
      // Standard input is the child's lifeline: it ends when this process does, however it ends.
      stdio: ['pipe', 'inherit', 'inherit'],
      env: {
        ...process.env,
        // The URL may hold a password: in the environment, not on a command line that `ps` shows.
        DNIFLOW_NATS_URL: this.options.url,
        // One BLAS thread per process: the processes are the parallelism.
        OPENBLAS_NUM_THREADS: '1',
      },
    });
    child.on('exit', (code, signal) => {
      if (!this.closing)
        this.fail(this.failed(index, `its process exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    });
    return child;
  }

  private onProcess(message: FromProcess): void {
    switch (message.type) {
      case 'join':
        this.join(message);
        return;
      case 'beat': {
        const member = this.members[message.index];
        if (member) member.heardAt = Date.now();
        return;
      }
      default:
        this.receive(message);
    }
  }

  private join(message: Extract<FromProcess, { type: 'join' }>): void {
    const { index, pid, host } = message;
    const refuse = (why: string) => this.send(this.names.control(index), { type: 'refused', why });
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      refuse(`this run has partitions 0 to ${this.size - 1}, not ${index}`);
      return;
    }
    const member = this.members[index];
    if (member) {
      if (member.pid !== pid || member.host !== host)
        refuse(`partition ${index} is already run by process ${member.pid} on ${member.host}`);
      return;
    }
    const spawned = this.children[index];
    if (spawned && spawned.pid !== pid) {
      refuse(`partition ${index} is started by this coordinator`);
      return;
    }
    const code = codeIdentity();
    if (message.code !== code) {
      refuse(`it runs dniflow ${message.code}, the coordinator runs ${code}`);
      this.members[index] = { pid, host, heardAt: Date.now() };
      this.fail(this.failed(index, `refused at join: it runs dniflow ${message.code}, this is ${code}`));
      return;
    }
    this.members[index] = { pid, host, heardAt: Date.now() };
    this.send(this.names.control(index), { type: 'init', init: this.inits[index] });
  }

  /** Heartbeats: tells every process the coordinator is alive, and checks every process. */
  private watch(): void {
    if (this.closing || this.failure) return;
    this.send(this.names.all, { type: 'beat' } satisfies ToProcess);
    const now = Date.now();
    // This thread was busy (an evaluation, a checkpoint): beats that arrived meanwhile are still
    // queued behind this timer, so silence is counted from now, not from before the pause.
    if (now - this.watchedAt > 4 * BEAT_MS)
      for (const member of this.members) if (member) member.heardAt = now;
    this.watchedAt = now;
    // Six missed beats: found 2.5 to 3.5 s after the last one arrived, leaving room within the
    // 5 s promised for stopping the others; a partition's work comes in steps of milliseconds, so
    // a live one never blocks its beats that long.
    const silence = this.options.silenceMs ?? 3000;
    this.members.forEach((member, index) => {
      if (member === undefined) {
        const wait = this.options.joinTimeoutMs ?? (this.options.remote.has(index) ? 600_000 : 60_000);
        if (now - this.startedAt > wait)
          this.fail(this.failed(index, `its process did not join within ${wait / 1000} s`));
      } else if (now - member.heardAt > silence) {
        this.fail(
          this.failed(
            index,
            `no heartbeat for ${((now - member.heardAt) / 1000).toFixed(1)} s (it hung, died or lost its connection)`,
          ),
        );
        // A hung process cannot take 'stop' (SIGKILL works even on a stopped one); one on another
        // host leaves by itself once the coordinator goes silent.
        this.children[index]?.kill('SIGKILL');
      }
    });
  }

  protected override where(index: number): string {
    const member = this.members[index];
    const pid = member?.pid ?? this.children[index]?.pid;
    return `process ${pid ?? '(not joined)'} on ${member?.host ?? 'this host'}`;
  }

  override pid(index: number): number | undefined {
    return this.members[index]?.pid ?? this.children[index]?.pid;
  }

  private lostServer(error?: Error): void {
    this.failAll(
      `lost its connection to the NATS server at ${serverOf(this.options.url)}${error ? ` (${error.message})` : ''}`,
    );
  }

  /** Every message the coordinator sends: a publish that finds the server gone fails the run as such. */
  private send(subject: string, message: unknown): void {
    if (!this.options.link.publishUnlessClosed(subject, message)) this.lostServer();
  }

  private failAll(why: string): void {
    if (this.closing) return;
    const where = `coordinator (process ${process.pid} on ${hostname()})`;
    this.fail(new WorkerFailedError(this.groups.flat(), this.lastStep(), why, where));
  }

  post(index: number, message: ToWorker): void {
    const subject =
      message.type === 'work'
        ? this.names.work(index, message.envelope.edge, message.envelope.direction)
        : this.names.control(index);
    this.send(subject, message);
  }

  /** Tells every process to stop, waits up to 3 s for the spawned ones, kills what is left. */
  async terminate(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    const connection = this.options.link.connection;
    if (!connection.isClosed()) {
      this.send(this.names.all, { type: 'stop' } satisfies ToProcess);
      await connection.flush().catch(() => undefined);
    }
    await Promise.all(this.children.map((child) => child && ended(child, 3000)));
    if (!connection.isClosed()) await connection.close().catch(() => undefined);
    await this.options.onClosed?.();
  }
}

/** Resolves once `child` has exited, killing it after `ms`. */
function ended(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
