// A dedicated connection that LISTENs on a Postgres channel and reconnects when the
// server goes away. Pools hand connections out per query, so LISTEN needs its own client.
import pg from 'pg';

export interface ChannelListener {
  close(): Promise<void>;
}

export function listenChannel(props: {
  readonly url: string;
  readonly schema?: string;
  readonly channel: string;
  readonly onMessage: (payload: string) => void;
  readonly onError?: (err: Error) => void;
}): ChannelListener {
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 500;
  let timer: NodeJS.Timeout | null = null;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: props.url });
    c.on('error', (err) => {
      props.onError?.(err);
      reconnect(c);
    });
    c.on('end', () => reconnect(c));
    c.on('notification', (n) => {
      if (n.channel === props.channel && n.payload !== undefined) props.onMessage(n.payload);
    });
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(props.channel)}`);
      client = c;
      retryMs = 500;
    } catch (err) {
      props.onError?.(err as Error);
      reconnect(c);
    }
  };

  const reconnect = (c: pg.Client) => {
    if (closed || timer || (client !== null && client !== c)) return;
    client = null;
    c.removeAllListeners('end');
    void c.end().catch(() => undefined);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
    },
  };
}

export const POLICY_CHANNEL = 'compliance_sidecar_policy';
