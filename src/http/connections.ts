// Connection bookkeeping for a graceful stop: which sockets carry a call right now.
// server.close() alone waits on keep-alive sockets that have not sent a request yet.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTracker {
  /** Closes idle sockets now and each busy one as soon as its last response ends. */
  drain(): void;
  /** Ends every socket, busy or not (the grace period is over). */
  destroyAll(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const inflight = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    inflight.set(socket, 0);
    socket.once('close', () => inflight.delete(socket));
    if (draining) socket.destroy();
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inflight.set(socket, (inflight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      // The socket may have closed first (a client abort): it is gone, and must not be
      // put back (that would keep the socket, and the call it carried, alive for good).
      if (!inflight.has(socket)) return;
      const left = (inflight.get(socket) ?? 1) - 1;
      inflight.set(socket, left);
      if (draining && left === 0) socket.end();
    });
  });
  return {
    drain() {
      draining = true;
      for (const [socket, n] of inflight) if (n === 0) socket.destroy();
    },
    destroyAll() {
      for (const socket of inflight.keys()) socket.destroy();
    },
  };
}
