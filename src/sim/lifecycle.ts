// What the simulator must stop when it closes: its servers, their open sockets (a stalled answer keeps one open
// forever) and the delays of slow faults, so that no timer or connection outlives it and a test can end cleanly.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class Lifecycle {
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #sleepers = new Map<NodeJS.Timeout, () => void>();
  readonly #onClose: () => void;

  /** `onClose` runs first when closing starts: what else must be dropped (pending faults, waiters). */
  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  track(server: Server): void {
    this.#servers.push(server);
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** A delay that close() cuts short. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleepers.delete(timer);
        resolve();
      }, ms);
      this.#sleepers.set(timer, resolve);
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#onClose();
      for (const [timer, wake] of this.#sleepers) {
        clearTimeout(timer);
        wake();
      }
      this.#sleepers.clear();
      const stopped = this.#servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      );
      for (const socket of this.#sockets) socket.destroy();
      await Promise.all(stopped);
    })();
    return this.#closing;
  }
}
