// Hot reload of POLICY_DIR. fs.watch on the directory (not on files: editors that save by
// writing a temp file and renaming it over the original replace the inode a file watch
// would be attached to) and on the directories of the list files policies read. Events
// are only a hint: any event schedules one debounced reload of the whole directory, which
// works out itself what changed. fs.watch can miss events (network file systems, some
// container mounts), so a periodic rescan runs as well; an unchanged file costs one stat.
//
// Deleting a policy file removes that policy from the active set at the next reload.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { LoadResult, PolicyRegistry } from './registry.js';

export interface WatchOptions {
  /** Quiet time after the last event before reloading (editors write in bursts). */
  readonly debounceMs?: number;
  /** Interval of the fallback rescan; 0 turns it off. */
  readonly rescanMs?: number;
  /** Set false to rely on the periodic rescan only (file systems without inotify). */
  readonly fsWatch?: boolean;
  /** A reload or a watch failed (e.g. POLICY_DIR was removed); the watcher keeps going. */
  readonly onError?: (err: unknown) => void;
  /** After every reload, successful or not changing anything. */
  readonly onReload?: (result: LoadResult) => void;
}

export interface PolicyWatcher {
  /** Stops watching; resolves once a reload in progress has finished. */
  close(): Promise<void>;
}

const DEFAULTS = { debounceMs: 200, rescanMs: 5000 } as const;

export function watchPolicies(registry: PolicyRegistry, options: WatchOptions = {}): PolicyWatcher {
  const debounceMs = options.debounceMs ?? DEFAULTS.debounceMs;
  const rescanMs = options.rescanMs ?? DEFAULTS.rescanMs;
  const useFsWatch = options.fsWatch ?? true;
  const report = options.onError ?? (() => undefined);
  // A throwing hook must not become an unhandled rejection or stop the watcher.
  const onError = (err: unknown): void => {
    try {
      report(err);
    } catch {
      // nothing left to tell
    }
  };
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const schedule = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
    timer.unref();
  };

  // One reload at a time; events arriving meanwhile ask for one more afterwards.
  function run(): void {
    timer = undefined;
    if (closed) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = registry
      .loadDir()
      .then((result) => options.onReload?.(result))
      .catch(onError)
      .finally(() => {
        running = undefined;
        syncWatches();
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  // The directories to watch change as policies start or stop reading list files, and a
  // watch dies with its directory: re-evaluated after every reload.
  function syncWatches(): void {
    if (closed || !useFsWatch) return;
    const wanted = new Set(registry.watchedDirs());
    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, schedule);
        watcher.on('error', (err) => {
          watcher.close();
          watchers.delete(dir);
          onError(err);
          schedule();
        });
        watchers.set(dir, watcher);
      } catch (err) {
        // A list directory that does not exist (yet): the rescan will notice when it does.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err);
      }
    }
  }

  syncWatches();
  const interval = rescanMs > 0 ? setInterval(run, rescanMs) : undefined;
  interval?.unref();

  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (interval !== undefined) clearInterval(interval);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await running;
    },
  };
}
