// A promise with its resolvers, marked handled at birth: write() hands it to callers that
// may ignore it (non-strict mode), and an ignored rejection must not become an
// 'unhandledRejection' that ends the process. Callers that await it still see the error.
export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export function rejected(err: Error): Promise<void> {
  const d = deferred();
  d.reject(err);
  return d.promise;
}
