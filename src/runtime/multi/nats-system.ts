import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Network } from '../../graph/network.ts';
import { networkToJSON } from '../../graph/serialize.ts';
import { checkRunId, connectNats, NatsLink, serverOf } from '../nats/nats-link.ts';
import { type LocalNatsServer, startNatsServer } from '../nats/nats-server.ts';
import type { SystemOptions } from './build-system.ts';
import { RemoteSchedule, type Role, SystemWorkerFailed } from './remote-schedule.ts';
import type { FromSystemWorker, SystemProcessInit, ToSystemWorker } from './worker-protocol.ts';

/** The subjects of a two-clock run: each network's inbox, A's commands, and the coordinator's. */
export function systemSubjects(run: string) {
  const base = `dniflow.${checkRunId(run)}.system`;
  return {
    network: (role: Role) => `${base}.${role}`,
    control: `${base}.control`,
    coordinator: `${base}.coordinator`,
  };
}

/** Heartbeats twice a second; a process silent for SILENCE_MS has hung or lost its connection. */
export const BEAT_MS = 500;
const SILENCE_MS = 3000;

const ENTRY = fileURLToPath(new URL('./system-process-entry.mjs', import.meta.url));

/**
 * The nats schedule of a two-clock system: A and B each in an OS process, their messages NATS
 * subjects (DESIGN.md, "nats"). A nats-server is started on 127.0.0.1 for the run unless `url` names
 * one. A process that exits fails the run at once, named with its network and pid; each process's
 * standard input is its lifeline, so none outlives the coordinator.
 */
export class NatsSystemSchedule extends RemoteSchedule {
  private readonly children = new Map<Role, ChildProcess>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'dniflow-system-'));
  private readonly heardAt = new Map<Role, number>();
  private readonly watch: NodeJS.Timeout;

  private constructor(
    private readonly link: NatsLink,
    private readonly runId: string,
    private readonly server: LocalNatsServer | undefined,
    private readonly url: string,
    init: Omit<SystemProcessInit, 'role' | 'run'>,
  ) {
    super();
    const names = systemSubjects(runId);
    link.subscribe<FromSystemWorker>(
      names.coordinator,
      (message) => {
        this.heardAt.set(message.role, performance.now());
        this.receive(message);
      },
      (error) => this.fail(new SystemWorkerFailed('A', `link failed: ${error.message}`)),
    );
    for (const role of ['A', 'B'] as const) {
      const path = join(this.dir, `${role}.json`);
      writeFileSync(path, JSON.stringify({ ...init, role, run: runId } satisfies SystemProcessInit));
      const child = spawn(process.execPath, [ENTRY], {
        stdio: ['pipe', 'inherit', 'inherit'],
        // The URL may hold a password: in the environment, not on a command line that `ps` shows.
        env: { ...process.env, DNIFLOW_NATS_URL: url, DNIFLOW_SYSTEM_INIT: path, OPENBLAS_NUM_THREADS: '1' },
      });
      child.on('exit', (code, signal) =>
        this.fail(
          new SystemWorkerFailed(role, `process (pid ${child.pid}) exited (${signal ?? `code ${code}`})`),
        ),
      );
      this.children.set(role, child);
    }
    // Silence counts from the first word a process says (building its network takes a while).
    this.watch = setInterval(() => {
      for (const [role, heard] of this.heardAt)
        if (performance.now() - heard > SILENCE_MS)
          this.fail(
            new SystemWorkerFailed(
              role,
              `process (pid ${this.children.get(role)!.pid}) has been silent for over ${SILENCE_MS / 1000} s: hung or cut off`,
            ),
          );
    }, BEAT_MS);
    link.connection.closed().then(() => this.lostServer());
  }

  static async start(setup: {
    network: Network;
    seed: number;
    options: SystemOptions;
    url?: string;
  }): Promise<NatsSystemSchedule> {
    const server = setup.url === undefined ? await startNatsServer() : undefined;
    const url = setup.url ?? server!.url;
    try {
      const link = new NatsLink(await connectNats(url, 'dniflow coordinator'));
      const run = `system-${randomInt(2 ** 40).toString(36)}`;
      const init = { network: networkToJSON(setup.network), seed: setup.seed, options: setup.options };
      return await new NatsSystemSchedule(link, run, server, url, init).ready();
    } catch (error) {
      await server?.stop();
      throw error;
    }
  }

  /** A network's process (for monitoring, and for tests that make one fail). */
  processOf(role: Role): ChildProcess {
    return this.children.get(role)!;
  }

  private lostServer(): void {
    this.fail(new SystemWorkerFailed('A', `coordinator lost the NATS server at ${serverOf(this.url)}`));
  }

  protected send(command: ToSystemWorker): void {
    if (!this.link.publishUnlessClosed(systemSubjects(this.runId).control, command)) this.lostServer();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.watch);
    const exits = [...this.children.values()]
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of this.children.values()) child.kill('SIGKILL');
    await Promise.all(exits);
    await this.link.connection.close().catch(() => {});
    await this.server?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
