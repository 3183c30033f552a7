// String.prototype.isWellFormed and toWellFormed are in Node 20 (V8 11.3) but in
// TypeScript's ES2024 library, not the ES2023 one this project compiles against.
interface String {
  /** Whether the string holds no lone surrogate. */
  isWellFormed(): boolean;
  /** The string with each lone surrogate replaced by U+FFFD. */
  toWellFormed(): string;
}
