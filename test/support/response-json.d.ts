// Tests read JSON bodies loosely and assert on their shape: `res.json()` is `any` here,
// as it is in the DOM typings, instead of undici's `unknown`.
export {};
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
